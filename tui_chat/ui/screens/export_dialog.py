"""The export dialog: where to write the conversation as Markdown (default: the current folder).

A path that cannot be written (no such folder, a read-only one) is said in the dialog, which stays
open with the path to fix; only a written file closes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from tui_chat.engine.errors import StoreError
from tui_chat.i18n import _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import visible
from tui_chat.ui.localized import TranslatedKeys


class ExportDialog(TranslatedKeys, ModalScreen[Path | None]):
    """Asks for a path and writes there through ``write``; dismisses with the path written, or None."""

    BINDINGS = bindings(Where.EXPORT)

    def __init__(self, default: Path, write: Callable[[Path], Awaitable[Path]]) -> None:
        super().__init__(classes="dialog-screen")
        self.default = default
        self._write = write

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(_("Export as Markdown to:")), classes="dialog-question")
            yield Input(str(self.default), id="export-path")
            yield Static("", id="export-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Text(_("Export")), id="confirm", variant="primary")
                yield Button(Text(_("Cancel")), id="cancel")

    def on_mount(self) -> None:
        field = self.query_one("#export-path", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @property
    def error(self) -> str:
        return str(self.query_one("#export-error", Static).content)

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#confirm")
    async def _confirm(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        message = self.query_one("#export-error", Static)
        if not text:
            message.update(Text(_("Type a file name.")))
            return
        try:
            written = await self._write(Path(text))
        except StoreError as error:
            message.update(Text(visible(str(error))))
            return
        self.dismiss(written)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
