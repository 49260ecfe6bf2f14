"""One conversation file: its on-disk layout, fast re-encoding, and why a file cannot be read.

Layout: the envelope is indented JSON; each session holds its messages one per line (compact JSON).
The stdlib encoder is ~4x slower with ``indent`` (it falls back to pure Python), and one message per
line keeps files readable, greppable and diffable. See docs/session-format.md.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.errors import DamagedConversation
from tui_chat.engine.models import FORMAT_VERSION, Conversation, Message
from tui_chat.engine.store.session_check import SchemaMismatch, check_conversation

TAIL = 16
"""The last messages are always re-encoded: they are the ones a turn is still changing."""

_SECRET_PARAM = re.compile(r"api[_-]?key|authorization|secret|password|access[_-]?token", re.IGNORECASE)


def _scrub(data: dict[str, Any]) -> dict[str, Any]:
    """Drop credential-looking request params: files are shared and backed up, keys must never land there."""
    request = data.get("request")
    if request and any(_SECRET_PARAM.search(key) for key in request.get("params", {})):
        params = {key: value for key, value in request["params"].items() if not _SECRET_PARAM.search(key)}
        data["request"] = {**request, "params": params}
    return data


@dataclass
class _Fragment:
    message: Message
    snapshot: dict[str, Any]
    text: str


@dataclass
class Encoded:
    data: bytes
    changed: list[Message]
    """Messages whose JSON is new or differs from the previous save (all of them on a first save)."""
    removed: set[str]
    """Ids of messages present at the previous save and gone now."""


class ConversationEncoder:
    """Encodes one conversation again and again, re-using the JSON of messages that did not change.

    A message older than the last ``TAIL`` is re-used when it is the same object with the same
    attribute values as when it was encoded; mutating a nested value of an *old* message in place
    (``old.usage.cost = …``) is not seen: replace the attribute instead (``old.usage = Usage(…)``).
    """

    def __init__(self) -> None:
        self.fragments: dict[str, _Fragment] = {}
        self.ensure_ascii = False

    def encode(self, conversation: Conversation) -> Encoded:
        try:
            return self._encode(conversation)
        except UnicodeEncodeError:  # A lone surrogate (from a tool result, say): escape everything.
            self.fragments.clear()
            self.ensure_ascii = True
            return self._encode(conversation)

    def _encode(self, conversation: Conversation) -> Encoded:
        dumps, ascii_ = json.dumps, self.ensure_ascii
        head = dataclasses.replace(conversation, sessions=[]).to_dict()
        del head["sessions"]
        parts = [dumps(head, indent=2, ensure_ascii=ascii_)[:-2], ',\n  "sessions": [']
        old, fresh = self.fragments, {}
        changed: list[Message] = []
        position, tail_from = 0, conversation.message_count() - TAIL
        for number, session in enumerate(conversation.sessions):
            session_head = dumps(dataclasses.replace(session, messages=[]).to_dict(), ensure_ascii=ascii_)
            parts.append(("\n    " if number == 0 else ",\n    ") + session_head[:-3] + "[")
            separator = "\n      "
            for message in session.messages:
                cached = old.get(message.id)
                if (
                    cached is None
                    or position >= tail_from
                    or cached.message is not message
                    or vars(message) != cached.snapshot
                ):
                    text = dumps(_scrub(message.to_dict()), ensure_ascii=ascii_)
                    if cached is None or cached.text != text:
                        changed.append(message)
                    cached = _Fragment(message, dict(vars(message)), text)
                fresh[message.id] = cached
                parts += (separator, cached.text)
                separator = ",\n      "
                position += 1
            parts.append("\n    ]}" if session.messages else "]}")
        parts.append("\n  ]\n}\n")
        data = "".join(parts).encode("utf-8")
        removed = old.keys() - fresh.keys()
        self.fragments = fresh
        return Encoded(data, changed, removed)


def decode(raw: bytes, conversation_id: str) -> Conversation:
    """Parse and check one file; raise ``DamagedConversation`` whose ``detail`` is the precise reason."""
    try:
        return _decode(raw, conversation_id)
    except _Damage as damage:
        raise DamagedConversation(
            f"The conversation file {conversation_id}.json cannot be opened: {damage}.",
            hint="It is left untouched; fix it by hand or move it out of the conversations folder.",
            detail=str(damage),
        ) from None


class _Damage(Exception):
    pass


def _decode(raw: bytes, conversation_id: str) -> Conversation:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Damage(f"not UTF-8 text (byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise _Damage(f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}") from None
    if not isinstance(data, dict):
        raise _Damage("not a JSON object")
    version = data.get("format_version")
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        raise _Damage(
            f"written by a newer tui-chat (format_version {version}; "
            f"this version reads up to {FORMAT_VERSION})"
        )
    try:
        check_conversation(data)
    except SchemaMismatch as error:
        raise _Damage(f"schema mismatch at {error}" if error.path else f"schema mismatch: {error}") from None
    if data["id"] != conversation_id:
        raise _Damage(f"its id {data['id']!r} does not match the file name")
    try:
        return Conversation.from_dict(data)
    except (KeyError, TypeError, ValueError) as error:  # e.g. a date the pattern let through
        raise _Damage(f"unreadable value: {type(error).__name__}: {error}") from None
