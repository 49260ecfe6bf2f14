"""The derived index of the conversation files: one SQLite file that is only ever a cache.

It holds one row per file (summary, per-conversation aggregates, the file's ``(mtime_ns, size)`` so
staleness is one ``os.scandir`` away, and the ``(mtime_ns, size)`` its text was indexed at), one row per
tool call for the per-tool figures, and the searchable text of every message under FTS5. Deleting it
loses nothing: the store rebuilds it from the files. Two processes may share it (WAL, a busy timeout).

This module holds the connections, the transactions and the list rows; the schema and opening are in
``index_db.py``, the text rows in ``index_texts.py``, search in ``text_search.py``, /stats in ``totals.py``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from operator import attrgetter
from pathlib import Path

from tui_chat.engine.models import ConversationSummary
from tui_chat.engine.store import index_texts
from tui_chat.engine.store.index_db import BUSY_TIMEOUT_S, connect, open_index_db, remove_files
from tui_chat.engine.store.index_texts import TextProgress
from tui_chat.engine.store.reasons import decode, encode, shown
from tui_chat.engine.store.rows import IndexRow, TextRow
from tui_chat.engine.store.sql_values import clean, epoch_ms, from_epoch_ms
from tui_chat.engine.store.text_search import SearchHit, hits_of, search_statement
from tui_chat.engine.store.totals import StoreTotals, read_figures, totals_of


@dataclass
class _Mirror:
    """The conversations table in memory: building 10,000 summaries from SQLite costs ~120 ms a listing."""

    states: dict[str, tuple[int, int]]
    summaries: dict[str, ConversationSummary]
    ordered: list[ConversationSummary] | None = None


class ConversationIndex:
    """SQLite in WAL mode, one connection shared under a lock (the TUI calls from worker threads).

    Searches use a second, read-only connection with a lock of its own: in WAL mode it reads the last
    commit while the full-text pass writes, so typing in the search screen never waits for a batch.
    """

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self._db, self.fts = open_index_db(path)
        self._mirror: _Mirror | None = None
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        with self._reader_lock:
            if self._reader is None:
                self._reader = sqlite3.connect(
                    self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S
                )
            yield self._reader

    def _close_reader(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._reader.close()
                self._reader = None

    # -- lifecycle --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Throw the cache away (it is corrupt): the next refresh re-reads every file."""
        with self.lock:
            self._close_reader()
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            remove_files(self.path)
            self._db, self.fts = connect(self.path)
            self._mirror = None

    def checkpoint(self) -> None:
        with self.lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self.lock:
            self._close_reader()
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            if self._db.in_transaction:  # nested: the outer transaction commits
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                self._mirror = None  # it may hold rows of the rolled-back transaction
                raise
            self._db.execute("COMMIT")

    # -- writes (inside ``transaction()``) --------------------------------------------------------

    def put(self, row: IndexRow, *, texts_current: bool = False) -> None:
        """Insert or replace a conversation's row and its tool calls.

        ``texts_current``: its text rows are (being) written for this very file state; otherwise they
        stay as they were, and the row counts as pending for the full-text pass.
        """
        s = row.summary
        title, model = clean(s.title), clean(s.model)
        if title is not s.title or model is not s.model:
            s = replace(s, title=title, model=model)
        texts = (row.mtime_ns, row.size) if texts_current else (None, None)
        self._db.execute(
            "INSERT INTO conversations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET mtime_ns=excluded.mtime_ns, size=excluded.size,"
            " title=excluded.title, title_fold=excluded.title_fold, model=excluded.model,"
            " created_at=excluded.created_at, last_activity=excluded.last_activity,"
            " message_count=excluded.message_count, tool_call_count=excluded.tool_call_count,"
            " session_count=excluded.session_count, prompt_tokens=excluded.prompt_tokens,"
            " completion_tokens=excluded.completion_tokens, cost=excluded.cost, damaged=excluded.damaged,"
            " texts_mtime_ns=coalesce(excluded.texts_mtime_ns, texts_mtime_ns),"
            " texts_size=coalesce(excluded.texts_size, texts_size)",
            (
                s.id, row.mtime_ns, row.size, title, title.casefold(), model,
                epoch_ms(s.created_at), epoch_ms(s.last_activity), s.message_count, s.tool_call_count,
                s.session_count, row.prompt_tokens, row.completion_tokens, row.cost,
                clean(encode(s.damaged)) if s.damaged else None, *texts,
            ),
        )  # fmt: skip
        self._db.execute("DELETE FROM tool_calls WHERE conversation_id=?", (s.id,))
        if self._mirror is not None:
            self._mirror.states[s.id] = (row.mtime_ns, row.size)
            self._mirror.summaries[s.id] = s
            self._mirror.ordered = None
        if row.calls:
            self._db.executemany(
                "INSERT INTO tool_calls VALUES (?,?,?,?,?)",
                [
                    (
                        s.id,
                        clean(c.message_id),
                        clean(c.name),
                        c.error_kind and clean(c.error_kind),
                        c.duration_ms,
                    )
                    for c in row.calls
                ],
            )

    def put_texts(self, conversation_id: str, rows: Iterable[TextRow], *, fresh: bool = False) -> None:
        """Insert or replace the text of these messages (``fresh``: the conversation has no text rows)."""
        index_texts.put_texts(self._db, conversation_id, rows, fresh=fresh)

    def drop_texts(self, conversation_id: str, message_ids: Iterable[str] | None = None) -> None:
        """Drop the text of these messages, or of the whole conversation."""
        index_texts.drop_texts(self._db, conversation_id, message_ids)

    def drop(self, conversation_id: str) -> None:
        self._db.execute("DELETE FROM conversations WHERE id=?", (conversation_id,))
        self._db.execute("DELETE FROM tool_calls WHERE conversation_id=?", (conversation_id,))
        self.drop_texts(conversation_id)
        if self._mirror is not None:
            self._mirror.states.pop(conversation_id, None)
            self._mirror.summaries.pop(conversation_id, None)
            self._mirror.ordered = None

    # -- reads ------------------------------------------------------------------------------------

    def _rows(self) -> _Mirror:
        if self._mirror is None:
            rows = self._db.execute(
                "SELECT id, title, created_at, last_activity, model, message_count, tool_call_count,"
                " session_count, damaged, mtime_ns, size FROM conversations"
            ).fetchall()
            self._mirror = _Mirror(
                {row[0]: (row[9], row[10]) for row in rows},
                {
                    cid: ConversationSummary(
                        cid,
                        title,
                        from_epoch_ms(created),
                        from_epoch_ms(last),
                        *rest,
                        damaged=damaged and decode(damaged),
                    )
                    for cid, title, created, last, *rest, damaged, _, _ in rows
                },
            )
        return self._mirror

    def file_states(self) -> dict[str, tuple[int, int]]:
        """Conversation id → the ``(mtime_ns, size)`` of the file the row was read from."""
        with self.lock:
            return dict(self._rows().states)

    def file_state(self, conversation_id: str) -> tuple[int, int, str | None] | None:
        """``(mtime_ns, size, damaged)`` of one row, or None."""
        with self.lock:
            rows = self._rows()
            if conversation_id not in rows.states:
                return None
            return (*rows.states[conversation_id], shown(rows.summaries[conversation_id].damaged))

    def digests(self, conversation_id: str) -> dict[str, int]:
        """Message id → digest of the text indexed for it, to skip re-indexing unchanged messages."""
        with self.lock:
            return index_texts.digests(self._db, conversation_id)

    def summaries(self, query: str = "") -> list[ConversationSummary]:
        """Newest activity first (then by id); ``query`` keeps titles containing it, ignoring case."""
        with self.lock:
            rows = self._rows()
            if rows.ordered is None:
                # attrgetter: C-speed keys (a cold listing sorts once per batch of files read)
                rows.ordered = sorted(rows.summaries.values(), key=attrgetter("id"))
                rows.ordered.sort(key=attrgetter("last_activity"), reverse=True)  # stable
            ordered = rows.ordered
        if query:
            folded = query.casefold()
            ordered = [summary for summary in ordered if folded in summary.title.casefold()]
        # A damaged row's reason in the language of the moment (it may have been read in another).
        return [replace(s, damaged=shown(s.damaged)) if s.damaged else s for s in ordered]

    def pending_texts(self, limit: int) -> list[tuple[str, int]]:
        """``(id, message count)`` of conversations whose text is not indexed for their current file,
        most recent activity first."""
        with self.lock:
            return index_texts.pending_texts(self._db, limit)

    def text_progress(self) -> TextProgress:
        with self._reading() as db:
            pending, total = index_texts.text_counts(db)
        return TextProgress(total - pending, total)

    def search(
        self, query: str, *, role: str | None, tool: str | None, errors_only: bool, limit: int
    ) -> list[SearchHit]:
        """Newest first; each word must match (the last as a prefix). Without FTS5, a substring scan."""
        statement = search_statement(
            query, fts=self.fts, role=role, tool=tool, errors_only=errors_only, limit=limit
        )
        if statement is None:
            return []
        with self._reading() as db:
            try:
                rows = db.execute(*statement).fetchall()
            except sqlite3.OperationalError as error:
                if "fts5" in str(error):  # a query FTS5 cannot parse finds nothing
                    return []
                raise
        return hits_of(rows, query, fts=self.fts)

    def totals(self) -> StoreTotals:
        """Summed over every row, with nearest-rank percentiles per tool (``totals.py``)."""
        with self.lock:
            figures = read_figures(self._db)
        return totals_of(figures)
