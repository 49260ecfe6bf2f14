"""ConversationStore: one JSON file per conversation (the source of truth) plus a derived SQLite index.

Writes are crash-safe (temp file, fsync, ``os.replace``, fsync of the folder); a damaged file is
never overwritten, moved or deleted. The index is a cache: it is rebuilt when missing or corrupt and
kept fresh by one ``os.scandir`` that re-reads only files whose ``(mtime_ns, size)`` changed.
Every public method is safe to call from any thread.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import sqlite3
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.models import Conversation, ConversationSummary
from tui_chat.engine.store.index import ConversationIndex, SearchHit, StoreTotals, TextProgress, ToolTotals
from tui_chat.engine.store.rows import IndexRow, damaged_row, summarize, text_rows, title_row
from tui_chat.engine.store.scan import Entry, Unreadable, newest_first, quick_row, read_capped, scan_folder
from tui_chat.engine.store.search import ListProgress, SearchResult
from tui_chat.engine.store.session_file import ConversationEncoder, decode

__all__ = [
    "ConversationStore",
    "ListProgress",
    "SearchHit",
    "SearchResult",
    "StoreTotals",
    "TextProgress",
    "ToolTotals",
    "TrashEntry",
]

SEARCH_ROLES = frozenset({"title", "user", "assistant", "tool"})
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
_CACHED_CONVERSATIONS = 16
_FIRST_BATCH, _BATCH = 50, 250
"""Files read per step of a cold listing: a small first batch so the first rows show at once."""
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


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # Not supported everywhere (Windows); the rename is still atomic.
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _private_dir(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


class ConversationStore:
    def __init__(self, data_dir: Path):
        self.data_dir = _private_dir(Path(data_dir))
        self.conversations_dir = _private_dir(self.data_dir / "conversations")
        self.trash_dir = _private_dir(self.data_dir / "trash")
        self._lock = threading.RLock()
        self._index = ConversationIndex(self.data_dir / "index.sqlite3")
        self._saved: OrderedDict[str, _Saved] = OrderedDict()

    def close(self) -> None:
        with self._lock:
            self._index.close()

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
                with open(path, "rb") as file:
                    raw = file.read()
                    stat = os.fstat(file.fileno())
            except FileNotFoundError:
                raise ConversationNotFound(f"There is no conversation {conversation_id}.") from None
            try:
                conversation = decode(raw, conversation_id)
            except DamagedConversation as damage:
                row = damaged_row(conversation_id, damage.detail, *_state(stat))
                self._index_safely(lambda: self._put(row))
                raise
            state = self._index_safely(lambda: self._index.file_state(conversation_id))
            if state is None or state[:2] != _state(stat):
                self._index_safely(lambda: self._reindex(conversation, _state(stat)))
            return conversation

    def list_conversations(self, query: str = "") -> list[ConversationSummary]:
        """Newest first; damaged files are listed too, with ``damaged`` set to the reason."""
        return self._query(lambda: self._index.summaries(query.strip()))

    def search(
        self,
        query: str,
        *,
        role: str | None = None,
        tool: str | None = None,
        errors_only: bool = False,
        limit: int = 50,
        wait: bool = True,
    ) -> SearchResult:
        """Full-text search over titles and message text (tool names, arguments, results and errors).

        Newest first. ``wait``: bring the full-text index up to date first (it may read every file);
        without it, search what is indexed now and say how complete that is (the TUI, while the
        background pass runs). An empty query with a filter lists what the filter keeps.
        """
        if role is not None and role not in SEARCH_ROLES:
            raise ValueError(f"role must be one of {sorted(SEARCH_ROLES)} or None, not {role!r}")

        def run() -> SearchResult:
            hits = self._index.search(query, role=role, tool=tool, errors_only=errors_only, limit=limit)
            progress = self._index.text_progress()
            return SearchResult(hits, indexed=progress.indexed, total=progress.total)

        if wait:
            self._query(lambda: None)
            self.index_all_texts()
            return self._query(run)
        try:  # the index's read connection: no need to wait for a batch of the full-text pass
            return run()
        except sqlite3.DatabaseError:
            with self._lock:
                return self._index_safely(run) or SearchResult(indexed=0, total=1)

    def scan_conversations(self) -> Iterator[ListProgress]:
        """``list_conversations()`` step by step: after each batch of files read, every row so far.

        Only new or changed files are read, newest first; the store is free between steps (a save
        from another thread goes through). The last step has ``done`` set.
        """
        steps = self._refresh_steps()
        reset = False
        while True:
            with self._lock:
                try:
                    step = next(steps, None)
                except sqlite3.DatabaseError as error:
                    if not _corrupt(error) or reset:
                        raise _index_failed(error) from error
                    reset = True
                    self._index.reset()
                    self._saved.clear()
                    steps = self._refresh_steps()
                    continue
                if step is None:
                    return
                summaries = self._index.summaries()
            yield ListProgress(summaries, *step)

    def refresh(self) -> bool:
        """Bring the index in line with the folder (one scandir); True when a row came, changed or went."""
        with self._lock:
            before = self._index_safely(self._index.file_states) or {}
            return self._query(self._index.file_states) != before

    def index_texts(self, max_files: int = 32, max_messages: int = 1500) -> TextProgress:
        """The full-text pass, one step: fully read and index the conversations whose text is not
        indexed for their current file (most recent activity first), up to ``max_files`` of them or
        about ``max_messages`` messages, in one transaction (FTS5 is much faster in big ones).

        Saves and listings wait for one step at most (~0.1-0.3 s; a very large file takes longer).
        """
        with self._lock:

            def step() -> None:
                pending = self._index.pending_texts(max_files)
                messages = 0
                with self._index.transaction():
                    for conversation_id, count in pending:
                        self._full_read(conversation_id)
                        messages += count
                        if messages >= max_messages:
                            break

            self._index_safely(step)
            return self._index_safely(self._index.text_progress) or TextProgress(0, 0)

    def index_all_texts(self, progress: Callable[[TextProgress], None] | None = None) -> TextProgress:
        """Run the full-text pass to the end (``progress`` after each step)."""
        while True:
            step = self.index_texts()
            if progress is not None:
                progress(step)
            if step.complete:
                return step

    def text_progress(self) -> TextProgress:
        try:
            return self._index.text_progress()
        except sqlite3.DatabaseError:
            with self._lock:
                return self._index_safely(self._index.text_progress) or TextProgress(0, 1)

    def totals(self) -> StoreTotals:
        return self._query(self._index.totals)

    # -- writing ----------------------------------------------------------------------------------

    def save(self, conversation: Conversation) -> None:
        """Write atomically, then update the index; raises ``DamagedConversation`` over a damaged file."""
        path = self.path_of(conversation.id)
        with self._lock:
            self._refuse_damaged(conversation.id, path)
            saved = self._saved_state(conversation.id)
            encoded = saved.encoder.encode(conversation)
            self._write(path, encoded.data)
            stat = path.stat()

            def update_index() -> bool:
                with self._index.transaction():
                    self._index.put(summarize(conversation, *_state(stat)), texts_current=True)
                    rows = [title_row(conversation), *text_rows(encoded.changed)]
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
        with self._lock:
            conversation = self.load(conversation_id)
            conversation.title = title
            conversation.title_is_custom = True
            self.save(conversation)

    def delete(self, conversation_id: str) -> str:
        """Move the file to ``trash/`` and return the token that ``restore()`` takes."""
        path = self.path_of(conversation_id)
        with self._lock:
            if not path.exists():
                raise ConversationNotFound(f"There is no conversation {conversation_id}.")
            self._refuse_damaged(conversation_id, path)
            token = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}--{conversation_id}"
            os.replace(path, self.trash_dir / f"{token}.json")
            _fsync_dir(self.trash_dir)
            _fsync_dir(self.conversations_dir)
            self._saved.pop(conversation_id, None)
            self._index_safely(lambda: self._drop(conversation_id), after_write=True)
            return token

    def restore(self, token: str) -> str:
        """Put a deleted conversation back; returns its id."""
        _, _, conversation_id = token.partition("--")
        source = self.trash_dir / f"{token}.json"
        with self._lock:
            if not _SAFE_ID.match(token) or not source.exists():
                raise ConversationNotFound(f"Nothing in the trash matches {token!r}.")
            target = self.path_of(conversation_id)
            if target.exists():
                raise StoreError(f"A conversation {conversation_id} exists already; it was not replaced.")
            os.rename(source, target)
            _fsync_dir(self.conversations_dir)
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

    # -- internals --------------------------------------------------------------------------------

    def _write(self, path: Path, data: bytes) -> None:
        temp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            raise
        _fsync_dir(path.parent)

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
        for _ in self._refresh_steps():
            pass

    def _refresh_steps(self) -> Iterator[tuple[int, int]]:
        """The refresh in steps (call each under the lock): ``(files read, files to read)`` after each
        batch, and once at the end. Files are read newest first, for their summary only (scan.py);
        their text is indexed by the full-text pass (:meth:`index_texts`)."""
        known = self._index.file_states()
        seen = scan_folder(self.conversations_dir)
        changed = newest_first(
            seen,
            [cid for cid, entry in seen.items() if known.get(cid) != entry.state and _SAFE_ID.match(cid)],
        )
        gone = known.keys() - seen.keys()
        if gone:
            with self._index.transaction():
                for conversation_id in gone:
                    self._saved.pop(conversation_id, None)
                    self._index.drop(conversation_id)
        done, size = 0, _FIRST_BATCH
        while done < len(changed):
            batch = changed[done : done + size]
            read = [self._summary_of(seen[conversation_id]) for conversation_id in batch]
            with self._index.transaction():  # one per batch: one transaction per file is slow on a cold build
                for conversation_id, (row, conversation) in zip(batch, read, strict=True):
                    self._saved.pop(conversation_id, None)
                    if row is None:
                        self._index.drop(conversation_id)
                    elif conversation is not None:
                        self._reindex(conversation, (row.mtime_ns, row.size))
                    else:
                        if row.summary.damaged:
                            self._index.drop_texts(conversation_id)
                        self._index.put(row)
            done += len(batch)
            size = _BATCH
            yield done, len(changed)
        if len(changed) > 1000:  # a (re)build: fold the big WAL into the database now, not during a save
            self._index.checkpoint()
        if not changed:
            yield 0, 0

    def _summary_of(self, entry: Entry) -> tuple[IndexRow | None, Conversation | None]:
        """The row of one file, cheaply (no model objects) when it is healthy; None when it is gone.

        A file the cheap path does not take goes through the full decode, which says what is wrong
        (or, when nothing is, gives the conversation, whose text is then indexed at once).
        """
        conversation_id = entry.conversation_id
        if entry.problem:
            return damaged_row(conversation_id, entry.problem, *entry.state), None
        try:
            raw, state = read_capped(self.path_of(conversation_id))
        except FileNotFoundError:
            return None, None
        except Unreadable as error:
            return damaged_row(conversation_id, str(error), *entry.state), None
        try:
            return quick_row(raw, conversation_id, *state), None
        except Exception:  # the full decode below finds the reason
            pass
        try:
            conversation = decode(raw, conversation_id)
        except DamagedConversation as damage:
            return damaged_row(conversation_id, damage.detail, *state), None
        except Exception as error:  # RecursionError, MemoryError…: damaged, never a crash
            return damaged_row(conversation_id, f"cannot be read: {type(error).__name__}", *state), None
        return summarize(conversation, *state), conversation

    def _full_read(self, conversation_id: str) -> None:
        """Read one file fully (the store's reading and checking) and index its row and text."""
        try:
            with self._index.transaction():  # nested in the step's: a failure is overwritten below
                self._read_into_index(conversation_id)
        except sqlite3.DatabaseError:
            raise
        except Exception as error:  # whatever the file does, it is a damaged row
            state = self._index.file_state(conversation_id)
            reason = f"cannot be read: {type(error).__name__}: {error}"[:300]
            self._put(damaged_row(conversation_id, reason, *(state[:2] if state else (0, 0))))

    def _read_into_index(self, conversation_id: str) -> None:
        try:
            with open(self.path_of(conversation_id), "rb") as file:
                raw = file.read()
                state = _state(os.fstat(file.fileno()))
        except FileNotFoundError:  # deleted since the scandir
            self._index.drop(conversation_id)
            return
        except OSError as error:  # unreadable (permissions…): listed as damaged, retried at each refresh
            self._index.drop_texts(conversation_id)
            self._index.put(damaged_row(conversation_id, f"cannot be read: {error.strerror}", 0, 0))
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
            self._index.put(summarize(conversation, *state), texts_current=True)
            self._index.drop_texts(conversation.id)
            self._index.put_texts(
                conversation.id, [title_row(conversation), *text_rows(conversation.messages())], fresh=True
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


def _corrupt(error: sqlite3.DatabaseError) -> bool:
    """Only a corrupt index is thrown away; "locked", "disk I/O error" and the like are reported."""
    return not isinstance(error, sqlite3.OperationalError) or "no such" in str(error)


def _index_failed(error: sqlite3.DatabaseError) -> StoreError:
    return StoreError(f"The conversation index failed: {error}.", hint="Try again.", detail=str(error))


def _state(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_mtime_ns, stat.st_size
