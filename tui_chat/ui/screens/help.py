"""The help screen: every key and what it does, by where it applies, shown literally."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.i18n import _
from tui_chat.ui.actions import Where, bindings, help_sections
from tui_chat.ui.formatting import visible
from tui_chat.ui.screens.modal import TuiModal

Sections = list[tuple[str, list[tuple[str, str]]]]


class HelpScreen(TuiModal[None]):
    """Lists ``(title, [(key, action), ...])`` sections, by default every key of the app (from
    ui/actions.py, in the current language); Esc, q or F1 closes it. Long descriptions wrap under
    themselves, not under the keys."""

    BINDINGS = bindings(Where.HELP)

    def __init__(self, sections: Sections | None = None) -> None:
        super().__init__()
        self.sections = help_sections() if sections is None else sections

    def compose_body(self) -> ComposeResult:
        width = max((len(visible(key)) for __, rows in self.sections for key, __ in rows), default=1)
        with Vertical(classes="modal-body", id="help-body"):
            yield Static(Content(_("Keys")), classes="modal-title")
            with VerticalScroll(id="help-keys"):
                for title, rows in self.sections:
                    yield Static(Content(visible(title)), classes="help-section")
                    grid = Grid(classes="help-grid")
                    grid.styles.grid_columns = f"{width} 1fr"
                    with grid:
                        for key, description in rows:
                            yield Static(Content(visible(key)), classes="help-key")
                            yield Static(Content(visible(description)), classes="help-description")
            yield Static(
                Content(_("Every action is also in the command palette (ctrl+p). Esc closes this screen.")),
                classes="modal-hint",
            )
