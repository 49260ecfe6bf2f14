"""Saving a conversation: under its cross-process lock, merged with what another process saved, then
written atomically and indexed; and noticing, cheaply, what another process saved.

Apart from reading because a save is where two writers meet (the lock, the merge by message id, the
encoder that re-uses unchanged messages' JSON). A mixin of ConversationStore.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from tui_chat.engine.models import Conversation
from tui_chat.engine.store.files import signature_of, write_atomically
from tui_chat.engine.store.locking import ConversationLocks
from tui_chat.engine.store.merge import Bases, ensure_unique_ids, merge_file_into
from tui_chat.engine.store.rows import summarize, text_rows, title_row
from tui_chat.engine.store.upkeep import IndexUpkeep, hidden_title, redacted, state_of


class Saving(IndexUpkeep):
    """Save, rename and change detection, for ConversationStore (which sets these attributes)."""

    _locks: ConversationLocks
    _bases: Bases
    load: Callable[[str], Conversation]

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
            stat = state_of(status)
            self._bases.remember(conversation, signature_of(status))

            def update_index() -> bool:
                with self._index.transaction():
                    self._index.put(hidden_title(summarize(conversation, *stat)), texts_current=True)
                    rows = redacted([title_row(conversation), *text_rows(encoded.changed)])
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

    def _write(self, path: Path, data: bytes) -> None:
        write_atomically(path, data)
