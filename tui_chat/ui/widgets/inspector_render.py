"""How the inspector renders a call: rows of the list and the bodies of the detail sections.

Everything from a model or a tool goes through ``Content`` (never markup) and ``visible``.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from tui_chat.ui.formatting import format_duration, visible
from tui_chat.ui.widgets.inspector_model import (
    STATUS_ICON,
    STATUS_WORD,
    CallRecord,
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


def call_row(number: int, record: CallRecord) -> Content:
    duration = format_duration(record.result.duration_ms) if record.result else STATUS_WORD[record.status]
    return Content.assemble(
        (f"{STATUS_ICON[record.status]} ", STATUS_STYLE[record.status]),
        (f"{number:>3} ", "$text-muted"),
        (visible(record.call.name).ljust(NAME_WIDTH), "bold"),
        (f" {duration:>8}", "$text-muted"),
        (f"  r{record.round}" if record.round is not None else "", "$text-muted"),
    )


def summary(record: CallRecord) -> Content:
    parts: list[tuple[str, str] | str] = [
        (visible(record.call.name), "bold"),
        "  ",
        (f"{STATUS_ICON[record.status]} {STATUS_WORD[record.status]}", STATUS_STYLE[record.status]),
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
    if sections.arguments_valid is None:
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
        return Content.styled(f"{STATUS_ICON[record.status]} {STATUS_WORD[record.status]}", "$text-muted")
    parts: list[Content] = []
    if result.error is not None:
        parts.append(Content.styled(f"✗ {visible(result.error)}", "$tool-call-error"))
        if result.traceback:
            parts.append(Content.styled(visible(result.traceback.rstrip()), "$text-muted"))
    parts.append(json_content(result.result))
    if result.truncated:
        parts.append(
            Content.styled(f"Truncated for the model to {len(result.content)} characters.", "italic")
        )
    return Content("\n").join(parts)


def timing_body(sections: Sections) -> Content:
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
    return Content("\n".join(lines) or "Not known yet.")


def request_body(sections: Sections) -> Content:
    request = sections.request
    if request is None:
        return Content("Not recorded (a call from an older file, or the round has not been saved).")
    messages = request.get("messages") or []
    tools = request.get("tools")
    note = f"{len(messages)} messages" + (f", {len(tools)} tool definitions" if tools else ", no tools")
    if "tools_hash" in request:
        note += f" (definitions {request['tools_hash']} missing from the file)"
    return Content("\n").join([Content.styled(note, "$text-muted"), json_content(request)])
