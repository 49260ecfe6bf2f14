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
import stat
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from tui_chat.engine.models import FORMAT_VERSION, ConversationSummary
from tui_chat.engine.store.rows import IndexRow, ToolCallRow

MAX_FILE_BYTES = 256 * 1024 * 1024
"""A conversation file larger than this is reported, not read (a symlink to /dev/zero, say)."""


class Unreadable(Exception):
    """The file cannot be read as a conversation file; ``str()`` is the reason shown in the list."""


@dataclass(frozen=True)
class Entry:
    """One ``*.json`` entry of the folder, as the scandir saw it."""

    conversation_id: str
    mtime_ns: int
    size: int
    problem: str | None = None
    """Set when the entry is not a regular file: it is listed as damaged without being opened."""

    @property
    def state(self) -> tuple[int, int]:
        return self.mtime_ns, self.size


def scan_folder(folder: Path) -> dict[str, Entry]:
    """Every ``<id>.json`` of the folder (hidden temp files excluded), with ``(mtime_ns, size)``."""
    found: dict[str, Entry] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if not name.endswith(".json") or name.startswith("."):
                continue
            conversation_id = name[:-5]
            try:
                info = entry.stat()
            except OSError:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # gone since the scandir
                found[conversation_id] = Entry(
                    conversation_id, info.st_mtime_ns, info.st_size, "a symbolic link to nothing"
                )
                continue
            problem = None
            if stat.S_ISDIR(info.st_mode):
                problem = "a folder, not a file"
            elif not stat.S_ISREG(info.st_mode):
                problem = "not a regular file (a pipe, a device or a socket)"
            found[conversation_id] = Entry(conversation_id, info.st_mtime_ns, info.st_size, problem)
    return found


def newest_first(entries: dict[str, Entry], ids: object) -> list[str]:
    """``ids`` ordered by file modification time, newest first: the order the list shows them."""
    return sorted(ids, key=lambda cid: entries[cid].mtime_ns, reverse=True)  # type: ignore[call-overload]


def read_capped(path: Path) -> tuple[bytes, tuple[int, int]]:
    """The bytes of a regular file and its ``(mtime_ns, size)``; never blocks on a pipe or reads forever."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise Unreadable(f"larger than {MAX_FILE_BYTES // 2**20} MiB ({info.st_size:,} bytes)")
        chunks = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 22))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise Unreadable(f"larger than {MAX_FILE_BYTES // 2**20} MiB")
        return b"".join(chunks), (info.st_mtime_ns, info.st_size)
    except OSError as error:
        raise Unreadable(f"cannot be read: {error.strerror}") from None
    finally:
        os.close(fd)


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
    data = json.loads(raw)
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
    for session in sessions:
        listed = session.get("messages", [])
        if type(listed) is not list:
            raise TypeError("messages")
        messages += len(listed)
        for message in listed:  # the hot loop of a cold start: ~1M messages at 10,000 conversations
            role = message["role"]
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
    return IndexRow(summary, mtime_ns, size, prompt, completion, cost, calls)
