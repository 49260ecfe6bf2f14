"""Tool calls a small local model writes as JSON text in its reply (``[model] tool_call_format``).

Measured with llama.cpp and Qwen2.5-Coder-0.5B (``../shared/recordings/``): offered tools, the model
answers ``content: "```json\\n{"name": "get_weather", "arguments": {"city": "Paris"}}\\n```"`` and no
``tool_calls`` at all, so nothing would run. With ``tool_call_format = "json-in-content"`` such replies
become real tool calls. Recognised shapes, each ``{"name", "arguments" | "parameters"}`` (or OpenAI's
``{"function": {...}}``), alone or in a JSON list:

* the whole reply as bare JSON;
* fenced blocks (```json … ``` or ``` … ```);
* ``<tool_call>…</tool_call>`` tags (Qwen / Hermes templates).

Only calls naming an offered tool are taken; anything else stays text, so a model showing JSON to
the user is not turned into a call. Opt-in: a reply is never reinterpreted unless the config asks.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.models import ToolCall

_TAGGED = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCED = re.compile(r"```[ \t]*(?:json|JSON|tool_call)?[ \t]*\n(.*?)(?:\n[ \t]*```|$)", re.DOTALL)

CALL_OPENINGS = ("{", "[", "```json", "```JSON", "```\n", "```tool_call", "<tool_call>")
"""How a reply that is only a call starts; while a reply could still be one, its text is held back."""


@dataclass(frozen=True)
class ContentCalls:
    calls: list[ToolCall]
    text: str
    """The reply's text without the parts that became calls."""


def _call_of(value: Any, offered: Collection[str]) -> ToolCall | None:
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("function"), dict):
        value = value["function"]
    name = value.get("name")
    if not isinstance(name, str) or name not in offered:
        return None
    arguments = value.get("arguments", value.get("parameters", {}))
    if isinstance(arguments, str):
        text = arguments
    elif isinstance(arguments, dict):
        text = json.dumps(arguments, ensure_ascii=False)
    else:
        return None
    return ToolCall(id=f"call_{secrets.token_hex(4)}", name=name, arguments=text)


def _calls_in(text: str, offered: Collection[str]) -> list[ToolCall] | None:
    """The calls ``text`` (one JSON value, or several JSON objects one after the other) holds, or None."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position, text = 0, text.strip()
    while position < len(text):
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return None
        values.extend(value if isinstance(value, list) else [value])
        position = end
        while position < len(text) and text[position] in " \t\r\n,;":
            position += 1
    calls = [_call_of(value, offered) for value in values]
    if not values or any(call is None for call in calls):
        return None
    return [call for call in calls if call is not None]


def parse_content_calls(content: str, offered: Collection[str]) -> ContentCalls | None:
    """The tool calls written in ``content`` and the text left, or None when it holds none."""
    if not offered or not content.strip():
        return None
    whole = _calls_in(content, offered)
    if whole:
        return ContentCalls(whole, "")
    calls: list[ToolCall] = []
    remaining = content
    for pattern in (_TAGGED, _FENCED):
        for match in list(pattern.finditer(remaining)):
            found = _calls_in(match.group(1), offered)
            if found:
                calls += found
                remaining = remaining.replace(match.group(0), "", 1)
    if not calls:
        return None
    return ContentCalls(calls, remaining.strip())


def could_be_call(text: str) -> bool:
    """Whether a reply starting with ``text`` may still turn out to be only a call (hold it back)."""
    start = text.lstrip()
    return not start or any(start.startswith(o) or o.startswith(start) for o in CALL_OPENINGS)
