"""The trash: delete moves a conversation file to ``trash/`` under a token, restore puts it back.

Apart from saving because nothing is merged or re-encoded here: a file is only moved, under the
conversation's lock, and never when it is damaged. A mixin of ConversationStore.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreError
from tui_chat.engine.models import Conversation
from tui_chat.engine.store.files import fsync_dir
from tui_chat.engine.store.ids import SAFE_ID
from tui_chat.engine.store.locking import ConversationLocks
from tui_chat.engine.store.upkeep import IndexUpkeep, state_of
from tui_chat.i18n import _


@dataclass(frozen=True)
class TrashEntry:
    token: str
    conversation_id: str
    deleted_at: datetime


class Trash(IndexUpkeep):
    """Delete, restore and list the trash, for ConversationStore (which sets these attributes)."""

    trash_dir: Path
    _locks: ConversationLocks
    load: Callable[[str], Conversation]

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
        if not SAFE_ID.match(token) or not SAFE_ID.match(conversation_id):
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

    def _refuse_damaged(self, conversation_id: str, path: Path) -> None:
        """Raise if the file on disk is damaged: known from the index, or re-read when it changed."""
        try:
            stat = path.stat()
        except FileNotFoundError:
            return
        state = self._index_safely(lambda: self._index.file_state(conversation_id))
        if state is not None and state[:2] == state_of(stat):
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
