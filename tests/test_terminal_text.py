"""The one rule for control characters in human-readable output, and the JSON escaping."""

from __future__ import annotations

import io
import json

from tui_chat.engine.terminal_text import VisibleStream, escape_json, json_text, visible
from tui_chat.ui import formatting

INJECTION = (
    "\x1b[2J\x1b]0;pwned\x07\x1b]52;c;SGVsbG8=\x1b\\\x1bP1$qm\x1b\\"  # CSI, OSC title, OSC 52, DCS
    "\x9b31m\x9d8;;http://x\x9c"  # C1 CSI / OSC / ST
    "\u202eevil\u202c\u2066iso\u2069\r\x08\x7f\x00"  # BiDi override and isolate, CR, BS, DEL, NUL
)


def raw_controls(text: str) -> list[str]:
    """Every character a terminal would act on (tab and newline are fine)."""
    bidi = {0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
    return [
        ch for ch in text if (ord(ch) < 32 and ch not in "\t\n") or 0x7F <= ord(ch) <= 0x9F or ord(ch) in bidi
    ]


def test_visible_shows_every_sequence_and_keeps_tabs_and_newlines() -> None:
    shown = visible(INJECTION + "\tok\n")
    assert raw_controls(shown) == []
    assert shown.startswith("␛[2J␛]0;pwned␇␛]52;c;")
    assert "\\u009b31m" in shown and "<U+202E>evil<U+202C>" in shown and "<U+2066>" in shown
    assert shown.endswith("␍␈␡␀\tok\n")


def test_visible_is_split_safe_and_the_ui_uses_the_same_rule() -> None:
    pieces = ["hello \x1b", "[2J world"]
    assert "".join(visible(piece) for piece in pieces) == visible("".join(pieces)) == "hello ␛[2J world"
    assert formatting.visible is visible


def test_lone_surrogates_become_printable() -> None:
    shown = visible("a\ud83db")
    assert shown == "a\\ud83db"
    shown.encode("utf-8")


def test_json_escapes_c1_bidi_and_surrogates_but_keeps_letters() -> None:
    value = {"text": INJECTION + "ñ 日本 \ud83d"}
    encoded = json_text(value)
    assert raw_controls(encoded) == []
    encoded.encode("utf-8")
    assert "ñ 日本" in encoded and "\\u009b" in encoded and "\\u202e" in encoded
    assert json.loads(encoded) == value
    assert escape_json(json.dumps(value, ensure_ascii=False)) == json_text(value, indent=None)


def test_visible_stream_filters_every_write() -> None:
    target = io.StringIO()
    stream = VisibleStream(target)
    stream.write("\x1b[31mred")
    stream.writelines(["\x9b", "\n"])
    stream.flush()
    assert target.getvalue() == "␛[31mred\\u009b\n"


def test_visible_keeps_json_valid_when_a_command_prints_json_through_the_stream() -> None:
    value = {"text": INJECTION + "\ud83d"}
    raw = json.dumps(value, ensure_ascii=False)  # a command that forgot json_text
    assert json.loads(visible(raw))["text"].startswith("\x1b[2J")
