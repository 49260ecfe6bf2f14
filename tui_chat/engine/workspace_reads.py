"""The Workspace's read side: listing, lookup, search, totals and the live sessions, all off the event loop.

A mixin of :class:`tui_chat.engine.workspace.Workspace` (its public API is the Workspace's); it only reads
the store, never writes, so a reading front end (``tui-chat list``) needs nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from tui_chat.engine.errors import StoreError
from tui_chat.engine.lookup import resolve_id
from tui_chat.engine.models import Conversation, ConversationSummary, utcnow
from tui_chat.engine.store.search import ListProgress, SearchResult, TextProgress
from tui_chat.engine.store.totals import StoreTotals

if TYPE_CHECKING:
    from tui_chat.config import Config
    from tui_chat.engine.store.conversation_store import ConversationStore


class ConversationList(list[ConversationSummary]):
    """List rows, newest first; ``total`` is how many matched before a ``limit`` cut the list."""

    def __init__(self, rows: list[ConversationSummary], total: int) -> None:
        super().__init__(rows)
        self.total = total


@dataclass(frozen=True)
class LiveSession:
    """A conversation whose model session is still live (its idle reset has not passed): the session's
    figures, as the seed's ``/stats`` described its sessions."""

    conversation_id: str
    user_id: str
    message_count: int
    """Messages of the current session, its welcome not counted."""
    started_at: datetime
    """When the current session started (the conversation's creation, or its last idle reset)."""
    last_activity: datetime

    @classmethod
    def of(cls, conversation: Conversation) -> LiveSession:
        session = conversation.sessions[-1] if conversation.sessions else None
        messages = session.messages if session else []
        return cls(
            conversation_id=conversation.id,
            user_id=conversation.user_id,
            message_count=sum(1 for message in messages if not getattr(message, "welcome", False)),
            started_at=session.started_at if session else conversation.created_at,
            last_activity=conversation.last_activity,
        )


@dataclass(frozen=True)
class TotalsReader:
    totals: Callable[[], StoreTotals]


@dataclass(frozen=True)
class StoreReader:
    """Blocking reads for the UI's thread workers (search slice): the list's cold start in batches, its
    poll of the folder and the background full-text pass; the search screen's queries and tool names."""

    _store: Any

    def scan_conversations(self) -> Iterator[ListProgress]:
        return self._store.scan_conversations()

    def refresh(self) -> bool:
        return self._store.refresh()

    def list_conversations(self, query: str = "") -> list[ConversationSummary]:
        return self._store.list_conversations(query)

    def index_texts(self) -> TextProgress:
        return self._store.index_texts()

    def search(self, query: str, **filters: Any) -> SearchResult:
        return self._store.search(query, **filters)

    def totals(self) -> StoreTotals:
        return self._store.totals()


SessionKey = tuple[datetime, int, int]


class WorkspaceReads:
    """The read-only queries; ``_store`` and ``config`` are the Workspace's."""

    _store: ConversationStore
    _live: dict[str, tuple[SessionKey, LiveSession]]

    @property
    def config(self) -> Config:  # pragma: no cover - the Workspace's
        raise NotImplementedError

    async def list(self, query: str = "", *, limit: int | None = None) -> ConversationList:
        """Newest first, damaged files included (``damaged`` holds the reason).

        ``query``: only titles containing it (any case); ``limit``: at most that many rows, with
        ``total`` saying how many matched.
        """
        rows = await asyncio.to_thread(self._store.list_conversations, query)
        return ConversationList(rows if limit is None else rows[:limit], len(rows))

    async def resolve(self, text: str) -> str:
        """The ID ``text`` names: an exact ID, a unique prefix (``chat-<user>-`` may be left out), or
        ``last`` (the newest). ``ConversationNotFound`` or ``AmbiguousConversation`` otherwise.
        """
        return resolve_id(await asyncio.to_thread(self._store.list_conversations), text)

    async def search(
        self,
        query: str,
        *,
        role: str | None = None,
        tool: str | None = None,
        errors_only: bool = False,
        limit: int = 20,
        wait: bool = True,
    ) -> SearchResult:
        """Full-text hits, newest first (a list with ``index_complete``, ``indexed``, ``total``).

        ``wait``: index every conversation's text first (may read every file); otherwise search what is
        indexed now and say how complete that is.
        """
        filters = {"role": role, "tool": tool, "errors_only": errors_only, "limit": limit, "wait": wait}
        return await asyncio.to_thread(lambda: self._store.search(query, **filters))

    async def index_progress(self) -> TextProgress:
        """How much of the full-text index is built, once the list is in line with the folder."""

        def read() -> TextProgress:
            self._store.refresh()
            return self._store.text_progress()

        return await asyncio.to_thread(read)

    async def totals(self) -> StoreTotals:
        """Whole-store figures: conversations, messages, and per tool its calls, errors and timings."""
        return await asyncio.to_thread(self._store.totals)

    async def live_sessions(self) -> list[LiveSession]:
        """Conversations whose model session is still live, newest activity first (damaged ones left out).

        Live: the ``[session] idle_reset_minutes`` have not passed since the last activity (every
        conversation when the reset is off). Only conversations that changed since the last call are
        read again.
        """
        return await asyncio.to_thread(self._read_live_sessions, self.config.session.idle_reset_minutes)

    def _read_live_sessions(self, minutes: int) -> list[LiveSession]:
        now = utcnow()
        live: list[LiveSession] = []
        cache: dict[str, tuple[SessionKey, LiveSession]] = {}
        for summary in self._store.list_conversations():  # newest activity first
            if summary.damaged:
                continue
            if minutes > 0 and now - summary.last_activity > timedelta(minutes=minutes):
                break
            key = (summary.last_activity, summary.message_count, summary.session_count)
            known = self._live.get(summary.id)
            if known is None or known[0] != key:
                try:
                    known = key, LiveSession.of(self._store.load(summary.id))
                except StoreError:
                    continue  # deleted or damaged since the listing
            cache[summary.id] = known
            live.append(known[1])
        self._live = cache
        return live

    @property
    def reader(self) -> StoreReader:
        """For the list and the search screen, which read in thread workers (search slice)."""
        return StoreReader(self._store)

    @property
    def totals_reader(self) -> TotalsReader:
        """For screens that already read in a thread worker (the stats screen): ``.totals()`` blocks."""
        return TotalsReader(self._store.totals)
