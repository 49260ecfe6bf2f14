"""The server's one door into the engine: the :class:`~tui_chat.engine.workspace.Workspace`.

The server is one more front end of the engine's one API, as the TUI and the CLI are: it starts
conversations (``Workspace.create``), opens a user's own (``Workspace.open(..., user_id=)``), runs turns
(``Workspace.send``) and reads the figures (``Workspace.totals`` / ``live_sessions``); it never touches the
store. The rules are the engine's, exactly as in the TUI: the welcome message and user context, the idle
reset, the turn deadline and "a cancelled turn keeps its partial reply, marked interrupted".

Concurrency: turns on different conversations run concurrently; turns on one conversation are serialised
by an ``asyncio.Lock`` per conversation id, held from opening the conversation to the turn's last save, so
two requests never interleave their messages. (Other processes on the same data dir are the store's
cross-process lock's business.)
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tui_chat.config import Config
from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.events import TurnEvent
from tui_chat.engine.models import Conversation, to_iso
from tui_chat.engine.stats import stats_dict
from tui_chat.engine.workspace import LiveSession, Workspace, build_workspace
from tui_chat.i18n import _

log = logging.getLogger("tui_chat.serve")


class ConversationUnavailable(Exception):
    """No conversation with this id belongs to this user: unknown, another user's, damaged or a bad id.

    All four look the same to the client, so the API does not tell whether someone else's id exists.
    """


@dataclass(frozen=True)
class StartedConversation:
    conversation_id: str
    welcome: str
    context: dict[str, Any]


class ServedTurn:
    """A conversation opened for one request and locked for it; :meth:`send` runs the turn."""

    def __init__(
        self,
        workspace: Workspace,
        conversation: Conversation,
        *,
        new: bool,
        context: dict[str, Any] | None,
    ) -> None:
        self._workspace = workspace
        self._conversation = conversation
        self._context = context
        self.new = new
        """True when this request started the conversation (it sent no ``conversationId``)."""

    @property
    def welcome(self) -> str:
        """The welcome message of the conversation's current session."""
        session = self._conversation.sessions[-1] if self._conversation.sessions else None
        first = session.messages[0] if session and session.messages else None
        return first.content if first is not None and getattr(first, "welcome", False) else ""

    @property
    def conversation_id(self) -> str:
        return self._conversation.id

    async def send(self, text: str) -> AsyncIterator[TurnEvent]:
        """The turn's events; close the iterator (``contextlib.aclosing``) so a cancelled turn is saved.

        The turn runs in the workspace's task; leaving this iterator early (the client went away, the
        handler was cancelled) stops it and waits until its partial reply is saved, marked interrupted.
        A turn that could not start (the user's message could not be saved) raises its error: a 500.
        """
        turn = self._workspace.send(
            self._conversation, text, context=self._context, refuse_without_key=False
        )  # no key: the message is kept and the turn fails with an event, as one request expects
        try:
            async for event in turn.follow():
                yield event
        finally:
            turn.stop()
            await turn.wait()
        if turn.error is not None:
            raise turn.error


class ChatBackend:
    def __init__(self, engine: Any) -> None:
        """``engine``: the :class:`Workspace` to serve, or the services one is built over (as tests build)."""
        self.workspace: Workspace = engine if isinstance(engine, Workspace) else Workspace(engine)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._running: set[asyncio.Task[Any]] = set()
        """The request tasks running a turn now, for :meth:`stop_turns`."""

    @classmethod
    def build(cls, config: Config, data_dir: Path) -> ChatBackend:
        """The store, the tools (the user's modules too) and the chat service, as the TUI builds them."""
        return cls(build_workspace(config, data_dir))

    def startup_problems(self) -> list[str]:
        """What to tell the operator at start: tool modules that did not load, a model that cannot work."""
        problems = [
            _("tools from {source} not loaded: {message}").format(
                source=problem.source, message=problem.message
            )
            for problem in self.workspace.load_errors
        ]
        setup = self.workspace.setup_problem()
        if setup is not None:  # e.g. no API key: every /chat/message answers 502 until it is fixed
            problems.append(str(setup))
        return problems

    def close(self) -> None:
        self.workspace.close()

    def error_headline(self, kind: str) -> str:
        """The person-readable headline of an engine error kind, in the configured language."""
        return self.workspace.texts.error_headline(kind)

    async def start(self, user_id: str, context: dict[str, Any] | None) -> StartedConversation:
        """A new conversation with the welcome message, saved now: the client comes back with its id."""
        conversation = await self.workspace.create(context=context, user_id=user_id)
        welcome = conversation.sessions[-1].messages[-1]
        return StartedConversation(conversation.id, welcome.content, dict(conversation.context))

    @asynccontextmanager
    async def turn(
        self, user_id: str, conversation_id: str | None, context: dict[str, Any] | None
    ) -> AsyncIterator[ServedTurn]:
        """Lock and open the user's conversation (a new one without an id) for one turn.

        Raises :class:`ConversationUnavailable` before anything is changed or saved. ``context`` is
        merged into the conversation's (as the seed did) and saved with the turn's message.
        """
        fresh = None
        if conversation_id is None:
            fresh = self.workspace.new(user_id=user_id)
            conversation_id = fresh.id
        task = asyncio.current_task()
        async with self._lock(conversation_id):
            conversation = fresh or await self._owned(conversation_id, user_id)
            if task is not None:
                self._running.add(task)
            try:
                yield ServedTurn(self.workspace, conversation, new=fresh is not None, context=context)
            finally:
                self._running.discard(task)  # type: ignore[arg-type]

    async def stop_turns(self, grace: float) -> int:
        """Let running turns finish for ``grace`` seconds, then cancel the rest and wait until each has
        saved its partial reply (marked interrupted). Returns how many were cancelled.

        The HTTP server's own shutdown cancels a handler without waiting for it, so the store could be
        closed under a turn's last save; this waits.
        """
        if self._running:
            await asyncio.wait(set(self._running), timeout=grace)
        left = set(self._running)
        for task in left:
            task.cancel()
        if left:
            await asyncio.gather(*left, return_exceptions=True)
        return len(left)

    def _lock(self, conversation_id: str) -> asyncio.Lock:
        lock = self._locks.get(conversation_id)
        if lock is None:
            lock = self._locks[conversation_id] = asyncio.Lock()
        return lock

    async def _owned(self, conversation_id: str, user_id: str) -> Conversation:
        try:
            self.workspace.path_of(conversation_id)  # a StoreError for an id that is no file name
            return await self.workspace.open(conversation_id, user_id=user_id)
        except (ConversationNotFound, DamagedConversation) as error:
            log.info("conversation %r refused to user %r: %s", conversation_id, user_id, error.message)
            raise ConversationUnavailable(conversation_id) from None
        except StoreError as error:
            if self._valid_id(conversation_id):
                raise  # the index or the disk failed: the server's problem, a 500
            log.info("conversation %r refused to user %r: %s", conversation_id, user_id, error.kind)
            raise ConversationUnavailable(conversation_id) from None

    def _valid_id(self, conversation_id: str) -> bool:
        try:
            self.workspace.path_of(conversation_id)
        except StoreError:
            return False
        return True

    async def stats(self) -> dict[str, Any]:
        """The seed's ``{totalSessions, sessionDetails}``: conversations whose model session is still live.

        The seed dropped a session after 20 idle minutes; here a session is live while the idle reset
        has not passed (every conversation when the reset is off). ``tools`` and ``totals`` are over the
        whole store.
        """
        figures = stats_dict(await self.workspace.totals())
        details = [_session_detail(session) for session in await self.workspace.live_sessions()]
        tools = figures.pop("tools")
        return {"totalSessions": len(details), "sessionDetails": details, "tools": tools, "totals": figures}


def _session_detail(session: LiveSession) -> dict[str, Any]:
    """One ``sessionDetails`` entry: the current session, as the seed described its sessions."""
    return {
        "id": session.conversation_id,
        "userId": session.user_id,
        "messageCount": session.message_count,
        "createdAt": to_iso(session.started_at),
        "lastActivity": to_iso(session.last_activity),
    }
