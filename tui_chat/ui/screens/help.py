"""The help screen: every key and what it does, shown literally."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.ui.formatting import visible
from tui_chat.ui.screens.modal import TuiModal


def keys_table(bindings: list[tuple[str, str]]) -> Content:
    """Two aligned columns: the key (bold) and its action; duplicates of a pair are dropped."""
    rows = list(dict.fromkeys((visible(key), visible(action)) for key, action in bindings))
    width = max((len(key) for key, _ in rows), default=0)
    lines = [Content.assemble((key.ljust(width), "bold $accent"), "   ", action) for key, action in rows]
    return Content("\n").join(lines) if lines else Content("No key bindings.")


class HelpScreen(TuiModal[None]):
    """Lists ``(key, action)`` pairs; Esc, q or F1 closes it."""

    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("f1", "dismiss", "Close", show=False),
    ]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="modal-body", id="help-body"):
            yield Static(Content("Keys"), classes="modal-title")
            with VerticalScroll(id="help-keys"):
                yield Static(keys_table(self.bindings), id="help-table")
            yield Static(
                Content("Every action is also in the command palette (ctrl+p). Esc closes this screen."),
                classes="modal-hint",
            )
