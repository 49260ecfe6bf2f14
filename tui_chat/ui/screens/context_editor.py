"""Edit a conversation's user context (the seed's ``context``, sent in the system prompt) as JSON."""

from __future__ import annotations

import json
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.screens.modal import TuiModal


def parse_context(text: str) -> tuple[dict[str, Any] | None, str]:
    """The context object, or None and a message saying what is wrong (with the line)."""
    if not text.strip():
        return {}, ""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"Not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
    if not isinstance(value, dict):
        return None, f"The context must be a JSON object ({{…}}), not {type(value).__name__}."
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
            yield Static(Content("User context"), classes="modal-title")
            yield Static(
                Content('A JSON object sent to the model in the system prompt, e.g. {"name": "Ada"}.'),
                classes="field-hint",
            )
            yield TextArea.code_editor(text, language="json", id="context-text", soft_wrap=True)
            yield Static(id="context-error")
            with Horizontal(classes="modal-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Cancel", id="cancel")

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
