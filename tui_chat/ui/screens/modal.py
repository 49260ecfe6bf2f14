"""The base of tui-chat's modal screens: their own keys in a footer, not the app's."""

from __future__ import annotations

from typing import TypeVar

from textual.app import ComposeResult
from textual.screen import ActiveBinding, ModalScreen
from textual.widgets import Footer

from tui_chat.ui.localized import TranslatedKeys

ResultType = TypeVar("ResultType")


class TuiModal(TranslatedKeys, ModalScreen[ResultType]):
    """A modal screen whose footer lists the screen's keys (Esc, ctrl+s…) and hides the app-wide ones.

    Subclasses compose their body in ``compose_body``; the footer covers the main screen's, which would
    otherwise show through and offer keys that do nothing here.
    """

    CSS_PATH = "modals.tcss"

    def __init__(self) -> None:
        super().__init__(classes="tui-modal")

    def compose(self) -> ComposeResult:
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        # Only what is shown: the app's keys still work, but they are not this screen's to offer.
        return {key: active for key, active in super().active_bindings.items() if active.node is not self.app}
