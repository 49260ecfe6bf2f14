"""Why a conversation file cannot be read, in the language it is shown in.

A reason is made once, when the file is read, and shown later: the index keeps it across processes
and runs (a CLI in English may have listed the file before the TUI in Spanish), and the settings
switch the language live. So a :class:`Reason` is a ``str`` — the text in the language current when
it was made, what every caller already uses — that also keeps its English message and fields. The
index stores those (:func:`encode`) and :func:`shown` renders them again in today's language.
"""

from __future__ import annotations

import json
from typing import Any

from tui_chat.i18n import _

_MARK = '{"reason":'
"""How an encoded reason starts in the index (a plain text reason never does)."""


def _render(msgid: str, fields: dict[str, Any]) -> str:
    if not fields:  # not a format string (the JSON parser's "expected `,` or `}`")
        return _(msgid)
    values = {key: (value.again() if isinstance(value, Reason) else value) for key, value in fields.items()}
    try:
        return _(msgid).format(**values)
    except (KeyError, IndexError, ValueError):  # a catalog entry with a broken placeholder: say it in English
        return msgid.format(**values)


class Reason(str):
    """A damage reason: ``Reason(N_("too large ({size} bytes)"), size=…)`` — translated now, and again later.

    Field values are plain data (numbers, names, file text) or other reasons (a part that has its own
    message, like the kind of file that is not a regular one).
    """

    msgid: str
    fields: dict[str, Any]

    def __new__(cls, msgid: str, **fields: Any) -> Reason:
        self = super().__new__(cls, _render(msgid, fields))
        self.msgid, self.fields = msgid, fields
        return self

    def again(self) -> str:
        """The text in the current language."""
        return _render(self.msgid, self.fields)

    def tree(self) -> dict[str, Any]:
        fields = {
            key: value.tree() if isinstance(value, Reason) else value for key, value in self.fields.items()
        }
        return {"reason": self.msgid, "fields": fields}

    @classmethod
    def from_tree(cls, tree: dict[str, Any]) -> Reason:
        fields = {
            key: cls.from_tree(value) if isinstance(value, dict) else value
            for key, value in tree.get("fields", {}).items()
        }
        return cls(str(tree["reason"]), **fields)


def encode(reason: str) -> str:
    """What the index stores: a :class:`Reason`'s message and fields, or a plain text as it is."""
    if isinstance(reason, Reason):
        return json.dumps(reason.tree(), ensure_ascii=False, default=str)
    return reason


def decode(stored: str) -> str:
    """The reason the index stored, as a :class:`Reason` when it is one (else the text as it is)."""
    if stored.startswith(_MARK):
        try:
            return Reason.from_tree(json.loads(stored))
        except (ValueError, TypeError, KeyError, AttributeError):
            return stored
    return stored


def shown(reason: str | None) -> str | None:
    """``reason`` in the current language (a plain text as it is)."""
    if isinstance(reason, Reason):
        text = reason.again()
        return reason if text == reason else Reason(reason.msgid, **reason.fields)
    return reason
