"""The derived index of the conversation files: one SQLite file that is only ever a cache.

It holds one row per file (summary, per-conversation aggregates, the file's ``(mtime_ns, size)`` so
staleness is one ``os.scandir`` away, and the ``(mtime_ns, size)`` its text was indexed at), one row per
tool call for the per-tool figures, and the searchable text of every message under FTS5. Deleting it
loses nothing: the store rebuilds it from the files. Two processes may share it (WAL, a busy timeout).

Text rows get row ids that grow with the message's time (``ms << 10`` plus a few bits), so "newest
first" is FTS5's own row id order and a search stops after ``limit`` matches instead of sorting them all.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from pathlib import Path

from tui_chat.engine.models import ConversationSummary
from tui_chat.engine.store.reasons import decode, encode, shown
from tui_chat.engine.store.rows import HIGHLIGHT_END, HIGHLIGHT_START, IndexRow, TextRow

SCHEMA_VERSION = "5"
"""5: a damaged row's reason is stored as its message and fields (store/reasons.py), shown in the
language of the moment."""
BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's transaction before it is reported as failed."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SURROGATES = re.compile("[\ud800-\udfff]")

_TABLES = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE conversations(
    id TEXT PRIMARY KEY, mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL,
    title TEXT NOT NULL, title_fold TEXT NOT NULL, model TEXT NOT NULL,
    created_at INTEGER NOT NULL, last_activity INTEGER NOT NULL,
    message_count INTEGER NOT NULL, tool_call_count INTEGER NOT NULL, session_count INTEGER NOT NULL,
    prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, cost REAL, damaged TEXT,
    texts_mtime_ns INTEGER, texts_size INTEGER
) WITHOUT ROWID;
CREATE INDEX conversations_by_activity ON conversations(last_activity DESC, id);
CREATE TABLE tool_calls(
    conversation_id TEXT NOT NULL, message_id TEXT NOT NULL, name TEXT NOT NULL,
    error_kind TEXT, duration_ms REAL NOT NULL
);
CREATE INDEX tool_calls_by_conversation ON tool_calls(conversation_id);
CREATE INDEX tool_calls_by_duration ON tool_calls(name, duration_ms);
CREATE TABLE texts(
    rowid INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, message_id TEXT NOT NULL,
    role TEXT NOT NULL, created_at INTEGER NOT NULL, digest INTEGER NOT NULL,
    tools TEXT NOT NULL, error INTEGER NOT NULL
);
CREATE UNIQUE INDEX texts_by_message ON texts(conversation_id, message_id);
"""
# The text lives in the FTS table itself, same rowid as ``texts``. Measured here: an FTS5 table with
# external content fed by triggers costs ~100-190 µs a row, a plain one ~20 µs (1M messages: 3 min vs 20 s).
# ``role``, ``tools`` and ``flags`` are columns of the FTS table so the filters are FTS terms, not a join
# over every match. The prefix index makes the last, half-typed word of a query cheap.
_FTS = (
    "CREATE VIRTUAL TABLE texts_fts USING fts5(text, role, tools, flags,"
    " tokenize='unicode61 remove_diacritics 2', prefix='2 3')"
)
_NO_FTS = (
    "CREATE TABLE texts_fts(rowid INTEGER PRIMARY KEY, text TEXT NOT NULL, role TEXT NOT NULL,"
    " tools TEXT NOT NULL, flags TEXT NOT NULL)"
)
_MATCH = re.compile(f"{HIGHLIGHT_START}(.*?){HIGHLIGHT_END}", re.S)


def _tighten(path: Path) -> None:
    """The index holds message text: 0600, like the conversation files (-wal and -shm included)."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            name = f"{path}{suffix}"
            if os.stat(name).st_mode & 0o077:
                os.chmod(name, 0o600)


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch to WAL, waiting for another process that is switching or creating the index right now.

    SQLite does not call the busy handler for a journal mode change: on a fresh index opened by two
    processes at once (a listing and a search, say) one of them got "database is locked" at once, and
    ``_open_index`` then gave that process a private index in a temp folder, so whatever it indexed
    never reached the shared one. So the wait is done here, up to the same busy timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.001
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    title: str
    message_id: str
    """``""`` for a title hit."""
    role: str
    snippet: str
    created_at: datetime
    highlights: tuple[tuple[int, int], ...] = ()
    """``(start, end)`` offsets of the matched words in ``snippet``."""
    tools: tuple[str, ...] = ()
    """The tool of a tool result, the tools a reply called."""
    error: bool = False


@dataclass(frozen=True)
class ToolTotals:
    calls: int
    errors: int
    mean_duration_ms: float
    errors_by_kind: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    max_ms: float = 0.0


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


@dataclass(frozen=True)
class TextProgress:
    """How far the full-text index is: conversations whose text is indexed, of those that have text."""

    indexed: int
    total: int

    @property
    def complete(self) -> bool:
        return self.indexed >= self.total


def _ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)  # 3x faster than adding a timedelta; exact to the ms


def clean(text: str) -> str:
    """``text`` as SQLite (and a terminal) can take it: lone surrogates become U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_query(query: str, *, role: str | None, tool: str | None, errors_only: bool) -> str | None:
    """Each word must appear (prefix match on the last one); quotes keep FTS5 syntax out of user text.

    None when there is nothing to match at all.
    """
    words = query.split()
    parts = []
    if words:
        terms = [_quoted(word) for word in words]
        if len(words[-1]) >= 2:  # a one-letter prefix matches half the vocabulary
            terms[-1] += "*"
        parts.append(f"text : ({' '.join(terms)})")
    if role:
        parts.append(f"role : {_quoted(role)}")
    if tool:
        parts.append(f"tools : {_quoted(tool)}")
    if errors_only:
        parts.append('flags : "error"')
    return " AND ".join(parts) or None


def highlights_of(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Split an FTS5 snippet with markers into plain text and the offsets of what matched."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    position = last = 0
    for match in _MATCH.finditer(marked):
        before = marked[last : match.start()]
        plain.append(before)
        position += len(before)
        word = match.group(1)
        plain.append(word)
        spans.append((position, position + len(word)))
        position += len(word)
        last = match.end()
    plain.append(marked[last:])
    text = "".join(plain).replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
    return text, tuple(spans)


def around(text: str, query: str, width: int = 160) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet of ``text`` around the first ``query`` (any case), for the search without FTS5."""
    found = text.lower().find(query.lower()) if query else -1  # lower() keeps the offsets
    start = max(0, found - width // 3) if found >= 0 else 0
    cut = text[start : start + width]
    prefix = "…" if start else ""
    snippet = prefix + cut + ("…" if start + width < len(text) else "")
    if found < 0:
        return snippet, ()
    offset = found - start + len(prefix)
    return snippet, ((offset, offset + len(query)),)


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
        self.fts = True
        self._db = self._open()
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

    def _open(self) -> sqlite3.Connection:
        try:
            return self._connect()
        except sqlite3.DatabaseError as error:
            if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
                raise
            self._remove_files()
            return self._connect()

    def _connect(self) -> sqlite3.Connection:
        fresh = not self.path.exists()
        if fresh:  # created 0600 before SQLite opens it: SQLite gives -wal and -shm the database file's mode
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        _tighten(self.path)
        # timeout: the busy timeout, so that two processes writing the index wait for each other.
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S)
        try:
            _use_wal(db)
            _tighten(self.path)  # an index made by an older version may have 0644 -wal / -shm files
            # A cache: losing the last commits on power loss costs a re-read of a few files.
            db.execute("PRAGMA synchronous=NORMAL")
            if self._current(db):
                return db
            db.execute("BEGIN IMMEDIATE")  # another process may be creating it at this very moment
            try:
                if not self._current(db):
                    self._create(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            self._current(db)
            return db
        except BaseException:
            db.close()
            raise

    def _current(self, db: sqlite3.Connection) -> bool:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            return False
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if not row or row[0] != SCHEMA_VERSION:
            return False
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name='texts_fts'").fetchone()
        self.fts = "fts5" in sql[0]
        return True

    def _create(self, db: sqlite3.Connection) -> None:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table in tables - {"sqlite_sequence"}:
            if not table.startswith("texts_fts_"):
                db.execute(f'DROP TABLE IF EXISTS "{table}"')
        for index in [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='index'")]:
            if not index.startswith("sqlite_"):
                db.execute(f'DROP INDEX IF EXISTS "{index}"')
        for statement in _TABLES.split(";"):
            if statement.strip():
                db.execute(statement)
        try:
            db.execute(_FTS)
            self.fts = True
        except sqlite3.OperationalError:  # SQLite built without FTS5: search falls back to LIKE.
            self.fts = False
            db.execute(_NO_FTS)
        db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    def _remove_files(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                Path(f"{self.path}{suffix}").unlink()

    def reset(self) -> None:
        """Throw the cache away (it is corrupt): the next refresh re-reads every file."""
        with self.lock:
            self._close_reader()
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
                _ms(s.created_at), _ms(s.last_activity), s.message_count, s.tool_call_count,
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
        rows = list(rows)
        if not rows:
            return
        if not fresh:
            self.drop_texts(conversation_id, [row.message_id for row in rows])
        rowids = self._rowids(rows, probe=False)
        self._db.execute("SAVEPOINT texts")
        try:
            self._insert_texts(conversation_id, rows, rowids)
        except sqlite3.IntegrityError:  # two messages on one row id: rare, so only then look each one up
            self._db.execute("ROLLBACK TO texts")
            self._insert_texts(conversation_id, rows, self._rowids(rows, probe=True))
        self._db.execute("RELEASE texts")

    def _insert_texts(self, conversation_id: str, rows: list[TextRow], rowids: list[int]) -> None:
        self._db.executemany(
            "INSERT INTO texts VALUES (?,?,?,?,?,?,?,?)",
            [
                (rowid, conversation_id, clean(row.message_id), row.role, _ms(row.created_at), row.digest,
                 clean(row.tools), row.error)
                for rowid, row in zip(rowids, rows, strict=True)
            ],
        )  # fmt: skip
        self._db.executemany(
            "INSERT INTO texts_fts(rowid, text, role, tools, flags) VALUES (?,?,?,?,?)",
            [
                (rowid, clean(row.text), row.role, clean(row.tools), "error" if row.error else "")
                for rowid, row in zip(rowids, rows, strict=True)
            ],
        )

    def _rowids(self, rows: list[TextRow], *, probe: bool) -> list[int]:
        """Row ids in time order: the message's milliseconds, shifted, plus bits of its id.

        ``probe``: look each one up in the table and move on to the next free one.
        """
        taken: set[int] = set()
        ids = []
        exists = "SELECT 1 FROM texts WHERE rowid=?"
        for row in rows:
            low = zlib.crc32(row.message_id.encode("utf-8", "surrogatepass")) & 1023
            candidate = (_ms(row.created_at) << 10) | low
            while candidate in taken or (probe and self._db.execute(exists, (candidate,)).fetchone()):
                candidate += 1
            taken.add(candidate)
            ids.append(candidate)
        return ids

    def drop_texts(self, conversation_id: str, message_ids: Iterable[str] | None = None) -> None:
        """Drop the text of these messages, or of the whole conversation."""
        if message_ids is None:
            where, params = "conversation_id=?", [(conversation_id,)]
        else:
            where, params = (
                "conversation_id=? AND message_id=?",
                [(conversation_id, clean(mid)) for mid in message_ids],
            )
        # Row ids first: FTS5 scans its whole table for ``rowid IN (subquery)`` but seeks for ``rowid = ?``.
        select = f"SELECT rowid FROM texts WHERE {where}"
        rowids = [row for args in params for row in self._db.execute(select, args)]
        self._db.executemany("DELETE FROM texts_fts WHERE rowid=?", rowids)
        self._db.executemany("DELETE FROM texts WHERE rowid=?", rowids)

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
                        _moment(created),
                        _moment(last),
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
            return dict(self._db.execute(
                "SELECT message_id, digest FROM texts WHERE conversation_id=?", (conversation_id,)
            ))  # fmt: skip

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

    _PENDING = (
        "FROM conversations WHERE damaged IS NULL"
        " AND (texts_mtime_ns IS NOT mtime_ns OR texts_size IS NOT size)"
    )

    def pending_texts(self, limit: int) -> list[tuple[str, int]]:
        """``(id, message count)`` of conversations whose text is not indexed for their current file,
        most recent activity first."""
        with self.lock:
            sql = f"SELECT id, message_count {self._PENDING} ORDER BY last_activity DESC LIMIT ?"
            return self._db.execute(sql, (limit,)).fetchall()

    def text_progress(self) -> TextProgress:
        with self._reading() as db:
            (pending,) = db.execute(f"SELECT count(*) {self._PENDING}").fetchone()
            (total,) = db.execute("SELECT count(*) FROM conversations WHERE damaged IS NULL").fetchone()
        return TextProgress(total - pending, total)

    def search(
        self, query: str, *, role: str | None, tool: str | None, errors_only: bool, limit: int
    ) -> list[SearchHit]:
        """Newest first; each word must match (the last as a prefix). Without FTS5, a substring scan."""
        columns = (
            "t.conversation_id, c.title, t.message_id, t.role, {snippet}, t.created_at, t.tools, t.error"
        )
        source = (  # FTS5 refuses an alias in MATCH
            " FROM texts_fts JOIN texts t ON t.rowid = texts_fts.rowid"
            " JOIN conversations c ON c.id = t.conversation_id"
        )
        tool_check = " AND instr(' ' || t.tools || ' ', ?) > 0" if tool else ""
        tool_param = (f" {tool} ",) if tool else ()
        if self.fts:
            match = fts_query(query, role=role, tool=tool, errors_only=errors_only)
            if match is None:
                return []
            sql = "SELECT " + columns.format(snippet="snippet(texts_fts, 0, ?, ?, '…', 16)") + source
            sql += f" WHERE texts_fts MATCH ?{tool_check} ORDER BY texts_fts.rowid DESC LIMIT ?"
            params: tuple = (HIGHLIGHT_START, HIGHLIGHT_END, match, *tool_param, limit)
        else:
            escaped = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            sql = "SELECT " + columns.format(snippet="texts_fts.text") + source
            sql += " WHERE texts_fts.text LIKE ? ESCAPE '\\'" + tool_check
            params = (f"%{escaped}%", *tool_param)
            if role:
                sql += " AND texts_fts.role = ?"
                params += (role,)
            if errors_only:
                sql += " AND t.error"
            sql += " ORDER BY t.rowid DESC LIMIT ?"
            params += (limit,)
        with self._reading() as db:
            try:
                rows = db.execute(sql, params).fetchall()
            except sqlite3.OperationalError as error:
                if "fts5" in str(error):  # a query FTS5 cannot parse finds nothing
                    return []
                raise
        hits = []
        for cid, title, mid, hit_role, marked, at, tools, error in rows:
            snippet, spans = highlights_of(marked) if self.fts else around(marked, query.strip())
            hits.append(
                SearchHit(
                    cid, title, mid, hit_role, snippet, _moment(at), spans, tuple(tools.split()), bool(error)
                )
            )
        return hits

    def totals(self) -> StoreTotals:
        """The percentiles are nearest-rank, read off the ``(name, duration_ms)`` index with OFFSET:
        ~30 ms for 160,000 calls, where fetching and sorting them in Python took ~450 ms."""
        with self.lock:
            conversations, damaged, sessions, messages, prompt, completion, cost = self._db.execute(
                "SELECT count(*), count(damaged), total(session_count), total(message_count),"
                " total(prompt_tokens), total(completion_tokens), sum(cost) FROM conversations"
            ).fetchall()[0]
            calls = self._db.execute(
                "SELECT name, count(*), total(duration_ms) FROM tool_calls GROUP BY name ORDER BY name"
            ).fetchall()
            kinds = self._db.execute(
                "SELECT name, error_kind, count(*) FROM tool_calls WHERE error_kind IS NOT NULL"
                " GROUP BY name, error_kind ORDER BY name, error_kind"
            ).fetchall()
            at_rank = "SELECT duration_ms FROM tool_calls WHERE name=? ORDER BY duration_ms LIMIT 1 OFFSET ?"
            ranks = {
                name: {
                    rank: self._db.execute(at_rank, (name, rank - 1)).fetchone()[0]
                    for rank in {(count + 1) // 2, (95 * count + 99) // 100, count}
                }
                for name, count, _ in calls
            }
        by_kind: dict[str, dict[str, int]] = {}
        for name, kind, count in kinds:
            by_kind.setdefault(name, {})[kind] = count
        tools = {}
        for name, count, duration in calls:
            at = ranks.get(name, {})
            errors = by_kind.get(name, {})
            tools[name] = ToolTotals(
                count,
                sum(errors.values()),
                duration / count,
                errors,
                at.get((count + 1) // 2, 0.0),
                at.get((95 * count + 99) // 100, 0.0),
                at.get(count, 0.0),
            )
        return StoreTotals(
            conversations, damaged, int(sessions), int(messages), int(prompt), int(completion), cost, tools
        )
