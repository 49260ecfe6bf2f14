"""The inspector as an overlay screen, for terminals too narrow for the side panel.

Apart from the panel because it is a screen (its own keys and footer) that holds one.
Push ``InspectorScreen(conversation, selected)`` instead of showing the side panel;
route live updates to ``screen.panel`` while it is open.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import ModalScreen
from textual.widgets import Footer

from tui_chat.engine.models import Conversation
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.localized import TranslatedKeys
from tui_chat.ui.widgets.inspector import InspectorPanel


class InspectorScreen(TranslatedKeys, ModalScreen[None]):
    """The inspector as an overlay, for terminals too narrow for the side panel; its footer says
    how to close it (Esc or F2, the key that opened it)."""

    DEFAULT_CSS = """
    InspectorScreen { align: right middle; }
    InspectorScreen > InspectorPanel { width: 100%; height: 1fr; background: $surface; }
    """
    BINDINGS = bindings(Where.INSPECTOR_OVERLAY)

    def __init__(self, conversation: Conversation | None, selected: str | None = None) -> None:
        super().__init__()
        self._conversation = conversation
        self._initial = selected

    def compose(self) -> ComposeResult:
        yield InspectorPanel(id="inspector-overlay")
        yield Footer()

    def on_mount(self) -> None:
        self.panel.show_conversation(self._conversation)
        if self._initial:
            self.panel.select_call(self._initial)
        self.panel.query_one("#inspector-calls").focus()

    @property
    def panel(self) -> InspectorPanel:
        return self.query_one(InspectorPanel)
