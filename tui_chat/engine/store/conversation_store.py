"""ConversationStore: one JSON file per conversation (the source of truth) plus a derived SQLite index.

Writes are crash-safe (temp file, fsync, ``os.replace``, fsync of the folder); a damaged file is
never overwritten, moved or deleted. The index is a cache: it is rebuilt when missing or corrupt and
kept fresh by one ``os.scandir`` that re-reads only files whose ``(mtime_ns, size)`` changed.
Every public method is safe to call from any thread.

This module holds the store's state, its ids and its reading (load, list, search, the text pass);
saving is in ``saving.py``, the trash in ``trash.py``, the index's upkeep in ``upkeep.py``.
"""

from __future__ import annotations

import re
import secrets
import shutil
import sqlite3
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.models import Conversation, ConversationSummary
from tui_chat.engine.store.files import (
    Unreadable,
    damaged,
    private_dir,
    read_file,
    signature_of,
)
from tui_chat.engine.store.ids import SAFE_ID
from tui_chat.engine.store.index_texts import TextProgress
from tui_chat.engine.store.locking import ConversationLocks
from tui_chat.engine.store.merge import Bases
from tui_chat.engine.store.rows import damaged_row
from tui_chat.engine.store.saving import Saving
from tui_chat.engine.store.search import ListProgress, SearchResult
from tui_chat.engine.store.session_file import decode
from tui_chat.engine.store.text_search import SearchHit
from tui_chat.engine.store.totals import StoreTotals, ToolTotals
from tui_chat.engine.store.trash import Trash, TrashEntry
from tui_chat.engine.store.upkeep import SaveState, index_failed, is_corrupt, open_index, state_of
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


class ConversationStore(Saving, Trash):
    def __init__(self, data_dir: Path):
        self.data_dir = private_dir(Path(data_dir))
        self.conversations_dir = private_dir(self.data_dir / "conversations")
        self.trash_dir = private_dir(self.data_dir / "trash")
        self._lock = threading.RLock()
        self._locks = ConversationLocks(private_dir(self.data_dir / "locks"))
        self._bases = Bases()
        self._index = open_index(self.data_dir)
        self._saved: OrderedDict[str, SaveState] = OrderedDict()
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
        if not SAFE_ID.match(conversation_id):
            raise StoreError(_("{id} is not a valid conversation id.").format(id=repr(conversation_id)))
        return self.conversations_dir / f"{conversation_id}.json"

    # -- reading ----------------------------------------------------------------------------------

    def load(self, conversation_id: str) -> Conversation:
        path = self.path_of(conversation_id)
        with self._lock:
            try:
                raw, status = read_file(path)
                stat = state_of(status)
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
                    if not is_corrupt(error) or reset:
                        raise index_failed(error) from error
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
