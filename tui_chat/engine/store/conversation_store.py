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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.models import Conversation, ConversationSummary
from tui_chat.engine.redact import redact, secret_values
from tui_chat.engine.store.files import (
    Unreadable,
    cannot_read,
    damaged,
    fsync_dir,
    private_dir,
    read_file,
    signature_of,
    write_atomically,
)
from tui_chat.engine.store.index import ConversationIndex
from tui_chat.engine.store.index_texts import TextProgress
from tui_chat.engine.store.locking import ConversationLocks
from tui_chat.engine.store.merge import Bases, ensure_unique_ids, merge_file_into
from tui_chat.engine.store.rows import IndexRow, TextRow, damaged_row, summarize, text_rows, title_row
from tui_chat.engine.store.scan import Entry, newest_first, quick_row, scan_folder
from tui_chat.engine.store.search import ListProgress, SearchResult
from tui_chat.engine.store.session_file import ConversationEncoder, decode
from tui_chat.engine.store.text_search import SearchHit
from tui_chat.engine.store.totals import StoreTotals, ToolTotals
from tui_chat.i18n import _

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
        self._unreported = False
        """A list row changed outside a refresh (the full-text pass or a load found a file gone, damaged
        or changed since the scan): the next :meth:`refresh` says so, or the open list never shows it."""

    def close(self) -> None:
        with self._lock:
            self._index.close()
            if self._index.path.parent != self.data_dir:  # the stand-in for a read-only data dir
                shutil.rmtree(self._index.path.parent, ignore_errors=True)

    # -- ids and paths ----------------------------------------------------------------------------

    def new_id(self, user_id: str) -> str:
        """``chat-<user>-<YYYYMMDD-HHMMSS>-<8 hex>``: readable, sortable, safe in every file system.

        8 hex digits, not 4: a REST server can start dozens of conversations in one second, and two
        processes picking the same id would merge two conversations into one file.
        """
        ascii_user = unicodedata.normalize("NFKD", user_id).encode("ascii", "ignore").decode()
        user = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_user).strip("-")[:40] or "local"
        while True:
            candidate = f"chat-{user}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
            if not self.path_of(candidate).exists():
                return candidate

    def path_of(self, conversation_id: str) -> Path:
        if not _SAFE_ID.match(conversation_id):
            raise StoreError(_("{id} is not a valid conversation id.").format(id=repr(conversation_id)))
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
                raise ConversationNotFound(
                    _("There is no conversation {id}.").format(id=conversation_id)
                ) from None
            except (Unreadable, DamagedConversation) as problem:
                damage = problem if isinstance(problem, DamagedConversation) else damaged(path, problem)
                state = problem.state if isinstance(problem, Unreadable) else stat
                row = damaged_row(conversation_id, damage.detail, *state)
                self._index_safely(lambda: self._put(row))
                self._unreported = True
                raise damage from None
            self._bases.remember(conversation, signature_of(status))
            state = self._index_safely(lambda: self._index.file_state(conversation_id))
            if state is None or state[:2] != stat:
                self._index_safely(lambda: self._reindex(conversation, stat))
                self._unreported = True
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
        limit: int = 20,
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
        """Bring the index in line with the folder (one scandir); True when a row came, changed or went,
        in this refresh or, since the last one, in the full-text pass or a load (not in a save)."""
        with self._lock:
            before = self._index_safely(self._index.file_states) or {}
            changed = self._query(self._index.file_states) != before or self._unreported
            self._unreported = False
            return changed

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
                    self._index.put(_hidden_title(summarize(conversation, *stat)), texts_current=True)
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
                raise ConversationNotFound(_("There is no conversation {id}.").format(id=conversation_id))
            self._refuse_damaged(conversation_id, path)
            token = f"{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(4)}--{conversation_id}"
            os.replace(path, self.trash_dir / f"{token}.json")
            fsync_dir(self.trash_dir)
            fsync_dir(self.conversations_dir)
            self._saved.pop(conversation_id, None)
            self._index_safely(lambda: self._drop(conversation_id), after_write=True)
            return token

    def restore(self, token: str) -> str:
        """Put a deleted conversation back; returns its id."""
        _stamp, _sep, conversation_id = token.partition("--")
        source = self.trash_dir / f"{token}.json"
        if not _SAFE_ID.match(token) or not _SAFE_ID.match(conversation_id):
            raise ConversationNotFound(_("Nothing in the trash matches {token}.").format(token=repr(token)))
        with self._lock, self._locks.hold(conversation_id):
            if not source.exists():
                raise ConversationNotFound(
                    _("Nothing in the trash matches {token}.").format(token=repr(token))
                )
            target = self.path_of(conversation_id)
            if target.exists():
                raise StoreError(
                    _("A conversation {id} exists already; it was not replaced.").format(id=conversation_id)
                )
            os.rename(source, target)
            fsync_dir(self.conversations_dir)
            self._query(lambda: None)  # index the restored file now
            return conversation_id

    def trash_entries(self) -> list[TrashEntry]:
        """Deleted conversations, most recently deleted first."""
        entries = []
        for path in self.trash_dir.glob("*--*.json"):
            stamp, _sep, conversation_id = path.stem.partition("--")
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
                _("The conversation file {name} is damaged ({reason}); it was not overwritten.").format(
                    name=path.name, reason=state[2]
                ),
                hint=_("Fix it by hand or move it out of the conversations folder."),
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
        """Bring the index in line with the folder: one scandir, re-reading only changed or new files.

        Every file read is fully checked (a listing names every damaged file precisely); the TUI's
        :meth:`scan_conversations` takes the cheap path instead and leaves the checks to the
        background pass."""
        for _step in self._refresh_steps(strict=True):
            pass

    def _refresh_steps(self, *, strict: bool = False) -> Iterator[tuple[int, int]]:
        """The refresh in steps (call each under the lock): ``(files read, files to read)`` after each
        batch, and once at the end. Files are read newest first, for their summary only (scan.py, or
        the full decode when ``strict``); the text is indexed by the full-text pass (:meth:`index_texts`)."""
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
            read = [self._summary_of(seen[conversation_id], strict=strict) for conversation_id in batch]
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

    def _summary_of(self, entry: Entry, *, strict: bool) -> tuple[IndexRow | None, Conversation | None]:
        """The row of one file, cheaply (no model objects) when it is healthy; None when it is gone.

        A file the cheap path does not take goes through the full decode, which says what is wrong
        (or, when nothing is, gives the conversation, whose text is then indexed at once).
        """
        conversation_id = entry.conversation_id
        try:
            raw, status = read_file(self.path_of(conversation_id))  # the store's safe read
        except FileNotFoundError:
            return None, None
        except Unreadable as problem:
            return damaged_row(conversation_id, problem.reason, *entry.state), None
        state = _state(status)
        if not strict:
            try:
                return _hidden_title(quick_row(raw, conversation_id, *state)), None
            except Exception:  # the full decode below finds the reason
                pass
        try:
            conversation = decode(raw, conversation_id)
        except DamagedConversation as damage:
            return damaged_row(conversation_id, damage.detail, *state), None
        except Exception as error:  # RecursionError, MemoryError…: damaged, never a crash
            return damaged_row(conversation_id, cannot_read(type(error).__name__), *state), None
        row = _hidden_title(summarize(conversation, *state))
        return row, (None if strict else conversation)  # strict: the text waits for the full-text pass

    def _full_read(self, conversation_id: str) -> None:
        """Read one file fully (the store's reading and checking) and index its row and text."""
        try:
            with self._index.transaction():  # nested in the step's: a failure is overwritten below
                self._read_into_index(conversation_id)
        except sqlite3.DatabaseError:
            raise
        except Exception as error:  # whatever the file does, it is a damaged row
            state = self._index.file_state(conversation_id)
            reason = cannot_read(f"{type(error).__name__}: {error}"[:300])
            self._put(damaged_row(conversation_id, reason, *(state[:2] if state else (0, 0))))
            self._unreported = True

    def _read_into_index(self, conversation_id: str) -> None:
        """The full-text pass's read; a row it changes (gone, damaged, changed since the scan) is one
        the open list has not shown, so it is reported by the next :meth:`refresh`."""
        known = self._index.file_state(conversation_id)
        try:
            raw, status = read_file(self.path_of(conversation_id))
            state = _state(status)
        except FileNotFoundError:  # deleted since the scandir
            self._index.drop(conversation_id)
            self._unreported = True
            return
        except Unreadable as problem:  # not a regular file, too big, no permission: listed as damaged
            self._index.drop_texts(conversation_id)
            self._index.put(damaged_row(conversation_id, problem.reason, *problem.state))
            self._unreported = True
            return
        try:
            conversation = decode(raw, conversation_id)
        except DamagedConversation as damage:
            self._index.drop_texts(conversation_id)
            self._index.put(damaged_row(conversation_id, damage.detail, *state))
            self._unreported = True
            return
        self._reindex(conversation, state)
        if known is None or known[:2] != state or known[2] is not None:
            self._unreported = True

    def _reindex(self, conversation: Conversation, state: tuple[int, int]) -> None:
        self._saved.pop(conversation.id, None)
        with self._index.transaction():
            self._index.put(_hidden_title(summarize(conversation, *state)), texts_current=True)
            self._index.drop_texts(conversation.id)
            self._index.put_texts(
                conversation.id,
                _redacted([title_row(conversation), *text_rows(conversation.messages())]),
                fresh=True,
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
    return [dataclasses.replace(r, text=redact(r.text, secrets)) for r in rows]  # keeps tools / error


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
    return StoreError(
        _("The conversation index failed: {error}.").format(error=error),
        hint=_("Try again."),
        detail=str(error),
    )


def _state(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_mtime_ns, stat.st_size
