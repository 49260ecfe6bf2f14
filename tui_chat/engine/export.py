"""Export a conversation as Markdown (tool calls and their results included) or JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tui_chat.engine.models import AssistantMessage, Conversation, ToolMessage, UserMessage, to_iso
from tui_chat.engine.redact import redact, redact_json
from tui_chat.engine.texts import texts_for
from tui_chat.i18n import _, gettext_in


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
    """The conversation as Markdown, its headings in ``language`` (the messages as they were written)."""
    texts = texts_for(language)

    def _(message: str) -> str:
        return gettext_in(language, message)

    lines = [
        f"# {conversation.title or conversation.id}",
        "",
        _("- id: `{id}`").format(id=conversation.id),
        _("- model: `{model}`").format(model=conversation.model),
        _("- created: {time}").format(time=to_iso(conversation.created_at)),
        _("- last activity: {time}").format(time=to_iso(conversation.last_activity)),
    ]
    if conversation.context:
        context = _fence(json.dumps(conversation.context, indent=2), "json")
        lines += ["", _("**User context**"), "", context]
    for index, session in enumerate(conversation.sessions):
        if index:
            lines += ["", f"---\n\n*{texts.new_session_divider}* ({to_iso(session.started_at)})"]
        for message in session.messages:
            if index and isinstance(message, AssistantMessage) and message.welcome:
                continue  # each new session repeats the welcome: it is shown once, at the top
            lines.append("")
            lines += _message_markdown(message, texts.interrupted_note, _)
    return redact("\n".join(lines) + "\n")  # an API key echoed anywhere never leaves in an export


def _message_markdown(message: Any, interrupted_note: str, _: Callable[[str], str]) -> list[str]:
    stamp = to_iso(message.created_at)
    if isinstance(message, UserMessage):
        return [_("## User · {time}").format(time=stamp), "", message.content]
    if isinstance(message, AssistantMessage):
        if message.welcome:
            heading = _("## Assistant (welcome) · {time}").format(time=stamp)
        else:
            heading = _("## Assistant · {time}").format(time=stamp)
        out = [heading, ""]
        if message.content:
            out.append(message.content)
        for call in message.tool_calls:
            arguments, language = _pretty_arguments(call.arguments)
            called = _("**Tool call** `{name}` (`{id}`)").format(name=call.name, id=call.id)
            out += ["", called, "", _fence(arguments, language)]
        if message.interrupted:
            out += ["", f"*{interrupted_note}*"]
        if message.error:
            said = f"{message.error.message} {message.error.hint}".strip()
            out += ["", _("> **Error ({kind}):** {text}").format(kind=message.error.kind, text=said)]
        return out
    if isinstance(message, ToolMessage):
        status = "✓" if message.ok else "✗"
        body = json.dumps(message.result, indent=2, ensure_ascii=False, default=str)
        heading = _("### Tool result {status} `{name}` · {ms} ms").format(
            status=status, name=message.name, ms=f"{message.duration_ms:.0f}"
        )
        out = [heading, ""]
        if not message.arguments_valid:
            out += ["*" + _("The arguments did not match the tool's schema.") + "*", ""]
        out.append(_fence(body, "json"))
        if message.traceback:
            out += ["", _fence(message.traceback)]
        return out
    return []


def export_file_name(conversation: Conversation, suffix: str = ".md") -> str:
    """A file name a person recognises: the title made safe for any file system, and the date."""
    fallback = _("conversation")
    title = conversation.title or fallback
    slug = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())[:48] or fallback
    return f"{slug}-{conversation.created_at.strftime('%Y-%m-%d')}{suffix}"


def to_json(conversation: Conversation) -> str:
    return json.dumps(redact_json(conversation.to_dict()), indent=2, ensure_ascii=False)
