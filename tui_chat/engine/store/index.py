"""The derived index of the conversation files: one SQLite file that is only ever a cache.

It holds one row per file (summary, per-conversation aggregates, the file's ``(mtime_ns, size)`` so
staleness is one ``os.scandir`` away), per-tool aggregates for /stats, and the searchable text of
every message under FTS5. Deleting it loses nothing: the store rebuilds it from the files.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui_chat.engine.models import ConversationSummary
from tui_chat.engine.store.rows import IndexRow, TextRow

SCHEMA_VERSION = "2"

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_TABLES = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE conversations(
    id TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    title TEXT NOT NULL, title_fold TEXT NOT NULL, model TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_activity INTEGER NOT NULL,
    message_count INTEGER NOT NULL, tool_call_count INTEGER NOT NULL, session_count INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost REAL, damaged TEXT
) WITHOUT ROWID;
CREATE INDEX conversations_by_activity ON conversations(last_activity DESC, id);
CREATE TABLE tool_stats(
    conversation_id TEXT NOT NULL, name TEXT NOT NULL,
    calls INTEGER NOT NULL, errors INTEGER NOT NULL, duration_ms REAL NOT NULL,
    PRIMARY KEY (conversation_id, name)
) WITHOUT ROWID;
CREATE TABLE texts(
    rowid INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, message_id TEXT NOT NULL,
    role TEXT NOT NULL, created_at INTEGER NOT NULL, digest INTEGER NOT NULL
);
CREATE UNIQUE INDEX texts_by_message ON texts(conversation_id, message_id);
"""
# The text lives in the FTS table itself, same rowid as ``texts``. Measured here: an FTS5 table with
# external content fed by triggers costs ~100-190 µs a row, a plain one ~20 µs (1M messages: 3 min vs 20 s).
# ``role`` is a column of the FTS table so a role filter is an FTS term, not a join over every match.
_FTS = "CREATE VIRTUAL TABLE texts_fts USING fts5(text, role, tokenize='unicode61 remove_diacritics 2')"
_NO_FTS = "CREATE TABLE texts_fts(rowid INTEGER PRIMARY KEY, text TEXT NOT NULL, role TEXT NOT NULL)"


def _tighten(path: Path) -> None:
    """The index holds message text: 0600, like the conversation files (-wal and -shm included)."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            name = f"{path}{suffix}"
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    title: str
    message_id: str
    """``""`` for a title hit."""
    role: str
    snippet: str
    created_at: datetime


@dataclass(frozen=True)
class ToolTotals:
    calls: int
    errors: int
    mean_duration_ms: float


@dataclass(frozen=True)
class StoreTotals:
    """What /stats shows, summed over every conversation file."""

    conversations: int = 0
    damaged: int = 0
    sessions: int = 0
    messages: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    tools: dict[str, ToolTotals] = field(default_factory=dict)


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)  # 3x faster than adding a timedelta; exact to the ms


def _fts_query(query: str, role: str | None) -> str:
    """Each word must appear (prefix match on the last one); quotes keep FTS5 syntax out of user text."""
    terms = [f'"{word.replace(chr(34), chr(34) * 2)}"' for word in query.split()]
    terms[-1] += "*"
    match = f"text : ({' '.join(terms)})"
    return f'{match} AND role : "{role}"' if role else match


@dataclass
class _Mirror:
    """The conversations table in memory: building 10,000 summaries from SQLite costs ~120 ms a listing."""

    states: dict[str, tuple[int, int]]
    summaries: dict[str, ConversationSummary]
    ordered: list[ConversationSummary] | None = None


class ConversationIndex:
    """SQLite in WAL mode, one connection shared under a lock (the TUI calls from worker threads)."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.RLock()
        self.fts = True
        self._db = self._open()
        self._mirror: _Mirror | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError:
            self._remove_files()
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        if fresh:  # created 0600 before SQLite opens it: SQLite gives -wal and -shm the database file's mode
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        _tighten(self.path)
        # timeout: the busy timeout, so that two processes writing the index wait for each other.
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5.0)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            _tighten(self.path)  # an index made by an older version may have 0644 -wal / -shm files
            # A cache: losing the last commits on power loss costs a re-read of a few files.
            db.execute("PRAGMA synchronous=NORMAL")
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "meta" in tables:
                row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
                if row and row[0] == SCHEMA_VERSION:
                    sql = db.execute("SELECT sql FROM sqlite_master WHERE name='texts_fts'").fetchone()
                    self.fts = "fts5" in sql[0]
                    return db
            for table in tables - {"sqlite_sequence"}:
                if not table.startswith("texts_fts_"):
                    db.execute(f'DROP TABLE IF EXISTS "{table}"')
            db.executescript(_TABLES)
            try:
                db.execute(_FTS)
            except sqlite3.OperationalError:  # SQLite built without FTS5: search falls back to LIKE.
                self.fts = False
                db.execute(_NO_FTS)
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            return db
        except BaseException:
            db.close()
            raise

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()

    def reset(self) -> None:
        """Throw the cache away (it is corrupt): the next refresh re-reads every file."""
        with self.lock:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._remove_files()
            self._db = self._connect()
            self._mirror = None

    def checkpoint(self) -> None:
        with self.lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        with self.lock:
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

    def put(self, row: IndexRow) -> None:
        s = row.summary
        self._db.execute(
            "INSERT OR REPLACE INTO conversations VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                s.id, row.mtime_ns, row.size, s.title, s.title.casefold(), s.model,
                _ms(s.created_at), _ms(s.last_activity), s.message_count, s.tool_call_count,
                s.session_count, row.prompt_tokens, row.completion_tokens, row.cost, s.damaged,
            ),
        )  # fmt: skip
        self._db.execute("DELETE FROM tool_stats WHERE conversation_id=?", (s.id,))
        if self._mirror is not None:
            self._mirror.states[s.id] = (row.mtime_ns, row.size)
            self._mirror.summaries[s.id] = s
            self._mirror.ordered = None
        self._db.executemany(
            "INSERT INTO tool_stats VALUES (?,?,?,?,?)",
            [(s.id, name, t.calls, t.errors, t.duration_ms) for name, t in row.tools.items()],
        )

    def put_texts(self, conversation_id: str, rows: Iterable[TextRow]) -> None:
        """Insert or replace the text of these messages."""
        rows = list(rows)
        self.drop_texts(conversation_id, [row.message_id for row in rows])
        first = self._db.execute("SELECT coalesce(max(rowid), 0) + 1 FROM texts").fetchone()[0]
        self._db.executemany(
            "INSERT INTO texts VALUES (?,?,?,?,?,?)",
            [
                (first + n, conversation_id, row.message_id, row.role, _ms(row.created_at), row.digest)
                for n, row in enumerate(rows)
            ],
        )
        self._db.executemany(
            "INSERT INTO texts_fts(rowid, text, role) VALUES (?,?,?)",
            [(first + n, row.text, row.role) for n, row in enumerate(rows)],
        )

    def drop_texts(self, conversation_id: str, message_ids: Iterable[str] | None = None) -> None:
        """Drop the text of these messages, or of the whole conversation."""
        if message_ids is None:
            where, params = "conversation_id=?", [(conversation_id,)]
        else:
            where, params = (
                "conversation_id=? AND message_id=?",
                [(conversation_id, mid) for mid in message_ids],
            )
        # Row ids first: FTS5 scans its whole table for ``rowid IN (subquery)`` but seeks for ``rowid = ?``.
        select = f"SELECT rowid FROM texts WHERE {where}"
        rowids = [row for args in params for row in self._db.execute(select, args)]
        self._db.executemany("DELETE FROM texts_fts WHERE rowid=?", rowids)
        self._db.executemany("DELETE FROM texts WHERE rowid=?", rowids)

    def drop(self, conversation_id: str) -> None:
        self._db.execute("DELETE FROM conversations WHERE id=?", (conversation_id,))
        self._db.execute("DELETE FROM tool_stats WHERE conversation_id=?", (conversation_id,))
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
                    cid: ConversationSummary(cid, title, _moment(created), _moment(last), *rest)
                    for cid, title, created, last, *rest, _, _ in rows
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
            return (*rows.states[conversation_id], rows.summaries[conversation_id].damaged)

    def digests(self, conversation_id: str) -> dict[str, int]:
        """Message id → digest of the text indexed for it, to skip re-indexing unchanged messages."""
        with self.lock:
            return dict(self._db.execute(
                "SELECT message_id, digest FROM texts WHERE conversation_id=?", (conversation_id,)
            ))  # fmt: skip

    def summaries(self, query: str = "") -> list[ConversationSummary]:
        """Newest activity first (then by id); ``query`` keeps titles containing it, ignoring case."""
        with self.lock:
            rows = self._rows()
            if rows.ordered is None:
                rows.ordered = sorted(rows.summaries.values(), key=lambda summary: summary.id)
                rows.ordered.sort(key=lambda summary: summary.last_activity, reverse=True)  # stable
            ordered = rows.ordered
        if not query:
            return list(ordered)
        folded = query.casefold()
        return [summary for summary in ordered if folded in summary.title.casefold()]

    def search(self, query: str, role: str | None, limit: int) -> list[SearchHit]:
        """Best matches first (FTS5 bm25); without FTS5, a substring scan, newest first."""
        select = "SELECT t.conversation_id, c.title, t.message_id, t.role, {snippet}, t.created_at"
        source = (  # FTS5 refuses an alias in MATCH
            " FROM texts_fts JOIN texts t ON t.rowid = texts_fts.rowid"
            " JOIN conversations c ON c.id = t.conversation_id"
        )
        if self.fts:
            sql = select.format(snippet="snippet(texts_fts, 0, '', '', '…', 16)")
            sql += f"{source} WHERE texts_fts MATCH ? ORDER BY rank LIMIT ?"
            params: tuple = (_fts_query(query, role), limit)
        else:
            escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql = select.format(snippet="substr(texts_fts.text, 1, 200)") + source
            sql += " WHERE texts_fts.text LIKE ? ESCAPE '\\'" + (" AND texts_fts.role = ?" if role else "")
            sql += " ORDER BY t.created_at DESC LIMIT ?"
            params = (f"%{escaped}%", role, limit) if role else (f"%{escaped}%", limit)
        with self.lock:
            try:
                rows = self._db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if "fts5" in str(error):  # a query FTS5 cannot parse finds nothing
                    return []
                raise
        return [
            SearchHit(cid, title, mid, r, snippet, _moment(at)) for cid, title, mid, r, snippet, at in rows
        ]

    def totals(self) -> StoreTotals:
        with self.lock:
            conversations, damaged, sessions, messages, prompt, completion, cost = self._db.execute(
                "SELECT count(*), count(damaged), total(session_count), total(message_count),"
                " total(prompt_tokens), total(completion_tokens), sum(cost) FROM conversations"
            ).fetchone()
            tools = self._db.execute(
                "SELECT name, sum(calls), sum(errors), total(duration_ms)"
                " FROM tool_stats GROUP BY name ORDER BY name"
            ).fetchall()
        return StoreTotals(
            conversations,
            damaged,
            int(sessions),
            int(messages),
            int(prompt),
            int(completion),
            cost,
            {
                name: ToolTotals(calls, errors, duration / calls if calls else 0.0)
                for name, calls, errors, duration in tools
            },
        )
