"""How the inspector renders a call: rows of the list and the bodies of the detail sections.

Everything from a model or a tool goes through ``Content`` (never markup) and ``visible``.
"""

from __future__ import annotations

import re
from typing import Any

from textual.content import Content

from tui_chat.engine.workbench.tool_outcome import error_word
from tui_chat.i18n import NC_, _, ngettext, pgettext
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


_FIELD = re.compile(r"\{(\w+)\}")


def fill(template: str, style: str = "", **parts: Content | str) -> Content:
    """A translated sentence with styled pieces in it: ``fill(_("Re-run {name}"), name=Content.styled(n,
    "bold"))``. The text around the fields gets ``style``; a field given as ``str`` is plain text (not
    markup). Keeps the sentence whole for translators instead of gluing fragments."""
    pieces: list[Content] = []
    last = 0
    for match in _FIELD.finditer(template):
        pieces.append(Content.styled(template[last : match.start()], style))
        part = parts.get(match.group(1))
        if part is None:
            pieces.append(Content.styled(match.group(), style))
        else:
            pieces.append(part if isinstance(part, Content) else Content.styled(part, style))
        last = match.end()
    pieces.append(Content.styled(template[last:], style))
    return Content("").join(pieces)


def json_content(value: Any) -> Content:
    text = to_json(value)
    if len(text) > HIGHLIGHT_LIMIT:
        return Content(text)
    from textual.highlight import highlight  # pygments: imported on first use, not at start-up

    return highlight(text, language="json")


ROW_WORDS = {
    "invalid_arguments": NC_("call row", "invalid args"),
    "unknown_tool": NC_("call row", "unknown tool"),
    "timeout": NC_("call row", "timed out"),
    "exception": NC_("call row", "exception"),
    "crashed": NC_("call row", "host crashed"),
    "cancelled": NC_("call row", "cancelled"),
    "failed": NC_("call row", "failed"),
}
"""How a failure is said in the list, where there are 12 columns for it (the details say it in full);
English, the catalog's key: translated where shown."""


def _fit(text: str, width: int) -> str:
    """``text`` in exactly ``width`` columns: a longer name is cut with "…" (the details show it whole)."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def call_row(number: int, record: CallRecord) -> Content:
    """``  ✓   1 add          21 ms``: indented under its round; a failure says its kind, not a time."""
    if record.status == "error":
        kind = record.error_kind or "failed"
        word = pgettext("call row", ROW_WORDS[kind]) if kind in ROW_WORDS else kind
        right = (f" {visible(word)[:12]:>12}", STATUS_STYLE["error"])
    else:
        duration = format_duration(record.result.duration_ms) if record.result else record.status_word
        right = (f" {duration:>12}", "$text-muted")
    return Content.assemble(
        ("  ", ""),
        (f"{STATUS_ICON[record.status]} ", STATUS_STYLE[record.status]),
        (f"{number:>3} ", "$text-muted"),
        (_fit(visible(record.call.name), NAME_WIDTH), "bold"),
        right,
    )


def tokens_text(prompt: int | None, completion: int | None) -> str:
    if prompt is None and completion is None:
        return _("tokens –")
    return _("{prompt:,} → {completion:,} tokens").format(prompt=prompt or 0, completion=completion or 0)


def round_row(entry: RoundEntry) -> Content:
    """``◆ round 1 tool_calls   842 ms 120→30 tok``: one model request, with or without calls."""
    assistant = entry.assistant
    request = assistant.request
    usage = assistant.usage
    if assistant.partial:
        finish = _("streaming")
    elif assistant.error is not None:
        finish = assistant.error.kind
    elif assistant.interrupted:
        finish = _("interrupted")
    else:
        finish = assistant.finish_reason or "–"
    duration = format_duration(request.duration_ms if request else None)
    tokens = (
        " "
        + _("{prompt}→{completion} tok").format(
            prompt=usage.prompt_tokens, completion=usage.completion_tokens
        )
        if usage
        else ""
    )
    number = assistant.round if assistant.round is not None else "?"
    finish_style = "$text-muted" if entry.status == "ok" else STATUS_STYLE[entry.status]
    return Content.assemble(
        ("◆ ", STATUS_STYLE[entry.status]),
        (_("round {number}").format(number=number) + " ", "bold"),
        (visible(finish)[:12].ljust(12), finish_style),
        (f"{duration:>8}", "$text-muted"),
        (tokens, "$text-muted"),
    )


def round_summary(entry: RoundEntry, sections: RoundSections) -> Content:
    assistant = entry.assistant
    timing = sections.timing
    number = assistant.round if assistant.round is not None else "?"
    parts: list[tuple[str, str] | str] = [
        (_("Round {number}").format(number=number), "bold"),
        "  ",
        (visible(assistant.model) if assistant.model else _("model unknown"), "$text-muted"),
        ("\n" + _("finish") + " ", "$text-muted"),
        visible(str(timing.get("finish_reason") or "–")),
        ("  ", ""),
        tokens_text(timing.get("prompt_tokens"), timing.get("completion_tokens")),
    ]
    if "request_started_at" in timing:
        attempts = timing["attempts"]
        retries = attempts - 1
        parts += [
            ("\n" + _("first token") + " ", "$text-muted"),
            format_duration(timing["first_token_ms"]),
            ("  " + _("reply") + " ", "$text-muted"),
            format_duration(timing["request_duration_ms"]),
            ("  ", ""),
            ngettext("{n} attempt", "{n} attempts", attempts).format(n=attempts),
            (
                " " + ngettext("({n} retry)", "({n} retries)", retries).format(n=retries)
                if retries > 0
                else "",
                "$warning",
            ),
        ]
    request = sections.request
    if request is not None:
        tools = request.get("tools")
        offered = ("\n" + _("offered") + " ", "$text-muted")
        if tools:
            names = ", ".join(str(tool.get("function", {}).get("name", "?")) for tool in tools)
            parts += [offered, visible(names)]
        elif "tools_hash" in request:
            parts += [offered, (_("tools not in the file"), "$warning")]
        else:
            parts += [offered, (_("no tools"), "$warning")]
    if assistant.turn_id:
        parts += [("\n" + _("turn") + " ", "$text-muted"), visible(assistant.turn_id)]
    return Content.assemble(*parts)


def reply_body(sections: RoundSections) -> Content:
    reply = sections.reply
    parts: list[Content] = []
    if "error" in reply:
        parts.append(Content.styled(f"✗ {visible(reply['error']['message'])}", "$tool-call-error"))
    if reply.get("interrupted"):
        parts.append(Content.styled("⏸ " + _("interrupted"), "$warning"))
    if reply["content"]:
        parts.append(Content(visible(reply["content"])))
    else:
        parts.append(Content.styled(_("(no text)"), "$text-muted"))
    calls = reply["tool_calls"]
    if calls:
        asked = ngettext("asked for {n} function call:", "asked for {n} function calls:", len(calls))
        parts.append(Content.styled(asked.format(n=len(calls)), "$text-muted"))
        parts.extend(Content(visible(f"  {call['name']}({call['arguments']})")) for call in calls)
    else:
        parts.append(Content.styled(_("no function calls: the model answered in text"), "$text-muted"))
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
        parts += [("  " + _("round") + " ", "$text-muted"), str(record.round)]
    turn = record.result.turn_id if record.result else record.assistant.turn_id if record.assistant else None
    if turn:
        parts += [("  " + _("turn") + " ", "$text-muted"), visible(turn)]
    return Content.assemble(*parts)


def arguments_body(record: CallRecord, sections: Sections) -> Content:
    if sections.arguments_error is not None:
        # Not JSON at all: the schema was never checked, and the tool was not run.
        error = Content.styled(f"✗ {visible(sections.arguments_error)}", "$tool-call-error")
        return Content("\n").join([error, Content(visible(record.call.arguments) or _("(empty)"))])
    if record.error_kind == "unknown_tool":
        check = Content.styled("– " + _("not checked: no tool of this name was registered"), "$warning")
    elif sections.arguments_valid is None:
        check = Content.styled("… " + _("not checked yet"), "$text-muted")
    elif sections.arguments_valid:
        check = Content.styled("✓ " + _("matched the tool's schema"), "$tool-call-ok")
    elif not isinstance(sections.arguments, dict):
        check = Content.styled(
            "✗ " + _("not a JSON object: the tool takes named arguments"), "$tool-call-error"
        )
    else:
        check = Content.styled("✗ " + _("did not match the tool's schema"), "$tool-call-error")
    return Content("\n").join([json_content(sections.arguments), check])


def result_body(record: CallRecord, sections: Sections) -> Content:
    result = record.result
    if result is None or sections.result is None:
        return Content.styled(f"{STATUS_ICON[record.status]} {record.status_word}", "$text-muted")
    parts: list[Content] = []
    if result.error is not None or record.error_kind is not None:
        heading = f"✗ {record.status_word}"
        # An error that starts by saying its kind (in the language shown, or in English as an older
        # file has it) is not prefixed with the kind again.
        kind_words = (record.status_word.lower(), error_word(record.error_kind).lower())
        if result.error and result.error.lower().startswith(kind_words):
            heading = f"✗ {visible(result.error)}"
        elif result.error:
            heading += f": {visible(result.error)}"
        parts.append(Content.styled(heading, "$tool-call-error"))
        if result.traceback:
            parts.append(Content.styled(visible(result.traceback.rstrip()), "$text-muted"))
    parts.append(json_content(result.result))
    if result.output:
        parts.append(Content.styled(_("output (stdout/stderr):"), "$text-muted"))
        parts.append(Content(visible(result.output.rstrip())))
    if result.truncated:
        size = len(result.content)
        note = ngettext(
            "Truncated for the model to {n} characters.", "Truncated for the model to {n} characters.", size
        )
        parts.append(Content.styled(note.format(n=size), "italic"))
    return Content("\n").join(parts)


def timing_body(sections: Sections | RoundSections) -> Content:
    timing = sections.timing
    lines = []
    if "tool_duration_ms" in timing:
        started = timing.get("tool_started_at") or "–"
        lines.append(
            _("tool ran {duration} (started {started})").format(
                duration=format_duration(timing["tool_duration_ms"]), started=started
            )
        )
    if "request_started_at" in timing:
        attempts = timing["attempts"]
        line = ngettext(
            "round {round}: first token {first}, reply {reply}, {n} attempt (started {started})",
            "round {round}: first token {first}, reply {reply}, {n} attempts (started {started})",
            attempts,
        )
        lines.append(
            line.format(
                round=timing["round"],
                first=format_duration(timing["first_token_ms"]),
                reply=format_duration(timing["request_duration_ms"]),
                n=attempts,
                started=timing["request_started_at"],
            )
        )
    if "finish_reason" in timing:
        tokens = tokens_text(timing.get("prompt_tokens"), timing.get("completion_tokens"))
        lines.append(
            _("finish {reason}, {tokens}").format(reason=timing["finish_reason"] or "–", tokens=tokens)
        )
    return Content("\n".join(lines) or _("Not known yet."))


def request_body(sections: Sections | RoundSections) -> Content:
    request = sections.request
    if request is None:
        return Content(_("Not recorded (a call from an older file, or the round has not been saved)."))
    messages = request.get("messages") or []
    tools = request.get("tools")
    sent = ngettext("{n} message", "{n} messages", len(messages)).format(n=len(messages))
    if tools:
        offered = ngettext("{n} tool definition", "{n} tool definitions", len(tools)).format(n=len(tools))
    else:
        offered = _("no tools")
    note = _("{messages}, {tools}").format(messages=sent, tools=offered)
    if "tools_hash" in request:
        note = _("{note} (definitions {hash} missing from the file)").format(
            note=note, hash=visible(str(request["tools_hash"]))
        )
    return Content("\n").join([Content.styled(note, "$text-muted"), json_content(request)])
