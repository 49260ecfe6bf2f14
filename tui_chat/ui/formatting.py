"""Small text helpers shared by the widgets: literal text, relative times, short call previews."""

from __future__ import annotations

import json
from datetime import datetime

# The one rule for control characters (ESC shown as ␛, BiDi overrides named), shared with the CLI.
from tui_chat.engine.terminal_text import visible as visible
from tui_chat.i18n import _, current_language

GROUPING = {"es": "\u00a0"}
"""The thousands separator of a language when not a comma (Spanish: a space, as the RAE recommends,
so "2.345" is never read as a decimal); numbers of four digits are not grouped in Spanish."""


def count_text(number: int) -> str:
    """``12,345`` in English, ``12 345`` in Spanish."""
    separator = GROUPING.get(current_language())
    if separator is None:
        return f"{number:,}"
    if abs(number) < 10_000:
        return str(number)
    return f"{number:,}".replace(",", separator)


def one_line(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    line = " ".join(visible(text).split())
    return line if len(line) <= limit else line[: max(0, limit - 1)] + "…"


def relative_time(moment: datetime, now: datetime) -> str:
    """``just now``, ``5m ago``, ``3h ago``, ``2d ago``, then the date."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("{n}m ago").format(n=int(seconds // 60))
    if seconds < 86400:
        return _("{n}h ago").format(n=int(seconds // 3600))
    if seconds < 7 * 86400:
        return _("{n}d ago").format(n=int(seconds // 86400))
    return moment.strftime("%Y-%m-%d")


def message_time(moment: datetime, now: datetime) -> str:
    """When a message was written, as people say it: ``just now``, ``2 min ago``, ``3 h ago``,
    ``yesterday 14:02``, then the date and time (local time)."""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return _("just now")
    if seconds < 3600:
        return _("{n} min ago").format(n=int(seconds // 60))
    if seconds < 12 * 3600:
        return _("{n} h ago").format(n=int(seconds // 3600))
    local, today = moment.astimezone(), now.astimezone()
    days = (today.date() - local.date()).days
    if days == 0:
        return _("today {time}").format(time=f"{local:%H:%M}")
    if days == 1:
        return _("yesterday {time}").format(time=f"{local:%H:%M}")
    return f"{local:%Y-%m-%d %H:%M}"


def absolute_time(moment: datetime) -> str:
    """The exact local time of a message, shown while it has focus."""
    return f"{moment.astimezone():%Y-%m-%d %H:%M:%S}"


def format_gap(seconds: float) -> str:
    """A pause between two messages: ``25 min``, ``3 h 12 min``, ``2 d 4 h``."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return _("{minutes} min").format(minutes=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
        return _("{hours} h").format(hours=hours)
    days, hours = divmod(hours, 24)
    if hours:
        return _("{days} d {hours} h").format(days=days, hours=hours)
    return _("{days} d").format(days=days)


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
    return _("running {names}…").format(names=one_line(", ".join(unique), limit))
