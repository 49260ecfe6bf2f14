"""Small modal dialogs: confirm (yes/no) and rename (one line of text)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui_chat.i18n import _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import visible
from tui_chat.ui.localized import TranslatedKeys


class ConfirmDialog(TranslatedKeys, ModalScreen[bool]):
    """Asks a question (in the current language, from the caller); dismisses with True (y / Enter on the
    confirm button) or False (n / Esc). The confirm button says "Delete" unless ``confirm_label`` (already
    translated) says otherwise."""

    BINDINGS = bindings(Where.CONFIRM)

    def __init__(self, question: str, *, confirm_label: str | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.question = question
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(visible(self.question)), classes="dialog-question")
            with Horizontal(classes="dialog-buttons"):
                label = self.confirm_label or _("Delete")
                yield Button(Text(f"{label} (y)"), id="confirm", variant="error")
                yield Button(Text(f"{_('Cancel')} (n)"), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()

    @on(Button.Pressed, "#confirm")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class RenameDialog(TranslatedKeys, ModalScreen[str | None]):
    """Edits a title; dismisses with the new title, or None when cancelled or left empty."""

    BINDINGS = bindings(Where.RENAME)

    def __init__(self, title: str) -> None:
        super().__init__(classes="dialog-screen")
        self.current_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(_("Rename conversation")), classes="dialog-question")
            yield Input(self.current_title, id="title", select_on_focus=True)
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(_("Rename")), id="confirm", variant="primary")
                yield Button(Text(_("Cancel")), id="cancel")

    @on(Input.Submitted, "#title")
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        title = self.query_one("#title", Input).value.strip()
        self.dismiss(title or None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
