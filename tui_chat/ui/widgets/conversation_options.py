"""The conversation list's option list: its keys (typing edits the filter) and its row actions.

Apart from the list widget because it is the one focusable part, with the list's keys; the list
(:mod:`conversation_list`) composes it, and it posts the list's messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.widgets import OptionList

from tui_chat.ui.actions import Where, bindings

if TYPE_CHECKING:
    from tui_chat.ui.widgets.conversation_list import ConversationList


def _list_class() -> type[ConversationList]:
    """The list these options belong to (imported when used: the list's module imports this one)."""
    from tui_chat.ui.widgets.conversation_list import ConversationList

    return ConversationList


class ConversationOptions(OptionList):
    """The option list. Typing here edits the filter while the focus stays on the list.

    Printable keys all belong to the filter (so "notes" or "debug" can be typed at any speed): the list
    actions use keys that cannot be typed. The highlight never wraps from one end to the other.
    """

    BINDINGS = bindings(Where.LIST)

    @property
    def conversation_list(self) -> ConversationList | None:
        parent = self.parent
        return parent if isinstance(parent, _list_class()) else None

    def on_key(self, event: events.Key) -> None:
        listing = self.conversation_list
        if listing is None:
            return
        if event.character == "/" and not listing.filter_text:
            self.post_message(_list_class().SearchRequested())
        elif event.is_printable and event.character:
            listing.edit_filter(append=event.character)
        elif event.key == "backspace":
            listing.edit_filter(backspace=True)
        elif event.key == "ctrl+u" or (event.key == "escape" and listing.filter_text):
            listing.edit_filter(clear=True)
        else:
            return
        event.stop()
        event.prevent_default()

    def action_cursor_up(self) -> None:
        if self.highlighted is None:
            self.action_first()
        elif self.highlighted > 0:
            super().action_cursor_up()

    def action_cursor_down(self) -> None:
        if self.highlighted is None:
            self.action_first()
        elif self.highlighted < self.option_count - 1:
            super().action_cursor_down()

    def action_rename(self) -> None:
        self._post("rename")

    def action_delete(self) -> None:
        self._post("delete")

    def action_undo(self) -> None:
        self.post_message(_list_class().UndoRequested())

    def _post(self, what: str) -> None:
        option = self.highlighted_option
        listing = self.conversation_list
        if option is None or option.id is None or listing is None:
            return
        summary = listing.summary(option.id)
        if summary is None:
            return
        listing_class = _list_class()
        message = listing_class.RenameRequested if what == "rename" else listing_class.DeleteRequested
        self.post_message(message(summary))
