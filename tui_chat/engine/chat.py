"""ChatService: the seed's ConversationService, with sessions that survive restarts.

It owns the conversation-level rules — the welcome message, the idle reset, the system prompt with
the user context, saving at every event that matters — and drives :func:`run_turn` for the model and
tool work. The CLI and the TUI both talk to the engine through this class.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any

from tui_chat.config import Config
from tui_chat.engine.errors import EngineError, StoreError
from tui_chat.engine.events import (
    RoundFinished,
    RoundStarted,
    TextDelta,
    ToolCallFinished,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    TurnStarted,
)
from tui_chat.engine.format_fields import new_id
from tui_chat.engine.models import AssistantMessage, Conversation, Session, UserMessage, utcnow
from tui_chat.engine.provider.client import ProviderClient
from tui_chat.engine.provider.litellm_import import import_litellm, is_imported
from tui_chat.engine.provider.request import missing_credentials
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.texts import Texts, build_system_prompt, texts_for
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry
from tui_chat.engine.turn import TurnPlan, run_turn
from tui_chat.i18n import _

PARTIAL_SAVE_INTERVAL = 1.0
"""A streaming reply is saved at least this often (seconds), so a crash loses at most a second."""
MCP_SERVER_WAIT = 5.0
"""Seconds the first turn waits for external MCP servers still starting (the tool host: its start)."""

TITLE_LENGTH = 60


def title_from(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_LENGTH else line[: TITLE_LENGTH - 1].rstrip() + "…"


_import_thread: threading.Thread | None = None


def start_litellm_import() -> None:
    """Import litellm in a daemon thread (once): quitting never waits for it, unlike an executor thread."""
    global _import_thread
    if _import_thread is None and not is_imported():
        _import_thread = threading.Thread(target=import_litellm, name="import-litellm", daemon=True)
        _import_thread.start()


async def litellm_ready() -> None:
    """Wait, without blocking the loop, until the background import of litellm has finished."""
    start_litellm_import()
    while _import_thread is not None and _import_thread.is_alive():
        await asyncio.sleep(0.05)


def save_failed(error: OSError, path: object) -> StoreError:
    """A disk fault (read-only folder, full disk…) as a message that names the file."""
    where = error.filename or path
    return StoreError(
        _("Could not save the conversation to {path}: {reason}.").format(
            path=where, reason=error.strerror or error
        ),
        hint=_("Check that the data folder is writable and the disk has space, then send again."),
        detail=str(error),
    )


def tools_hash(definitions: list[dict[str, Any]]) -> str | None:
    if not definitions:
        return None
    encoded = json.dumps(definitions, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


class ChatService:
    def __init__(
        self,
        config: Config,
        store: ConversationStore,
        registry: ToolRegistry,
        *,
        provider_factory: Callable[[Config], ProviderClient] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.store = store
        self.registry = registry
        self._provider_factory = provider_factory or (lambda config: ProviderClient(config.model))
        self._uses_litellm = provider_factory is None
        self._clock = clock

    @property
    def texts(self) -> Texts:
        return texts_for(self.config.session.language)

    def welcome_text(self) -> str:
        return self.config.session.welcome_message or self.texts.welcome

    def new_conversation(
        self, *, context: dict[str, Any] | None = None, user_id: str | None = None
    ) -> Conversation:
        """A new conversation opening with the welcome message.

        It is saved with its first message, so a conversation the user never writes in leaves no file.
        ``user_id`` defaults to ``[session] user_id``; the REST server passes each request's user.
        """
        now = self._clock()
        user_id = user_id or self.config.session.user_id
        conversation = Conversation(
            id=self.store.new_id(user_id),
            title="",
            user_id=user_id,
            model=self.config.model.name,
            created_at=now,
            last_activity=now,
            context=dict(context or {}),
        )
        session = Session(started_at=now, reason="new")
        session.messages.append(self._welcome(now))
        conversation.sessions.append(session)
        return conversation

    def _welcome(self, now: datetime) -> AssistantMessage:
        return AssistantMessage(content=self.welcome_text(), welcome=True, created_at=now)

    def needs_new_session(self, conversation: Conversation, now: datetime | None = None) -> bool:
        """True when the idle reset applies: the last activity is older than ``idle_reset_minutes``."""
        minutes = self.config.session.idle_reset_minutes
        if minutes <= 0 or not conversation.sessions:
            return False
        session = conversation.sessions[-1]
        if not any(isinstance(message, UserMessage) for message in session.messages):
            return False
        idle = (now or self._clock()) - conversation.last_activity
        return idle > timedelta(minutes=minutes)

    def start_new_session(self, conversation: Conversation, *, reason: str = "manual") -> Session:
        now = self._clock()
        session = Session(started_at=now, reason=reason)  # type: ignore[arg-type]
        session.messages.append(self._welcome(now))
        conversation.sessions.append(session)
        return session

    async def _save(self, conversation: Conversation) -> None:
        """Save off the event loop: an fsync can take 100 ms on a busy disk, and the UI must not stall.

        The turn is suspended meanwhile, so nothing else changes the conversation while it is written.
        An OS error (read-only folder, full disk) becomes a :class:`StoreError` naming the file.
        """
        try:
            await asyncio.to_thread(self.store.save, conversation)
        except OSError as error:
            raise save_failed(error, self.store.path_of(conversation.id)) from error

    def setup_problem(self) -> EngineError | None:
        """Why no model can be reached as configured (e.g. a missing key), when that is known offline."""
        return missing_credentials(self.config.model)

    def system_prompt(self, conversation: Conversation) -> str:
        template = self.config.session.system_prompt or self.texts.system_prompt
        return build_system_prompt(template, conversation.context, self.texts)

    async def send(self, conversation: Conversation, text: str) -> AsyncIterator[TurnEvent]:
        """Add the user's message, then run a turn; the conversation is saved along the way."""
        now = self._clock()
        session_started = False
        welcome: AssistantMessage | None = None
        if not conversation.sessions:
            self.start_new_session(conversation, reason="new")
            session_started = True
        elif self.needs_new_session(conversation, now):
            self.start_new_session(conversation, reason="idle_reset")
            session_started = True
        if session_started:
            welcome = conversation.sessions[-1].messages[-1]  # type: ignore[assignment]
        user = UserMessage(content=text, created_at=now)
        before = (conversation.title, conversation.last_activity)
        conversation.current_session.messages.append(user)
        if not conversation.title_is_custom and not conversation.title:
            conversation.title = title_from(text)
        conversation.last_activity = now
        turn_id = new_id("t")
        try:
            await self._save(conversation)
        except StoreError as error:
            # Not saved (disk full, read-only…): take the message back out, so that the caller, which
            # still has `text` (error.unsaved_text too), can keep it for the user and send it again.
            session = next(s for s in conversation.sessions if user in s.messages)
            session.messages.remove(user)
            if session_started and session.messages == [welcome]:
                conversation.sessions.remove(session)
            conversation.title, conversation.last_activity = before
            error.unsaved_text = text
            raise
        yield TurnStarted(turn_id, user, session_started, welcome)
        async with aclosing(self._turn(conversation, turn_id)) as events:  # closed now, not at GC
            async for event in events:
                yield event

    async def retry(self, conversation: Conversation) -> AsyncIterator[TurnEvent]:
        """Run the last user message again (after an error); nothing is added for the user."""
        session = conversation.current_session
        user = next((m for m in reversed(session.messages) if isinstance(m, UserMessage)), None)
        if user is None:
            return
        turn_id = new_id("t")
        conversation.last_activity = self._clock()
        yield TurnStarted(turn_id, user, False, None)
        async with aclosing(self._turn(conversation, turn_id)) as events:  # closed now, not at GC
            async for event in events:
                yield event

    async def resume(self, conversation: Conversation) -> AsyncIterator[TurnEvent]:
        """Let the model answer the history as it stands (a fork ending in a tool result); adds no message."""
        conversation.last_activity = self._clock()
        async for event in self._turn(conversation, new_id("t")):
            yield event

    async def _turn(self, conversation: Conversation, turn_id: str) -> AsyncIterator[TurnEvent]:
        config = self.config
        session = conversation.current_session
        await self.registry.wait_ready(config.tools.start_timeout, servers_timeout=MCP_SERVER_WAIT)
        definitions = self.registry.definitions()
        digest = tools_hash(definitions)
        if digest and digest not in conversation.tool_definitions:
            conversation.tool_definitions[digest] = definitions
        conversation.model = config.model.name
        plan = TurnPlan(
            turn_id=turn_id,
            system_prompt=self.system_prompt(conversation),
            tools=definitions,
            tools_hash=digest,
            tool_context=ToolContext(
                user_id=conversation.user_id,
                conversation_id=conversation.id,
                session_id=session.id,
                turn_id=turn_id,
            ),
            max_rounds=config.tools.max_rounds,
            history_messages=config.session.history_messages,
            history_token_budget=config.session.history_token_budget,
            deadline=config.model.turn_deadline,
            max_rounds_note=self.texts.max_rounds_note,
            used_call_ids={
                call.id
                for message in conversation.messages()
                if isinstance(message, AssistantMessage)
                for call in message.tool_calls
            },
        )
        provider = self._provider_factory(config)
        if self._uses_litellm:
            await litellm_ready()  # in a daemon thread: quitting meanwhile never waits for the import
        streaming: AssistantMessage | None = None
        last_save = time.monotonic()
        finished = False
        try:
            async for event in run_turn(provider, self.registry, session.messages, plan):
                if isinstance(event, RoundStarted):
                    streaming = event.assistant
                elif isinstance(event, TextDelta):
                    if time.monotonic() - last_save >= PARTIAL_SAVE_INTERVAL:
                        await self._save(conversation)
                        last_save = time.monotonic()
                elif isinstance(event, RoundFinished | ToolCallFinished | TurnFailed):
                    streaming = None if isinstance(event, RoundFinished | TurnFailed) else streaming
                    conversation.last_activity = self._clock()
                    await self._save(conversation)
                    last_save = time.monotonic()
                elif isinstance(event, TurnFinished):
                    finished = True  # the event before it (round, failure or last tool call) saved
                yield event
        finally:
            if not finished:
                # Cancelled (Esc, a new prompt, the app closing): keep the partial reply, marked.
                if streaming is not None:
                    streaming.partial = False
                    streaming.interrupted = True
                conversation.last_activity = self._clock()
                await self._save(conversation)
