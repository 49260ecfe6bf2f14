"""Export a conversation as Markdown (tool calls and their results included) or JSON."""

from __future__ import annotations

import json
from typing import Any

from tui_chat.engine.models import AssistantMessage, Conversation, ToolMessage, UserMessage, to_iso
from tui_chat.engine.redact import redact, redact_json
from tui_chat.engine.texts import texts_for


def _fence(text: str, language: str = "") -> str:
    """A code fence longer than any backtick run inside ``text``, so odd content cannot break out."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text}\n{ticks}"


def _pretty_arguments(arguments: str) -> tuple[str, str]:
    try:
        return json.dumps(json.loads(arguments or "{}"), indent=2, ensure_ascii=False), "json"
    except json.JSONDecodeError:
        return arguments, ""


def to_markdown(conversation: Conversation, *, language: str = "en") -> str:
    texts = texts_for(language)
    lines = [
        f"# {conversation.title or conversation.id}",
        "",
        f"- id: `{conversation.id}`",
        f"- model: `{conversation.model}`",
        f"- created: {to_iso(conversation.created_at)}",
        f"- last activity: {to_iso(conversation.last_activity)}",
    ]
    if conversation.context:
        lines += ["", "**User context**", "", _fence(json.dumps(conversation.context, indent=2), "json")]
    for index, session in enumerate(conversation.sessions):
        if index:
            lines += ["", f"---\n\n*{texts.new_session_divider}* ({to_iso(session.started_at)})"]
        for message in session.messages:
            lines.append("")
            lines += _message_markdown(message, texts.interrupted_note)
    return redact("\n".join(lines) + "\n")  # an API key echoed anywhere never leaves in an export


def _message_markdown(message: Any, interrupted_note: str) -> list[str]:
    stamp = to_iso(message.created_at)
    if isinstance(message, UserMessage):
        return [f"## User · {stamp}", "", message.content]
    if isinstance(message, AssistantMessage):
        heading = "Assistant (welcome)" if message.welcome else "Assistant"
        out = [f"## {heading} · {stamp}", ""]
        if message.content:
            out.append(message.content)
        for call in message.tool_calls:
            arguments, language = _pretty_arguments(call.arguments)
            out += ["", f"**Tool call** `{call.name}` (`{call.id}`)", "", _fence(arguments, language)]
        if message.interrupted:
            out += ["", f"*{interrupted_note}*"]
        if message.error:
            out += [
                "",
                f"> **Error ({message.error.kind}):** {message.error.message} {message.error.hint}".rstrip(),
            ]
        return out
    if isinstance(message, ToolMessage):
        status = "✓" if message.ok else "✗"
        body = json.dumps(message.result, indent=2, ensure_ascii=False, default=str)
        out = [f"### Tool result {status} `{message.name}` · {message.duration_ms:.0f} ms", ""]
        if not message.arguments_valid:
            out += ["*The arguments did not match the tool's schema.*", ""]
        out.append(_fence(body, "json"))
        if message.traceback:
            out += ["", _fence(message.traceback)]
        return out
    return []


def to_json(conversation: Conversation) -> str:
    return json.dumps(redact_json(conversation.to_dict()), indent=2, ensure_ascii=False)
