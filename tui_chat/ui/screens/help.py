"""The help screen: every key and what it does, shown literally."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.ui.actions import Where, bindings, help_rows
from tui_chat.ui.formatting import visible
from tui_chat.ui.screens.modal import TuiModal


def keys_table(pairs: list[tuple[str, str]]) -> Content:
    """Two aligned columns: the key (bold) and its action; duplicates of a pair are dropped."""
    rows = list(dict.fromkeys((visible(key), visible(action)) for key, action in pairs))
    width = max((len(key) for key, _ in rows), default=0)
    lines = [Content.assemble((key.ljust(width), "bold $accent"), "   ", action) for key, action in rows]
    return Content("\n").join(lines) if lines else Content("No key bindings.")


class HelpScreen(TuiModal[None]):
    """Lists ``(key, action)`` pairs, by default every key of the app (ui/actions.py); Esc, q or F1
    closes it."""

    BINDINGS = bindings(Where.HELP)

    def __init__(self, rows: list[tuple[str, str]] | None = None) -> None:
        super().__init__()
        self.rows = help_rows() if rows is None else rows

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="modal-body", id="help-body"):
            yield Static(Content("Keys"), classes="modal-title")
            with VerticalScroll(id="help-keys"):
                yield Static(keys_table(self.rows), id="help-table")
            yield Static(
                Content("Every action is also in the command palette (ctrl+p). Esc closes this screen."),
                classes="modal-hint",
            )
