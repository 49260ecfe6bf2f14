"""Small text helpers shared by the widgets: literal text, relative times, short call previews."""

from __future__ import annotations

import json
from datetime import datetime

# The one rule for control characters (ESC shown as ␛, BiDi overrides named), shared with the CLI.
from tui_chat.engine.terminal_text import visible as visible


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    line = " ".join(visible(text).split())
    return line if len(line) <= limit else line[: max(0, limit - 1)] + "…"


def relative_time(moment: datetime, now: datetime) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago``, then the date."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h ago"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d ago"
    return moment.strftime("%Y-%m-%d")


def arguments_preview(arguments: str, limit: int = 60) -> str:
    """A one-line preview of a call's JSON arguments: ``query="x", limit=3``."""
    try:
        data = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return one_line(arguments, limit)
    if isinstance(data, dict):
        text = ", ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in data.items())
    else:
        text = json.dumps(data, ensure_ascii=False)
    return one_line(text, limit)


def pretty_json(text_or_value: object) -> str:
    """Indented JSON for a JSON string or a value; anything unparsable is returned as it is."""
    value = text_or_value
    if isinstance(text_or_value, str):
        try:
            value = json.loads(text_or_value or "{}")
        except json.JSONDecodeError:
            return visible(text_or_value)
    try:
        return visible(json.dumps(value, indent=2, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return visible(repr(value))


def format_duration(milliseconds: float | None) -> str:
    """``842 ms`` under a second, ``1.2 s`` from one; ``–`` when not known."""
    if milliseconds is None:
        return "–"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.1f} s"


def running_status(names: list[str], limit: int = 60) -> str:
    """``running hang…`` for the calls still running (names repeated once), ``""`` when none are."""
    unique = list(dict.fromkeys(names))
    if not unique:
        return ""
    return f"running {one_line(', '.join(unique), limit)}…"
