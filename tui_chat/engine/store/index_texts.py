"""The index's full-text rows: writing and dropping the text of messages, and how far the pass is.

Apart from the list rows because the text is written by the background pass and by saves, message by
message. Text rows get row ids that grow with the message's time (``ms << 10`` plus a few bits), so
"newest first" is FTS5's own row id order and a search stops after ``limit`` matches instead of sorting
them all.
"""

from __future__ import annotations

import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from tui_chat.engine.store.rows import TextRow
from tui_chat.engine.store.sql_values import clean, epoch_ms


@dataclass(frozen=True)
class TextProgress:
    """How far the full-text index is: conversations whose text is indexed, of those that have text."""

    indexed: int
    total: int

    @property
    def complete(self) -> bool:
        return self.indexed >= self.total


def put_texts(
    db: sqlite3.Connection, conversation_id: str, rows: Iterable[TextRow], *, fresh: bool = False
) -> None:
    """Insert or replace the text of these messages (``fresh``: the conversation has no text rows)."""
    rows = list(rows)
    if not rows:
        return
    if not fresh:
        drop_texts(db, conversation_id, [row.message_id for row in rows])
    rowids = _rowids(db, rows, probe=False)
    db.execute("SAVEPOINT texts")
    try:
        _insert_texts(db, conversation_id, rows, rowids)
    except sqlite3.IntegrityError:  # two messages on one row id: rare, so only then look each one up
        db.execute("ROLLBACK TO texts")
        _insert_texts(db, conversation_id, rows, _rowids(db, rows, probe=True))
    db.execute("RELEASE texts")


def _insert_texts(
    db: sqlite3.Connection, conversation_id: str, rows: list[TextRow], rowids: list[int]
) -> None:
    db.executemany(
        "INSERT INTO texts VALUES (?,?,?,?,?,?,?,?)",
        [
            (rowid, conversation_id, clean(row.message_id), row.role, epoch_ms(row.created_at), row.digest,
             clean(row.tools), row.error)
            for rowid, row in zip(rowids, rows, strict=True)
        ],
    )  # fmt: skip
    db.executemany(
        "INSERT INTO texts_fts(rowid, text, role, tools, flags) VALUES (?,?,?,?,?)",
        [
            (rowid, clean(row.text), row.role, clean(row.tools), "error" if row.error else "")
            for rowid, row in zip(rowids, rows, strict=True)
        ],
    )


def _rowids(db: sqlite3.Connection, rows: list[TextRow], *, probe: bool) -> list[int]:
    """Row ids in time order: the message's milliseconds, shifted, plus bits of its id.

    ``probe``: look each one up in the table and move on to the next free one.
    """
    taken: set[int] = set()
    ids = []
    exists = "SELECT 1 FROM texts WHERE rowid=?"
    for row in rows:
        low = zlib.crc32(row.message_id.encode("utf-8", "surrogatepass")) & 1023
        candidate = (epoch_ms(row.created_at) << 10) | low
        while candidate in taken or (probe and db.execute(exists, (candidate,)).fetchone()):
            candidate += 1
        taken.add(candidate)
        ids.append(candidate)
    return ids


def drop_texts(
    db: sqlite3.Connection, conversation_id: str, message_ids: Iterable[str] | None = None
) -> None:
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
    rowids = [row for args in params for row in db.execute(select, args)]
    db.executemany("DELETE FROM texts_fts WHERE rowid=?", rowids)
    db.executemany("DELETE FROM texts WHERE rowid=?", rowids)


def digests(db: sqlite3.Connection, conversation_id: str) -> dict[str, int]:
    """Message id → digest of the text indexed for it, to skip re-indexing unchanged messages."""
    return dict(db.execute(
        "SELECT message_id, digest FROM texts WHERE conversation_id=?", (conversation_id,)
    ))  # fmt: skip


_PENDING = (
    "FROM conversations WHERE damaged IS NULL AND (texts_mtime_ns IS NOT mtime_ns OR texts_size IS NOT size)"
)


def pending_texts(db: sqlite3.Connection, limit: int) -> list[tuple[str, int]]:
    """``(id, message count)`` of conversations whose text is not indexed for their current file,
    most recent activity first."""
    sql = f"SELECT id, message_count {_PENDING} ORDER BY last_activity DESC LIMIT ?"
    return db.execute(sql, (limit,)).fetchall()


def text_counts(db: sqlite3.Connection) -> tuple[int, int]:
    """``(conversations whose text is pending, conversations that have text)``."""
    (pending,) = db.execute(f"SELECT count(*) {_PENDING}").fetchone()
    (total,) = db.execute("SELECT count(*) FROM conversations WHERE damaged IS NULL").fetchone()
    return pending, total
