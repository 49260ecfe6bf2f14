"""Merging what another process saved into the conversation this process is about to save.

Messages are append-only and carry unique ids, so the merge is by id: a message only on disk is
inserted after the message that precedes it there; one on both sides keeps the more complete
version (a finished reply beats a partial or interrupted one, then the longer one; a tie keeps
ours). Sessions merge the same way. Title, context and model merge three ways against ``Base`` —
what this process last read or wrote — so a change made on one side only is never undone.
A session only on disk goes right after the session before it there, and sessions are never
re-sorted, so our last session (the one a running turn writes to) stays the current one.
"""

from __future__ import annotations

import copy
import os
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_chat.engine.errors import StoreError
from tui_chat.engine.models import AssistantMessage, Conversation, Message, Session, ToolMessage
from tui_chat.engine.store.files import Unreadable, cannot_read, damaged, read_file, signature_of
from tui_chat.engine.store.session_file import decode
from tui_chat.i18n import _


@dataclass(frozen=True)
class Base:
    """What a conversation object looked like when it last matched its file."""

    signature: tuple[int, int, int]
    title: str = ""
    title_is_custom: bool = False
    model: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, conversation: Conversation, signature: tuple[int, int, int]) -> Base:
        return cls(
            signature,
            conversation.title,
            conversation.title_is_custom,
            conversation.model,
            copy.deepcopy(conversation.context),
        )


class Bases:
    """The ``Base`` of each live conversation object of this process (several may share one id)."""

    def __init__(self) -> None:
        self._bases: dict[int, tuple[weakref.ref[Conversation], Base]] = {}

    def get(self, conversation: Conversation) -> Base | None:
        entry = self._bases.get(id(conversation))
        if entry is None or entry[0]() is not conversation:
            return None
        return entry[1]

    def remember(self, conversation: Conversation, signature: tuple[int, int, int]) -> None:
        if len(self._bases) > 256:
            self._bases = {key: entry for key, entry in self._bases.items() if entry[0]() is not None}
        self._bases[id(conversation)] = (weakref.ref(conversation), Base.of(conversation, signature))


def merge_file_into(conversation: Conversation, path: Path, bases: Bases) -> bool:
    """Merge the file into ``conversation`` when it changed since this object last matched it."""
    base = bases.get(conversation)
    try:
        if base is not None and base.signature == signature_of(os.stat(path)):
            return False
        raw, status = read_file(path)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise damaged(path, Unreadable(cannot_read(error))) from None
    except Unreadable as problem:
        raise damaged(path, problem) from None
    disk = decode(raw, conversation.id)  # raises DamagedConversation: a damaged file is never replaced
    changed = merge_into(conversation, disk, base)
    bases.remember(conversation, signature_of(status))
    return changed


def completeness(message: Message) -> tuple:
    """Orders two versions of one message: the greater is kept."""
    if isinstance(message, AssistantMessage):
        finished = not (message.partial or message.interrupted)
        return (finished, message.error is not None, len(message.content), len(message.tool_calls))
    if isinstance(message, ToolMessage):
        return (True, message.error is not None, len(message.content), len(message.output))
    return (True, False, len(message.content), 0)


def ensure_unique_ids(conversation: Conversation) -> None:
    seen: set[str] = set()
    for message in conversation.messages():
        if message.id in seen:
            raise StoreError(
                _("The conversation {id} holds the message id {message_id} twice; it was not saved.").format(
                    id=conversation.id, message_id=repr(message.id)
                ),
                detail=_("duplicate message id"),
            )
        seen.add(message.id)


def merge_into(ours: Conversation, disk: Conversation, base: Base | None) -> bool:
    """Bring what only ``disk`` has into ``ours``, in place; True when ``ours`` changed."""
    changed = _merge_sessions(ours, disk)
    changed |= _merge_header(ours, disk, base)
    return changed


def _merge_sessions(ours: Conversation, disk: Conversation) -> bool:
    changed = False
    sessions = {session.id: session for session in ours.sessions}
    located: dict[str, tuple[Session, int]] = {
        message.id: (session, position)
        for session in ours.sessions
        for position, message in enumerate(session.messages)
    }
    previous: Session | None = None
    for theirs in disk.sessions:
        mine = sessions.get(theirs.id)
        if mine is None:
            mine = Session(id=theirs.id, started_at=theirs.started_at, reason=theirs.reason)
            ours.sessions.insert(ours.sessions.index(previous) + 1 if previous else 0, mine)
            sessions[mine.id] = mine
            changed = True
        previous = mine
        # Each message only on disk goes after the nearest message before it on disk that we have too.
        anchor: str | None = None
        inserts: dict[str | None, list[Message]] = {}
        for message in theirs.messages:
            found = located.get(message.id)
            if found is None:
                inserts.setdefault(anchor, []).append(message)
                continue
            session, position = found
            if completeness(message) > completeness(session.messages[position]):
                session.messages[position] = message
                changed = True
            if session is mine:
                anchor = message.id
        if inserts:
            merged = list(inserts.get(None, ()))
            for message in mine.messages:
                merged.append(message)
                merged += inserts.get(message.id, ())
            mine.messages[:] = merged  # the same list object: a running turn may hold it
            changed = True
    # No re-sorting: the last session is the one a running turn appends to, and it must stay last.
    return changed


def _merge_header(ours: Conversation, disk: Conversation, base: Base | None) -> bool:
    changed = False
    if disk.last_activity > ours.last_activity:
        ours.last_activity = disk.last_activity
        changed = True
    if base is None:
        take_title = disk.title_is_custom and not ours.title_is_custom
        take_model = False
    else:
        mine_changed = (ours.title, ours.title_is_custom) != (base.title, base.title_is_custom)
        theirs_changed = (disk.title, disk.title_is_custom) != (base.title, base.title_is_custom)
        take_title = theirs_changed and not mine_changed
        take_model = ours.model == base.model and disk.model != base.model
    if take_title and (ours.title, ours.title_is_custom) != (disk.title, disk.title_is_custom):
        ours.title, ours.title_is_custom = disk.title, disk.title_is_custom
        changed = True
    if not ours.title and disk.title:
        ours.title = disk.title
        changed = True
    if take_model:
        ours.model = disk.model
        changed = True
    before = base.context if base is not None else {}
    for key, value in disk.context.items():
        if key not in ours.context:
            if key not in before:  # added there
                ours.context[key] = value
                changed = True
        elif ours.context[key] == before.get(key, _MISSING) and value != ours.context[key]:
            ours.context[key] = value  # changed there only
            changed = True
    for key in list(ours.context):
        if key not in disk.context and key in before and ours.context[key] == before[key]:
            del ours.context[key]  # removed there, unchanged here
            changed = True
    for digest, definitions in disk.tool_definitions.items():
        if digest not in ours.tool_definitions:
            ours.tool_definitions[digest] = definitions
            changed = True
    if ours.forked_from is None and disk.forked_from is not None:
        ours.forked_from = disk.forked_from
        changed = True
    return changed


_MISSING = object()
