"""What the inspector's copy keys put on the clipboard: a section or a whole row as JSON, a call as a test.

Apart from the panel because it only reads the selected row's records; the panel wires it to its keys.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.engine.models import Conversation
from tui_chat.i18n import N_, _, ngettext
from tui_chat.ui.widgets.inspector_model import CallRecord, RoundEntry, RoundSections, Sections, to_json
from tui_chat.ui.widgets.inspector_sections import CALL_ONLY

if TYPE_CHECKING:
    from tui_chat.engine.tools.registry import ToolRegistry

COPIED = {
    "all-round": N_("Copied the whole round as JSON ({n:,} characters)."),
    "all": N_("Copied the whole call as JSON ({n:,} characters)."),
    "reply": N_("Copied the reply as JSON ({n:,} characters)."),
    "arguments": N_("Copied the arguments as JSON ({n:,} characters)."),
    "result": N_("Copied the result as JSON ({n:,} characters)."),
    "timing": N_("Copied the timing as JSON ({n:,} characters)."),
    "raw_reply": N_("Copied the raw reply of the round as JSON ({n:,} characters)."),
    "request": N_("Copied the request of the round as JSON ({n:,} characters)."),
}
"""What copying each section says, one whole sentence each (a translation agrees with its noun)."""


def section_json(
    entry: CallRecord | RoundEntry | None, sections: Sections | RoundSections | None, key: str
) -> str | None:
    """The JSON that copying section ``key`` (or ``all``) of the selected row puts on the clipboard."""
    if entry is None or sections is None:
        return None
    if isinstance(entry, RoundEntry) and isinstance(sections, RoundSections):
        if key == "all":
            return to_json(sections.everything(entry))
        if key in CALL_ONLY:
            return None
        return to_json(getattr(sections, key))
    record = entry
    assert isinstance(record, CallRecord) and isinstance(sections, Sections)
    if key == "all":
        return to_json(sections.everything(record))
    if key == "arguments":
        if sections.arguments_error is not None:
            return to_json({"raw": record.call.arguments, "error": sections.arguments_error})
        return to_json(sections.arguments)
    return to_json(getattr(sections, key))


def copied_notice(key: str, entry: CallRecord | RoundEntry | None, length: int) -> str:
    """What copying section ``key`` of ``entry`` says (``length`` characters were copied)."""
    if key == "all" and isinstance(entry, RoundEntry):
        key = "all-round"
    return _(COPIED[key]).format(n=length)


def call_test_source(
    record: CallRecord | None, conversation: Conversation | None, registry: ToolRegistry | None
) -> str:
    """The call as a pytest function (raises NotExportable / says why when it cannot be)."""
    from tui_chat.engine.workbench.call_export import NotExportable, call_as_test
    from tui_chat.engine.workbench.replay import context_for

    if record is None or record.result is None or conversation is None:
        raise NotExportable(_("select a finished function call first"))
    specs = registry.specs() if registry is not None else []
    spec = next((spec for spec in specs if spec.name == record.call.name), None)
    return call_as_test(record.result, spec, context_for(conversation, record.result))


def copied_test_notice(source: str) -> str:
    """What copying a call as a test says."""
    lines = source.count("\n")
    return ngettext(
        "Copied a pytest test for this call ({n} line).",
        "Copied a pytest test for this call ({n} lines).",
        lines,
    ).format(n=lines)
