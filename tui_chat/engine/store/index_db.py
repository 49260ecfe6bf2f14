"""The index's SQLite file: its schema, and opening it (WAL, 0600, another process, starting over).

Apart from the index's reads and writes because opening is where two processes and a corrupt or old
file meet: whatever is found that is not the current schema is thrown away (the index is a cache).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from pathlib import Path

SCHEMA_VERSION = "5"
"""5: a damaged row's reason is stored as its message and fields (store/reasons.py), shown in the
language of the moment."""
BUSY_TIMEOUT_S = 5.0
"""How long a write waits for another process's transaction before it is reported as failed."""

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
    ``open_index`` (store/upkeep.py) then gave that process a private index in a temp folder, so
    whatever it indexed never reached the shared one. So the wait is done here, up to the same busy timeout.
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


def open_index_db(path: Path) -> tuple[sqlite3.Connection, bool]:
    """The index at ``path`` and whether it has FTS5; a file SQLite cannot read is removed first."""
    try:
        return connect(path)
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
            raise
        remove_files(path)
        return connect(path)


def connect(path: Path) -> tuple[sqlite3.Connection, bool]:
    """Open (creating or re-creating the tables when they are not the current schema) and say whether
    the full-text table is FTS5."""
    fresh = not path.exists()
    if fresh:  # created 0600 before SQLite opens it: SQLite gives -wal and -shm the database file's mode
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    _tighten(path)
    # timeout: the busy timeout, so that two processes writing the index wait for each other.
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    try:
        _use_wal(db)
        _tighten(path)  # an index made by an older version may have 0644 -wal / -shm files
        # A cache: losing the last commits on power loss costs a re-read of a few files.
        db.execute("PRAGMA synchronous=NORMAL")
        fts = _current(db)
        if fts is not None:
            return db, fts
        db.execute("BEGIN IMMEDIATE")  # another process may be creating it at this very moment
        try:
            fts = _current(db)
            if fts is None:
                fts = _create(db)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        current = _current(db)
        return db, fts if current is None else current
    except BaseException:
        db.close()
        raise


def _current(db: sqlite3.Connection) -> bool | None:
    """None when the tables are not the current schema, else whether the full-text table is FTS5."""
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "meta" not in tables:
        return None
    row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
    if not row or row[0] != SCHEMA_VERSION:
        return None
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name='texts_fts'").fetchone()
    return "fts5" in sql[0]


def _create(db: sqlite3.Connection) -> bool:
    """Drop whatever tables are there and create the current ones; True when FTS5 is available."""
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
        fts = True
    except sqlite3.OperationalError:  # SQLite built without FTS5: search falls back to LIKE.
        fts = False
        db.execute(_NO_FTS)
    db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
    return fts


def remove_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
