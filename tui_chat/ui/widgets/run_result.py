"""How one run of a tool reads (result, error, traceback, output, time) and how two runs differ.

Shared by the re-run screen and the tools panel. Everything from a tool goes through ``Content`` and
``visible``: a result holding markup or escape sequences is shown literally.
"""

from __future__ import annotations

from textual.content import Content

from tui_chat.engine.models import ToolMessage
from tui_chat.engine.workbench.replay import CallComparison
from tui_chat.engine.workbench.tool_outcome import error_kind_of, error_word
from tui_chat.i18n import N_, _
from tui_chat.ui.formatting import format_duration, visible
from tui_chat.ui.widgets.inspector_render import json_content


def outcome_body(message: ToolMessage | None, *, empty: str = N_("Not run yet.")) -> Content:
    """Status and time, the error and the tool's own traceback, the result, the captured output.

    ``empty`` (English, marked with ``N_``) is what to say when there is no run; translated here."""
    if message is None:
        return Content.styled(_(empty), "$text-muted")
    time = format_duration(message.duration_ms)
    parts: list[Content] = []
    if message.ok:
        parts.append(Content.assemble(("✓ " + _("ok"), "$tool-call-ok"), (f"  {time}", "$text-muted")))
    else:
        word = _(error_word(error_kind_of(message)))
        heading = Content.assemble((f"✗ {word}", "$tool-call-error"), (f"  {time}", "$text-muted"))
        parts.append(heading)
        if message.error:
            parts.append(Content.styled(visible(message.error), "$tool-call-error"))
        if message.traceback:
            parts.append(Content.styled(visible(message.traceback.rstrip()), "$text-muted"))
    parts.append(json_content(message.result))
    if message.output:
        parts.append(Content.styled(_("output (stdout/stderr):"), "$text-muted"))
        parts.append(Content(visible(message.output.rstrip())))
    return Content("\n").join(parts)


def diff_body(comparison: CallComparison | None) -> Content:
    """The result diff, ``-`` recorded and ``+`` now, or a line saying they are the same."""
    if comparison is None:
        return Content.styled(_("Run it to compare with the recorded result."), "$text-muted")
    if comparison.same:
        if comparison.arguments_changed:
            note = _("Same result as recorded. (with the edited arguments)")
        else:
            note = _("Same result as recorded.")
        return Content.styled(note, "$tool-call-ok")
    lines: list[Content] = [Content.styled(_("The result differs from the recorded one:"), "$warning")]
    for number, line in enumerate(comparison.diff().splitlines()):
        if number < 2 and line.startswith(("---", "+++")):
            # The engine's diff names its sides in English ("recorded", "now"): say them here.
            side = _("recorded") if line.startswith("---") else _("now")
            lines.append(Content.styled(f"{line[:3]} {side}", "bold"))
        elif line.startswith("-"):
            lines.append(Content.styled(visible(line), "$text-error"))
        elif line.startswith("+"):
            lines.append(Content.styled(visible(line), "$text-success"))
        elif line.startswith("@@"):
            lines.append(Content.styled(visible(line), "$text-muted"))
        else:
            lines.append(Content(visible(line)))
    return Content("\n").join(lines)


def schema_summary(parameters: dict | None) -> str:
    """``a: integer (required), b: integer = 2``: the fields of a parameter schema on one line."""
    if not parameters:
        return _("no schema")
    properties = parameters.get("properties") or {}
    required = set(parameters.get("required") or [])
    if not properties:
        return _("no parameters")
    fields = []
    for name, schema in properties.items():
        kind = schema.get("type", "any") if isinstance(schema, dict) else "any"
        if isinstance(schema, dict) and "enum" in schema:
            kind = " | ".join(map(str, schema["enum"]))
        text = f"{name}: {kind if isinstance(kind, str) else '/'.join(map(str, kind))}"
        if name in required:
            text += " " + _("(required)")
        elif isinstance(schema, dict) and "default" in schema:
            text += f" = {schema['default']!r}"
        fields.append(text)
    return visible(", ".join(fields))
