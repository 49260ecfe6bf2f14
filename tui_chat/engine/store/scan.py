"""The cold-start scan: the conversations folder in one ``os.scandir``, summaries from the parsed JSON.

A list row needs a title, dates and a few counts, not the validated model: ``json.loads`` plus a loop
that counts is a fraction of the full decode (schema check + model objects). The full decode still
happens, for every file, in the background full-text pass and when a file is opened, so a file that
parses but breaks the schema in a place the summary does not look at is marked damaged then.
Anything unexpected here (any exception) sends the file to the full decode, which gives the reason.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui_chat.engine.models import FORMAT_VERSION, ConversationSummary
from tui_chat.engine.store.rows import IndexRow, ToolCallRow


@dataclass(frozen=True)
class Entry:
    """One ``*.json`` entry of the folder, as the scandir saw it."""

    conversation_id: str
    mtime_ns: int
    size: int

    @property
    def state(self) -> tuple[int, int]:
        return self.mtime_ns, self.size


def scan_folder(folder: Path) -> dict[str, Entry]:
    """Every ``<id>.json`` of the folder (hidden temp files excluded), with ``(mtime_ns, size)``.

    What is not a regular file is kept too: reading it (files.read_file) says what it is, without
    opening it in a way that blocks. A dangling symlink is left out until it points somewhere.
    """
    found: dict[str, Entry] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".json") or name.startswith("."):
                continue
            try:
                info = entry.stat()
            except OSError:
                continue
            found[name[:-5]] = Entry(name[:-5], info.st_mtime_ns, info.st_size)
    return found


def newest_first(entries: dict[str, Entry], ids: object) -> list[str]:
    """``ids`` ordered by file modification time, newest first: the order the list shows them."""
    return sorted(ids, key=lambda cid: entries[cid].mtime_ns, reverse=True)  # type: ignore[call-overload]


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("not a string")
    return value


def _moment(value: Any) -> datetime:
    moment = datetime.fromisoformat(_text(value))
    if moment.tzinfo is None:
        raise ValueError("a time without a time zone")
    return moment


def _number(value: Any) -> float:
    if type(value) not in (int, float):
        raise TypeError("not a number")
    return value


def quick_row(raw: bytes, conversation_id: str, mtime_ns: int, size: int) -> IndexRow:
    """The index row of a file from its parsed JSON; raises on anything unexpected (see the module doc)."""
    data = json.loads(raw.decode("utf-8"))  # strict: bytes that are not UTF-8 go to the full decode
    if type(data) is not dict or data.get("format_version", FORMAT_VERSION) != FORMAT_VERSION:
        raise ValueError("not a current conversation file")
    if data["id"] != conversation_id:
        raise ValueError("id mismatch")
    sessions = data.get("sessions", [])
    if type(sessions) is not list:
        raise TypeError("sessions")
    messages = tool_messages = prompt = completion = 0
    cost: float | None = None
    calls: list[ToolCallRow] = []
    ids: set[str] = set()
    for session in sessions:
        listed = session.get("messages", [])
        if type(listed) is not list:
            raise TypeError("messages")
        messages += len(listed)
        for message in listed:  # the hot loop of a cold start: ~1M messages at 10,000 conversations
            role = message["role"]
            ids.add(message["id"])
            if role == "assistant":
                usage = message.get("usage")
                if usage:
                    prompt += usage.get("prompt_tokens", 0)
                    completion += usage.get("completion_tokens", 0)
                    if usage.get("cost") is not None:
                        cost = (cost or 0.0) + _number(usage["cost"])
            elif role == "tool":
                tool_messages += 1
                name, duration = message["name"], message.get("duration_ms", 0.0)
                if type(name) is not str or (type(duration) is not float and type(duration) is not int):
                    raise TypeError("tool name or duration")
                kind = message.get("error_kind") or (
                    "exception" if message.get("error") is not None else None
                )
                calls.append(ToolCallRow(message["id"], name, float(duration), kind))
            elif role != "user":
                raise ValueError(f"role {role!r}")
    summary = ConversationSummary(
        id=conversation_id,
        title=_text(data.get("title", "")),
        created_at=_moment(data["created_at"]),
        last_activity=_moment(data["last_activity"]),
        model=_text(data.get("model", "")),
        message_count=messages,
        tool_call_count=tool_messages,
        session_count=len(sessions),
    )
    if type(prompt) is not int or type(completion) is not int:
        raise TypeError("token counts")
    if len(ids) != messages:
        raise ValueError("a message id is used twice")
    return IndexRow(summary, mtime_ns, size, prompt, completion, cost, calls)
