"""ConversationStore: one JSON file per conversation (the source of truth) plus a derived SQLite index.

Writes are crash-safe (temp file, fsync, ``os.replace``, fsync of the folder); a damaged file is
never overwritten, moved or deleted. The index is a cache: it is rebuilt when missing or corrupt and
kept fresh by one ``os.scandir`` that re-reads only files whose ``(mtime_ns, size)`` changed.
Every public method is safe to call from any thread.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import secrets
import shutil
import sqlite3
import tempfile
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.models import Conversation, ConversationSummary
from tui_chat.engine.redact import redact, secret_values
from tui_chat.engine.store.files import (
    Unreadable,
    damaged,
    fsync_dir,
    private_dir,
    read_file,
    signature_of,
    write_atomically,
)
from tui_chat.engine.store.index import ConversationIndex, SearchHit, StoreTotals, ToolTotals
from tui_chat.engine.store.locking import ConversationLocks
from tui_chat.engine.store.merge import Bases, ensure_unique_ids, merge_file_into
from tui_chat.engine.store.rows import IndexRow, TextRow, damaged_row, summarize, text_rows, title_row
from tui_chat.engine.store.session_file import ConversationEncoder, decode

__all__ = ["ConversationStore", "SearchHit", "StoreTotals", "ToolTotals", "TrashEntry"]

SEARCH_ROLES = frozenset({"title", "user", "assistant", "tool"})
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_CACHED_CONVERSATIONS = 16
_T = TypeVar("_T")


@dataclass(frozen=True)
class TrashEntry:
    token: str
    conversation_id: str
    deleted_at: datetime


@dataclass
class _Saved:
    """What this process last wrote for one conversation, so the next save only redoes what changed."""

    encoder: ConversationEncoder = field(default_factory=ConversationEncoder)
    digests: dict[str, int] = field(default_factory=dict)
    """Message id (``""`` for the title) → digest of the text in the search index."""


class ConversationStore:
    def __init__(self, data_dir: Path):
        self.data_dir = private_dir(Path(data_dir))
        self.conversations_dir = private_dir(self.data_dir / "conversations")
        self.trash_dir = private_dir(self.data_dir / "trash")
        self._lock = threading.RLock()
        self._locks = ConversationLocks(private_dir(self.data_dir / "locks"))
        self._bases = Bases()
        self._index = _open_index(self.data_dir)
        self._saved: OrderedDict[str, _Saved] = OrderedDict()

    def close(self) -> None:
        with self._lock:
            self._index.close()
            if self._index.path.parent != self.data_dir:  # the stand-in for a read-only data dir
                shutil.rmtree(self._index.path.parent, ignore_errors=True)

    # -- ids and paths ----------------------------------------------------------------------------

    def new_id(self, user_id: str) -> str:
        """``chat-<user>-<YYYYMMDD-HHMMSS>-<4 hex>``: readable, sortable, safe in every file system."""
        ascii_user = unicodedata.normalize("NFKD", user_id).encode("ascii", "ignore").decode()
        user = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_user).strip("-")[:40] or "local"
        while True:
            candidate = f"chat-{user}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
            if not self.path_of(candidate).exists():
                return candidate

    def path_of(self, conversation_id: str) -> Path:
        if not _SAFE_ID.match(conversation_id):
            raise StoreError(f"{conversation_id!r} is not a valid conversation id.")
        return self.conversations_dir / f"{conversation_id}.json"

    # -- reading ----------------------------------------------------------------------------------

    def load(self, conversation_id: str) -> Conversation:
        path = self.path_of(conversation_id)
        with self._lock:
            try:
                raw, status = read_file(path)
                stat = _state(status)
                conversation = decode(raw, conversation_id)
            except FileNotFoundError:
                raise ConversationNotFound(f"There is no conversation {conversation_id}.") from None
            except (Unreadable, DamagedConversation) as problem:
                damage = problem if isinstance(problem, DamagedConversation) else damaged(path, problem)
                state = problem.state if isinstance(problem, Unreadable) else stat
                row = damaged_row(conversation_id, damage.detail, *state)
                self._index_safely(lambda: self._put(row))
                raise damage from None
            self._bases.remember(conversation, signature_of(status))
            state = self._index_safely(lambda: self._index.file_state(conversation_id))
            if state is None or state[:2] != stat:
                self._index_safely(lambda: self._reindex(conversation, stat))
            return conversation

    def list_conversations(self, query: str = "") -> list[ConversationSummary]:
        """Newest first; damaged files are listed too, with ``damaged`` set to the reason."""
        return self._query(lambda: self._index.summaries(query.strip()))

    def search(self, query: str, *, role: str | None = None, limit: int = 20) -> list[SearchHit]:
        """Full-text search over titles and message text (tool names, arguments and results included)."""
        if role is not None and role not in SEARCH_ROLES:
            raise ValueError(f"role must be one of {sorted(SEARCH_ROLES)} or None, not {role!r}")
        if not query.strip():
            return []
        return self._query(lambda: self._index.search(query, role, limit))

    def totals(self) -> StoreTotals:
        return self._query(self._index.totals)

    # -- writing ----------------------------------------------------------------------------------

    def save(self, conversation: Conversation) -> None:
        """Merge what another process saved meanwhile, write atomically, then update the index.

        Under the conversation's cross-process lock: when the file changed since this object was
        loaded or saved, its messages (and title, context) are merged into ``conversation`` in place
        first, so nothing another writer added is lost. Raises ``DamagedConversation`` over a damaged
        file and ``StoreWriteFailed`` when the disk refuses the write (the object keeps everything).
        """
        path = self.path_of(conversation.id)
        with self._lock, self._locks.hold(conversation.id, path):
            merge_file_into(conversation, path, self._bases)
            ensure_unique_ids(conversation)
            saved = self._saved_state(conversation.id)
            encoded = saved.encoder.encode(conversation)
            self._write(path, encoded.data)
            status = os.stat(path)
            stat = _state(status)
            self._bases.remember(conversation, signature_of(status))

            def update_index() -> bool:
                with self._index.transaction():
                    self._index.put(_hidden_title(summarize(conversation, *stat)))
                    rows = _redacted([title_row(conversation), *text_rows(encoded.changed)])
                    rows = [row for row in rows if saved.digests.get(row.message_id) != row.digest]
                    self._index.put_texts(conversation.id, rows)
                    self._index.drop_texts(conversation.id, encoded.removed)
                for row in rows:
                    saved.digests[row.message_id] = row.digest
                for message_id in encoded.removed:
                    saved.digests.pop(message_id, None)
                return True

            if not self._index_safely(update_index, after_write=True):
                self._saved.pop(conversation.id, None)  # the stale row is re-read at the next refresh

    def rename(self, conversation_id: str, title: str) -> None:
        with self._lock, self._locks.hold(conversation_id):
            conversation = self.load(conversation_id)
            conversation.title = title
            conversation.title_is_custom = True
            self.save(conversation)

    def delete(self, conversation_id: str) -> str:
        """Move the file to ``trash/`` and return the token that ``restore()`` takes."""
        path = self.path_of(conversation_id)
        with self._lock, self._locks.hold(conversation_id, path):
            if not path.exists():
                raise ConversationNotFound(f"There is no conversation {conversation_id}.")
            self._refuse_damaged(conversation_id, path)
            token = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}--{conversation_id}"
            os.replace(path, self.trash_dir / f"{token}.json")
            fsync_dir(self.trash_dir)
            fsync_dir(self.conversations_dir)
            self._saved.pop(conversation_id, None)
            self._index_safely(lambda: self._drop(conversation_id), after_write=True)
            return token

    def restore(self, token: str) -> str:
        """Put a deleted conversation back; returns its id."""
        _, _, conversation_id = token.partition("--")
        source = self.trash_dir / f"{token}.json"
        if not _SAFE_ID.match(token) or not _SAFE_ID.match(conversation_id):
            raise ConversationNotFound(f"Nothing in the trash matches {token!r}.")
        with self._lock, self._locks.hold(conversation_id):
            if not source.exists():
                raise ConversationNotFound(f"Nothing in the trash matches {token!r}.")
            target = self.path_of(conversation_id)
            if target.exists():
                raise StoreError(f"A conversation {conversation_id} exists already; it was not replaced.")
            os.rename(source, target)
            fsync_dir(self.conversations_dir)
            self._query(lambda: None)  # index the restored file now
            return conversation_id

    def trash_entries(self) -> list[TrashEntry]:
        """Deleted conversations, most recently deleted first."""
        entries = []
        for path in self.trash_dir.glob("*--*.json"):
            stamp, _, conversation_id = path.stem.partition("--")
            with contextlib.suppress(ValueError):
                deleted_at = datetime.strptime(stamp[:15], "%Y%m%d-%H%M%S").replace(tzinfo=UTC)
                entries.append(TrashEntry(path.stem, conversation_id, deleted_at))
        return sorted(entries, key=lambda entry: entry.token, reverse=True)

    # -- change detection -------------------------------------------------------------------------

    def signature(self, conversation_id: str) -> tuple[int, int, int] | None:
        """``(mtime_ns, size, inode)`` of the file, None when there is none: one ``stat``, to poll.

        It changes with every save by any process (each save is a new file).
        """
        try:
            return signature_of(os.stat(self.path_of(conversation_id)))
        except OSError:
            return None

    def reload_if_changed(self, conversation: Conversation) -> Conversation | None:
        """Merge into ``conversation`` (in place) what other processes saved since this object was
        loaded or saved; returns it when that added or changed anything, else None.

        Cheap when nothing changed (one ``stat``). Unsaved changes of ``conversation`` are kept.
        Raises ``DamagedConversation`` when the file became damaged.
        """
        path = self.path_of(conversation.id)
        with self._lock:
            return conversation if merge_file_into(conversation, path, self._bases) else None

    # -- internals --------------------------------------------------------------------------------

    def _write(self, path: Path, data: bytes) -> None:
        write_atomically(path, data)

    def _refuse_damaged(self, conversation_id: str, path: Path) -> None:
        """Raise if the file on disk is damaged: known from the index, or re-read when it changed."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return
        state = self._index_safely(lambda: self._index.file_state(conversation_id))
        if state is not None and state[:2] == _state(stat):
            if state[2] is None:
                return
            raise DamagedConversation(
                f"The conversation file {path.name} is damaged ({state[2]}); it was not overwritten.",
                hint="Fix it by hand or move it out of the conversations folder.",
                detail=state[2],
            )
        self.load(conversation_id)  # raises DamagedConversation; a healthy file is simply overwritten
        self._saved.pop(conversation_id, None)

    def _saved_state(self, conversation_id: str) -> _Saved:
        saved = self._saved.pop(conversation_id, None)
        if saved is None:
            saved = _Saved(digests=self._index_safely(lambda: self._index.digests(conversation_id)) or {})
        self._saved[conversation_id] = saved
        while len(self._saved) > _CACHED_CONVERSATIONS:
            self._saved.popitem(last=False)
        return saved

    def _refresh(self) -> None:
        """Bring the index in line with the folder: one scandir, re-reading only changed or new files."""
        known = self._index.file_states()
        seen: dict[str, tuple[int, int]] = {}
        with os.scandir(self.conversations_dir) as entries:
            for entry in entries:
                if entry.name.endswith(".json") and not entry.name.startswith("."):
                    with contextlib.suppress(OSError):  # a dangling symlink; listed once it points somewhere
                        seen[entry.name[:-5]] = _state(entry.stat())
        changed = [cid for cid, state in seen.items() if known.get(cid) != state and _SAFE_ID.match(cid)]
        gone = known.keys() - seen.keys()
        for start in range(0, len(changed), 200):  # batches: one transaction per file is slow on a cold build
            with self._index.transaction():
                for conversation_id in changed[start : start + 200]:
                    self._saved.pop(conversation_id, None)
                    self._read_into_index(conversation_id)
        if gone:
            with self._index.transaction():
                for conversation_id in gone:
                    self._saved.pop(conversation_id, None)
                    self._index.drop(conversation_id)
        if len(changed) > 1000:  # a (re)build: fold the big WAL into the database now, not during a save
            self._index.checkpoint()

    def _read_into_index(self, conversation_id: str) -> None:
        try:
            raw, status = read_file(self.path_of(conversation_id))
            state = _state(status)
        except FileNotFoundError:  # deleted since the scandir
            self._index.drop(conversation_id)
            return
        except Unreadable as problem:  # not a regular file, too big, no permission: listed as damaged
            self._index.drop_texts(conversation_id)
            self._index.put(damaged_row(conversation_id, problem.reason, *problem.state))
            return
        try:
            conversation = decode(raw, conversation_id)
        except DamagedConversation as damage:
            self._index.drop_texts(conversation_id)
            self._index.put(damaged_row(conversation_id, damage.detail, *state))
            return
        self._reindex(conversation, state)

    def _reindex(self, conversation: Conversation, state: tuple[int, int]) -> None:
        self._saved.pop(conversation.id, None)
        with self._index.transaction():
            self._index.put(_hidden_title(summarize(conversation, *state)))
            self._index.drop_texts(conversation.id)
            self._index.put_texts(
                conversation.id, _redacted([title_row(conversation), *text_rows(conversation.messages())])
            )

    def _put(self, row: IndexRow) -> None:
        self._saved.pop(row.summary.id, None)
        with self._index.transaction():
            self._index.drop_texts(row.summary.id)
            self._index.put(row)

    def _drop(self, conversation_id: str) -> None:
        with self._index.transaction():
            self._index.drop(conversation_id)

    def _query(self, read: Callable[[], _T]) -> _T:
        """Refresh the index then read it; a corrupt index is thrown away and rebuilt once."""
        with self._lock:
            try:
                self._refresh()
                return read()
            except sqlite3.DatabaseError as error:
                if not _corrupt(error):
                    raise _index_failed(error) from error
                self._index.reset()
                self._saved.clear()
                self._refresh()
                return read()

    def _index_safely(self, update: Callable[[], _T], *, after_write: bool = False) -> _T | None:
        """Run an index update; a corrupt index is dropped (the next read rebuilds it).

        ``after_write``: the file is already safe, so no index failure (a lock, say) is reported:
        the row keeps the old ``(mtime_ns, size)`` and the next refresh re-reads the file.
        """
        try:
            return update()
        except sqlite3.DatabaseError as error:
            if _corrupt(error):
                self._index.reset()
                self._saved.clear()
            elif not after_write:
                raise _index_failed(error) from error
            return None


def _redacted(rows: list[TextRow]) -> list[TextRow]:
    """The searchable text without the API keys in use (the index, and its WAL, are files too)."""
    secrets = secret_values()
    if not secrets:
        return rows
    return [TextRow(r.message_id, r.role, r.created_at, redact(r.text, secrets)) for r in rows]


def _hidden_title(row: IndexRow) -> IndexRow:
    """The list row without an API key a title may hold (the first message is the title)."""
    title = redact(row.summary.title)
    if title == row.summary.title:
        return row
    return dataclasses.replace(row, summary=dataclasses.replace(row.summary, title=title))


def _open_index(data_dir: Path) -> ConversationIndex:
    """The index in the data dir; when that is not writable (a read-only disk, say), a private one in
    a temp folder, so listing, search and show still work while saves report why they fail."""
    try:
        return ConversationIndex(data_dir / "index.sqlite3")
    except (sqlite3.Error, OSError):
        folder = Path(tempfile.mkdtemp(prefix="tui-chat-index-"))  # 0700
        return ConversationIndex(folder / "index.sqlite3")


def _corrupt(error: sqlite3.DatabaseError) -> bool:
    """Only a corrupt index is thrown away; "locked", "disk I/O error" and the like are reported."""
    return not isinstance(error, sqlite3.OperationalError) or "no such" in str(error)


def _index_failed(error: sqlite3.DatabaseError) -> StoreError:
    return StoreError(f"The conversation index failed: {error}.", hint="Try again.", detail=str(error))


def _state(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_mtime_ns, stat.st_size
