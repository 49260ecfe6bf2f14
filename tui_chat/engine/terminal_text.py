"""Text that is safe to show in a terminal: the one rule for control characters.

Model replies, tool results, titles and provider error texts are untrusted: an ESC starts a CSI, OSC
(title set, OSC 52 clipboard write) or DCS sequence, a C1 control (U+0080–U+009F) does the same on
terminals that honour 8-bit controls, and a BiDi override reorders what the reader sees. Everything
human-readable — the TUI (``ui.formatting.visible``) and every CLI output — goes through
:func:`visible`; JSON output goes through :func:`json_text` / :func:`escape_json`.

The rule:

* C0 controls except tab and newline, and DEL, become their Control Pictures symbol (ESC → ``␛``,
  CR → ``␍``, DEL → ``␡``), so ``ESC [2J`` reads ``␛[2J``;
* C1 controls become ``\\u009b``-style escapes (which also keeps JSON text valid, should any pass);
* BiDi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the marks (U+200E,
  U+200F, U+061C) become ``<U+202E>``;
* lone surrogates (from JSON ``"\\ud83d"``), which no terminal or file can encode, become ``\\ud83d``.

Translating one character at a time keeps the rule correct on streamed text cut anywhere: an ESC at
the end of one delta is shown whatever the next delta starts with.
"""

from __future__ import annotations

import json
import re
from typing import Any, TextIO

_BIDI = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))

_TABLE: dict[int, str] = {code: chr(0x2400 + code) for code in range(32) if code not in (9, 10)}
_TABLE[0x7F] = "\u2421"
_TABLE.update({code: f"\\u{code:04x}" for code in range(0x80, 0xA0)})
_TABLE.update({code: f"<U+{code:04X}>" for code in _BIDI})

_SURROGATE = re.compile("[\ud800-\udfff]")

_JSON_UNSAFE = re.compile(
    "[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\u2028\u2029]"
)


def visible(text: str) -> str:
    """``text`` with every control character, BiDi control and lone surrogate shown, never acted upon."""
    shown = text.translate(_TABLE)
    if _SURROGATE.search(shown):
        shown = _SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", shown)
    return shown


def escape_json(encoded: str) -> str:
    """JSON text with C1 controls, DEL, BiDi controls and lone surrogates written as ``\\uXXXX``.

    ``json.dumps(ensure_ascii=False)`` escapes only U+0000–U+001F; every character this adds can only
    occur inside a JSON string, where its ``\\u`` escape means the same character.
    """
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", encoded)


def json_text(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as JSON that is readable (non-ASCII letters kept) and safe to print."""
    return escape_json(json.dumps(value, indent=indent, ensure_ascii=False))


class VisibleStream:
    """A text stream that writes everything through :func:`visible` (for a command's stdout/stderr).

    Used around the headless commands, so no code path — an error message, a tool's name, a title —
    can put a raw control byte on the terminal. JSON output is escaped first, so it passes unchanged.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
