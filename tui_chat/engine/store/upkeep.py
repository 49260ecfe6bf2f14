"""Keeping the derived index in line with the folder: the scandir refresh in batches, the full-text
pass's reads, and a corrupt index thrown away and rebuilt (never a reason to fail a read).

Apart from ConversationStore's public reading and writing because this is the cache's upkeep: the
files stay the truth, and every method here only brings the index (and the per-conversation save
state) up to what they say. A mixin: ConversationStore holds the state named below.
"""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from tui_chat.engine.errors import DamagedConversation, StoreError
from tui_chat.engine.models import Conversation
from tui_chat.engine.redact import redact, secret_values
from tui_chat.engine.store.files import Unreadable, cannot_read, read_file
from tui_chat.engine.store.ids import SAFE_ID
from tui_chat.engine.store.index import ConversationIndex
from tui_chat.engine.store.rows import IndexRow, TextRow, damaged_row, summarize, text_rows, title_row
from tui_chat.engine.store.scan import Entry, newest_first, quick_row, scan_folder
from tui_chat.engine.store.session_file import ConversationEncoder, decode
from tui_chat.i18n import _

_CACHED_CONVERSATIONS = 16
_FIRST_BATCH, _BATCH = 50, 250
"""Files read per step of a cold listing: a small first batch so the first rows show at once."""
_T = TypeVar("_T")


@dataclass
class SaveState:
    """What this process last wrote for one conversation, so the next save only redoes what changed."""

    encoder: ConversationEncoder = field(default_factory=ConversationEncoder)
    digests: dict[str, int] = field(default_factory=dict)
    """Message id (``""`` for the title) → digest of the text in the search index."""


class IndexUpkeep:
    """The index's upkeep, for ConversationStore (which sets these attributes)."""

    conversations_dir: Path
    _lock: threading.RLock
    _index: ConversationIndex
    _saved: OrderedDict[str, SaveState]
    _unreported: bool
    path_of: Callable[[str], Path]

    def _saved_state(self, conversation_id: str) -> SaveState:
        saved = self._saved.pop(conversation_id, None)
        if saved is None:
            saved = SaveState(digests=self._index_safely(lambda: self._index.digests(conversation_id)) or {})
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
            [cid for cid, entry in seen.items() if known.get(cid) != entry.state and SAFE_ID.match(cid)],
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
        state = state_of(status)
        if not strict:
            try:
                return hidden_title(quick_row(raw, conversation_id, *state)), None
            except Exception:  # the full decode below finds the reason
                pass
        try:
            conversation = decode(raw, conversation_id)
        except DamagedConversation as damage:
            return damaged_row(conversation_id, damage.detail, *state), None
        except Exception as error:  # RecursionError, MemoryError…: damaged, never a crash
            return damaged_row(conversation_id, cannot_read(type(error).__name__), *state), None
        row = hidden_title(summarize(conversation, *state))
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
            state = state_of(status)
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
            self._index.put(hidden_title(summarize(conversation, *state)), texts_current=True)
            self._index.drop_texts(conversation.id)
            self._index.put_texts(
                conversation.id,
                redacted([title_row(conversation), *text_rows(conversation.messages())]),
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
                if not is_corrupt(error):
                    raise index_failed(error) from error
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
            if is_corrupt(error):
                self._index.reset()
                self._saved.clear()
            elif not after_write:
                raise index_failed(error) from error
            return None


def redacted(rows: list[TextRow]) -> list[TextRow]:
    """The searchable text without the API keys in use (the index, and its WAL, are files too)."""
    secrets = secret_values()
    if not secrets:
        return rows
    return [dataclasses.replace(r, text=redact(r.text, secrets)) for r in rows]  # keeps tools / error


def hidden_title(row: IndexRow) -> IndexRow:
    """The list row without an API key a title may hold (the first message is the title)."""
    title = redact(row.summary.title)
    if title == row.summary.title:
        return row
    return dataclasses.replace(row, summary=dataclasses.replace(row.summary, title=title))


def open_index(data_dir: Path) -> ConversationIndex:
    """The index in the data dir; when that is not writable (a read-only disk, say), a private one in
    a temp folder, so listing, search and show still work while saves report why they fail."""
    try:
        return ConversationIndex(data_dir / "index.sqlite3")
    except (sqlite3.Error, OSError):
        folder = Path(tempfile.mkdtemp(prefix="tui-chat-index-"))  # 0700
        return ConversationIndex(folder / "index.sqlite3")


def is_corrupt(error: sqlite3.DatabaseError) -> bool:
    """Only a corrupt index is thrown away; "locked", "disk I/O error" and the like are reported."""
    return not isinstance(error, sqlite3.OperationalError) or "no such" in str(error)


def index_failed(error: sqlite3.DatabaseError) -> StoreError:
    return StoreError(
        _("The conversation index failed: {error}.").format(error=error),
        hint=_("Try again."),
        detail=str(error),
    )


def state_of(stat: os.stat_result) -> tuple[int, int]:
    return stat.st_mtime_ns, stat.st_size
