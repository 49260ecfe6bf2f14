"""The server's one door into the engine: start a conversation, run a turn, read the figures.

Every engine call the REST server makes is in this module, so moving it onto the chat slice's
``Workspace`` API (engine/workspace.py) is a change here only. The rules are the engine's, exactly as in
the TUI: the welcome message and user context of :meth:`ChatService.new_conversation`, the idle reset,
the turn deadline and "a cancelled turn keeps its partial reply, marked interrupted" of
:meth:`ChatService.send`.

Concurrency: turns on different conversations run concurrently; turns on one conversation are serialised
by an ``asyncio.Lock`` per conversation id, held from loading the file to the last save, so two requests
never interleave their messages. (Other processes on the same data dir are the store's cross-process
lock's business.)
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from tui_chat.config import Config
from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.events import TurnEvent
from tui_chat.engine.models import Conversation, to_iso, utcnow
from tui_chat.engine.services import Services
from tui_chat.engine.stats import stats_dict
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.texts import texts_for

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
    """A conversation loaded for one request and locked for it; :meth:`send` runs the turn."""

    def __init__(self, backend: ChatBackend, conversation: Conversation, *, new: bool) -> None:
        self._backend = backend
        self._conversation = conversation
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

    def send(self, text: str) -> AsyncIterator[TurnEvent]:
        """The turn's events; close the iterator (``contextlib.aclosing``) so a cancelled turn is saved."""
        return self._backend.services.chat.send(self._conversation, text)


class ChatBackend:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._details: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._running: set[asyncio.Task[Any]] = set()
        """The request tasks running a turn now, for :meth:`stop_turns`."""
        """Live sessions' ``sessionDetails`` by conversation id, with the index row they were read at."""

    @classmethod
    def build(cls, config: Config, data_dir: Path) -> ChatBackend:
        """The store, the tools (the user's modules too) and the chat service, as the TUI builds them."""
        from tui_chat.engine.services import build_services

        return cls(build_services(config, data_dir))

    def startup_problems(self) -> list[str]:
        """What to tell the operator at start: tool modules that did not load, a model that cannot work."""
        problems = [
            f"tools from {problem.source} not loaded: {problem.message}"
            for problem in self.services.load_errors
        ]
        setup = self.services.chat.setup_problem()
        if setup is not None:  # e.g. no API key: every /chat/message answers 502 until it is fixed
            problems.append(str(setup))
        return problems

    def close(self) -> None:
        self.services.store.close()

    @property
    def _store(self) -> ConversationStore:
        return self.services.store

    def error_headline(self, kind: str) -> str:
        """The person-readable headline of an engine error kind, in the configured language."""
        return texts_for(self.services.config.session.language).error_headline(kind)

    async def start(self, user_id: str, context: dict[str, Any] | None) -> StartedConversation:
        """A new conversation with the welcome message, saved now: the client comes back with its id."""
        conversation = self.services.chat.new_conversation(context=context, user_id=user_id)
        async with self._lock(conversation.id):
            await asyncio.to_thread(self._store.save, conversation)
        welcome = conversation.sessions[-1].messages[-1]
        return StartedConversation(conversation.id, welcome.content, dict(conversation.context))

    @asynccontextmanager
    async def turn(
        self, user_id: str, conversation_id: str | None, context: dict[str, Any] | None
    ) -> AsyncIterator[ServedTurn]:
        """Lock and load the user's conversation (a new one without an id) for one turn.

        Raises :class:`ConversationUnavailable` before anything is changed or saved.
        """
        fresh = None
        if conversation_id is None:
            fresh = self.services.chat.new_conversation(user_id=user_id)
            conversation_id = fresh.id
        task = asyncio.current_task()
        async with self._lock(conversation_id):
            conversation = fresh or await asyncio.to_thread(self._owned, conversation_id, user_id)
            if context:
                conversation.context.update(context)  # merged, as the seed did; saved with the turn
            if task is not None:
                self._running.add(task)
            try:
                yield ServedTurn(self, conversation, new=fresh is not None)
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

    def _owned(self, conversation_id: str, user_id: str) -> Conversation:
        try:
            self._store.path_of(conversation_id)  # a StoreError for an id that is no file name
            conversation = self._store.load(conversation_id)
        except (ConversationNotFound, DamagedConversation) as error:
            log.info("conversation %r refused to user %r: %s", conversation_id, user_id, error.kind)
            raise ConversationUnavailable(conversation_id) from None
        except StoreError as error:
            if self._valid_id(conversation_id):
                raise  # the index or the disk failed: the server's problem, a 500
            log.info("conversation %r refused to user %r: %s", conversation_id, user_id, error.kind)
            raise ConversationUnavailable(conversation_id) from None
        if conversation.user_id != user_id:
            log.info("conversation %r refused to user %r: it is not theirs", conversation_id, user_id)
            raise ConversationUnavailable(conversation_id)
        return conversation

    def _valid_id(self, conversation_id: str) -> bool:
        try:
            self._store.path_of(conversation_id)
        except StoreError:
            return False
        return True

    async def stats(self) -> dict[str, Any]:
        return await asyncio.to_thread(self._stats)

    def _stats(self) -> dict[str, Any]:
        """The seed's ``{totalSessions, sessionDetails}``: conversations whose model session is still live.

        The seed dropped a session after 20 idle minutes; here a session is live while the idle reset
        has not passed (every conversation when the reset is off). ``tools`` and ``totals`` are over the
        whole store.
        """
        figures = stats_dict(self._store.totals())
        minutes = self.services.config.session.idle_reset_minutes
        now = utcnow()
        details = []
        cache: dict[str, tuple[Any, dict[str, Any]]] = {}
        for summary in self._store.list_conversations():  # newest activity first
            if summary.damaged:
                continue
            if minutes > 0 and now - summary.last_activity > timedelta(minutes=minutes):
                break
            key = (summary.last_activity, summary.message_count, summary.session_count)
            known = self._details.get(summary.id)
            if known is None or known[0] != key:  # only conversations that changed are read again
                try:
                    known = key, _session_detail(self._store.load(summary.id))
                except StoreError:
                    continue  # deleted or damaged since the listing
            cache[summary.id] = known
            details.append(known[1])
        self._details = cache
        tools = figures.pop("tools")
        return {"totalSessions": len(details), "sessionDetails": details, "tools": tools, "totals": figures}


def _session_detail(conversation: Conversation) -> dict[str, Any]:
    """One ``sessionDetails`` entry: the current session, as the seed described its sessions."""
    session = conversation.sessions[-1] if conversation.sessions else None
    messages = session.messages if session else []
    return {
        "id": conversation.id,
        "userId": conversation.user_id,
        "messageCount": sum(1 for message in messages if not getattr(message, "welcome", False)),
        "createdAt": to_iso(session.started_at if session else conversation.created_at),
        "lastActivity": to_iso(conversation.last_activity),
    }
