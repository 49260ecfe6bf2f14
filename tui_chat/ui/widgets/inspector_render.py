"""How the inspector renders a call: rows of the list and the bodies of the detail sections.

Everything from a model or a tool goes through ``Content`` (never markup) and ``visible``.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui_chat.ui.formatting import format_duration, visible
from tui_chat.ui.widgets.inspector_model import (
    STATUS_ICON,
    CallRecord,
    RoundEntry,
    RoundSections,
    Sections,
    to_json,
)

HIGHLIGHT_LIMIT = 40_000
"""JSON longer than this is shown without syntax colours: highlighting it would stall the UI."""

NAME_WIDTH = 20
"""Names are padded to this width in the list so durations line up."""

STATUS_STYLE = {
    "ok": "$tool-call-ok",
    "error": "$tool-call-error",
    "running": "$tool-call-running",
    "missing": "$text-muted",
}


def json_content(value: Any) -> Content:
    text = to_json(value)
    if len(text) > HIGHLIGHT_LIMIT:
        return Content(text)
    from textual.highlight import highlight  # pygments: imported on first use, not at start-up

    return highlight(text, language="json")


ROW_WORDS = {
    "invalid_arguments": "invalid args",
    "unknown_tool": "unknown tool",
    "timeout": "timed out",
    "exception": "exception",
    "crashed": "host crashed",
    "cancelled": "cancelled",
    "failed": "failed",
}
"""How a failure is said in the list, where there are 12 columns for it (the details say it in full)."""


def call_row(number: int, record: CallRecord) -> Content:
    """``  ✓   1 add          21 ms``: indented under its round; a failure says its kind, not a time."""
    if record.status == "error":
        kind = record.error_kind or "failed"
        right = (f" {ROW_WORDS.get(kind, kind)[:12]:>12}", STATUS_STYLE["error"])
    else:
        duration = format_duration(record.result.duration_ms) if record.result else record.status_word
        right = (f" {duration:>12}", "$text-muted")
    return Content.assemble(
        ("  ", ""),
        (f"{STATUS_ICON[record.status]} ", STATUS_STYLE[record.status]),
        (f"{number:>3} ", "$text-muted"),
        (visible(record.call.name).ljust(NAME_WIDTH), "bold"),
        right,
    )


def tokens_text(prompt: int | None, completion: int | None) -> str:
    if prompt is None and completion is None:
        return "tokens –"
    return f"{prompt or 0:,} → {completion or 0:,} tokens"


def round_row(entry: RoundEntry) -> Content:
    """``◆ round 1 tool_calls   842 ms 120→30 tok``: one model request, with or without calls."""
    assistant = entry.assistant
    request = assistant.request
    usage = assistant.usage
    if assistant.partial:
        finish = "streaming"
    elif assistant.error is not None:
        finish = assistant.error.kind
    elif assistant.interrupted:
        finish = "interrupted"
    else:
        finish = assistant.finish_reason or "–"
    duration = format_duration(request.duration_ms if request else None)
    tokens = f" {usage.prompt_tokens}→{usage.completion_tokens} tok" if usage else ""
    number = assistant.round if assistant.round is not None else "?"
    finish_style = "$text-muted" if entry.status == "ok" else STATUS_STYLE[entry.status]
    return Content.assemble(
        ("◆ ", STATUS_STYLE[entry.status]),
        (f"round {number} ", "bold"),
        (visible(finish)[:12].ljust(12), finish_style),
        (f"{duration:>8}", "$text-muted"),
        (tokens, "$text-muted"),
    )


def round_summary(entry: RoundEntry, sections: RoundSections) -> Content:
    assistant = entry.assistant
    timing = sections.timing
    parts: list[tuple[str, str] | str] = [
        (f"Round {assistant.round if assistant.round is not None else '?'}", "bold"),
        "  ",
        (visible(assistant.model or "model unknown"), "$text-muted"),
        ("\nfinish ", "$text-muted"),
        visible(str(timing.get("finish_reason") or "–")),
        ("  ", ""),
        tokens_text(timing.get("prompt_tokens"), timing.get("completion_tokens")),
    ]
    if "request_started_at" in timing:
        attempts = timing["attempts"]
        parts += [
            ("\nfirst token ", "$text-muted"),
            format_duration(timing["first_token_ms"]),
            ("  reply ", "$text-muted"),
            format_duration(timing["request_duration_ms"]),
            ("  ", ""),
            f"{attempts} attempt{'s' if attempts != 1 else ''}",
            (f" ({attempts - 1} retr{'ies' if attempts > 2 else 'y'})" if attempts > 1 else "", "$warning"),
        ]
    request = sections.request
    if request is not None:
        tools = request.get("tools")
        if tools:
            names = ", ".join(str(tool.get("function", {}).get("name", "?")) for tool in tools)
            parts += [("\noffered ", "$text-muted"), visible(names)]
        elif "tools_hash" in request:
            parts += [("\noffered ", "$text-muted"), ("tools not in the file", "$warning")]
        else:
            parts += [("\noffered ", "$text-muted"), ("no tools", "$warning")]
    if assistant.turn_id:
        parts += [("\nturn ", "$text-muted"), visible(assistant.turn_id)]
    return Content.assemble(*parts)


def reply_body(sections: RoundSections) -> Content:
    reply = sections.reply
    parts: list[Content] = []
    if "error" in reply:
        parts.append(Content.styled(f"✗ {visible(reply['error']['message'])}", "$tool-call-error"))
    if reply.get("interrupted"):
        parts.append(Content.styled("⏸ interrupted", "$warning"))
    if reply["content"]:
        parts.append(Content(visible(reply["content"])))
    else:
        parts.append(Content.styled("(no text)", "$text-muted"))
    calls = reply["tool_calls"]
    if calls:
        parts.append(Content.styled(f"asked for {len(calls)} function call(s):", "$text-muted"))
        parts.extend(Content(visible(f"  {call['name']}({call['arguments']})")) for call in calls)
    else:
        parts.append(Content.styled("no function calls: the model answered in text", "$text-muted"))
    return Content("\n").join(parts)


def summary(record: CallRecord) -> Content:
    parts: list[tuple[str, str] | str] = [
        (visible(record.call.name), "bold"),
        "  ",
        (f"{STATUS_ICON[record.status]} {record.status_word}", STATUS_STYLE[record.status]),
        ("\nid ", "$text-muted"),
        visible(record.id),
    ]
    if record.round is not None:
        parts += [("  round ", "$text-muted"), str(record.round)]
    turn = record.result.turn_id if record.result else record.assistant.turn_id if record.assistant else None
    if turn:
        parts += [("  turn ", "$text-muted"), visible(turn)]
    return Content.assemble(*parts)


def arguments_body(record: CallRecord, sections: Sections) -> Content:
    if sections.arguments_error is not None:
        # Not JSON at all: the schema was never checked, and the tool was not run.
        error = Content.styled(f"✗ {visible(sections.arguments_error)}", "$tool-call-error")
        return Content("\n").join([error, Content(visible(record.call.arguments) or "(empty)")])
    if record.error_kind == "unknown_tool":
        check = Content.styled("– not checked: no tool of this name was registered", "$warning")
    elif sections.arguments_valid is None:
        check = Content.styled("… not checked yet", "$text-muted")
    elif sections.arguments_valid:
        check = Content.styled("✓ matched the tool's schema", "$tool-call-ok")
    elif not isinstance(sections.arguments, dict):
        check = Content.styled("✗ not a JSON object: the tool takes named arguments", "$tool-call-error")
    else:
        check = Content.styled("✗ did not match the tool's schema", "$tool-call-error")
    return Content("\n").join([json_content(sections.arguments), check])


def result_body(record: CallRecord, sections: Sections) -> Content:
    result = record.result
    if result is None or sections.result is None:
        return Content.styled(f"{STATUS_ICON[record.status]} {record.status_word}", "$text-muted")
    parts: list[Content] = []
    if result.error is not None or record.error_kind is not None:
        heading = f"✗ {record.status_word}"
        if result.error and result.error.lower().startswith(record.status_word):
            heading = f"✗ {visible(result.error)}"
        elif result.error:
            heading += f": {visible(result.error)}"
        parts.append(Content.styled(heading, "$tool-call-error"))
        if result.traceback:
            parts.append(Content.styled(visible(result.traceback.rstrip()), "$text-muted"))
    parts.append(json_content(result.result))
    if result.output:
        parts.append(Content.styled("output (stdout/stderr):", "$text-muted"))
        parts.append(Content(visible(result.output.rstrip())))
    if result.truncated:
        parts.append(
            Content.styled(f"Truncated for the model to {len(result.content)} characters.", "italic")
        )
    return Content("\n").join(parts)


def timing_body(sections: Sections | RoundSections) -> Content:
    timing = sections.timing
    lines = []
    if "tool_duration_ms" in timing:
        started = timing.get("tool_started_at") or "–"
        lines.append(f"tool ran {format_duration(timing['tool_duration_ms'])} (started {started})")
    if "request_started_at" in timing:
        attempts = timing["attempts"]
        lines.append(
            f"round {timing['round']}: first token {format_duration(timing['first_token_ms'])}, "
            f"reply {format_duration(timing['request_duration_ms'])}, "
            f"{attempts} attempt{'s' if attempts != 1 else ''} (started {timing['request_started_at']})"
        )
    if "finish_reason" in timing:
        lines.append(
            f"finish {timing['finish_reason'] or '–'}, "
            + tokens_text(timing.get("prompt_tokens"), timing.get("completion_tokens"))
        )
    return Content("\n".join(lines) or "Not known yet.")


def request_body(sections: Sections | RoundSections) -> Content:
    request = sections.request
    if request is None:
        return Content("Not recorded (a call from an older file, or the round has not been saved).")
    messages = request.get("messages") or []
    tools = request.get("tools")
    note = f"{len(messages)} messages" + (f", {len(tools)} tool definitions" if tools else ", no tools")
    if "tools_hash" in request:
        note += f" (definitions {request['tools_hash']} missing from the file)"
    return Content("\n").join([Content.styled(note, "$text-muted"), json_content(request)])
