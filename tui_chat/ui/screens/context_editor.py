"""Edit a conversation's user context (the seed's ``context``, sent in the system prompt) as JSON."""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from tui_chat.i18n import N_, _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.screens.modal import TuiModal

JSON_PROBLEMS: dict[str, str] = {
    "Expecting value": N_("a value is expected"),
    "Expecting property name enclosed in double quotes": N_("a key in double quotes is expected"),
    "Expecting ',' delimiter": N_("a ',' is expected"),
    "Expecting ':' delimiter": N_("a ':' is expected"),
    "Unterminated string starting at": N_("a string is not closed"),
    "Invalid control character at": N_("a control character inside a string"),
    "Invalid \\escape": N_("an invalid escape (\\)"),
    "Invalid \\uXXXX escape": N_("an invalid \\uXXXX escape"),
    "Extra data": N_("more text after the JSON value"),
    "Illegal trailing comma before end of object": N_("a ',' before the closing '}'"),
    "Illegal trailing comma before end of array": N_("a ',' before the closing ']'"),
}
"""What the stdlib's JSON parser says (``JSONDecodeError.msg``) → the same, for people and the catalog."""

JSON_KINDS: dict[type, str] = {
    list: N_("an array"),
    str: N_("a string"),
    int: N_("a number"),
    float: N_("a number"),
    bool: N_("true or false"),
    type(None): N_("null"),
}


def json_problem(error: json.JSONDecodeError) -> str:
    """``error`` in the current language: what is wrong, with its line and column."""
    known = next((text for msg, text in JSON_PROBLEMS.items() if error.msg.startswith(msg)), None)
    detail = _(known) if known else error.msg
    return _("Not valid JSON: {detail} (line {line}, column {column}).").format(
        detail=detail, line=error.lineno, column=error.colno
    )


def parse_context(text: str) -> tuple[dict[str, Any] | None, str]:
    """The context object, or None and a message saying what is wrong (with the line)."""
    if not text.strip():
        return {}, ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, json_problem(error)
    if not isinstance(value, dict):
        kind = _(JSON_KINDS.get(type(value), N_("a value of another kind")))
        return None, _("The context must be a JSON object ({{…}}), not {kind}.").format(kind=kind)
    return value, ""


class ContextEditorScreen(TuiModal[dict[str, Any] | None]):
    """Dismisses with the new context dict on Save, or None on Esc."""

    BINDINGS = bindings(Where.CONTEXT_EDITOR)

    def __init__(self, context: dict[str, Any]) -> None:
        super().__init__()
        self.context = context

    def compose_body(self) -> ComposeResult:
        text = json.dumps(self.context, indent=2, ensure_ascii=False)
        with Vertical(classes="modal-body", id="context-body"):
            yield Static(Content(_("User context")), classes="modal-title")
            yield Static(
                Content(_('A JSON object sent to the model in the system prompt, e.g. {"name": "Ada"}.')),
                classes="field-hint",
            )
            yield TextArea.code_editor(text, language="json", id="context-text", soft_wrap=True)
            yield Static(id="context-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(_("Save"), variant="primary", id="save")
                yield Button(_("Cancel"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#context-text", TextArea).focus()

    @on(TextArea.Changed, "#context-text")
    def _changed(self) -> None:
        self.query_one("#context-error", Static).update("")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        value, error = parse_context(self.query_one("#context-text", TextArea).text)
        if value is None:
            self.query_one("#context-error", Static).update(Content(error))
            return
        self.dismiss(value)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
