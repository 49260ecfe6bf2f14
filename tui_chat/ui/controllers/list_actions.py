"""ListActions: rename, delete (to the trash, after asking) and undo, through the Workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui_chat.engine.errors import StoreError
from tui_chat.engine.models import ConversationSummary
from tui_chat.i18n import _
from tui_chat.ui.formatting import one_line
from tui_chat.ui.screens.dialogs import ConfirmDialog, RenameDialog

if TYPE_CHECKING:
    from tui_chat.ui.screens.main import MainScreen


class ListActions:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.undo_stack: list[tuple[str, str]] = []
        """(trash token, title) of every delete of this session, the latest last."""

    def rename(self, summary: ConversationSummary) -> None:
        screen = self.screen

        async def done(title: str | None) -> None:
            if not title or title == summary.title:
                return
            try:
                await screen.workspace.rename(summary.id, title)  # the list hears of it as a change
            except StoreError as error:
                screen.notify(str(error), severity="error", markup=False)

        screen.app.push_screen(RenameDialog(summary.title), done)

    def delete(self, summary: ConversationSummary) -> None:
        screen = self.screen
        title = one_line(summary.title or summary.id, 60)
        if summary.damaged:
            # The store never moves or overwrites a damaged file: say so before asking anything.
            path = screen.workspace.path_of(summary.id)
            screen.notify(
                _(
                    "“{title}” is damaged, so tui-chat leaves its file alone and cannot delete it. "
                    "Repair or remove it by hand: {path}"
                ).format(title=title, path=path),
                severity="warning",
                markup=False,
                timeout=10,
            )
            return

        async def done(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                token = await screen.workspace.delete(summary.id)
            except StoreError as error:
                screen.notify(str(error), severity="error", markup=False)
                return
            self.undo_stack.append((token, title))
            if screen.conversation is not None and screen.conversation.id == summary.id:
                await screen.open_new_conversation()
            said = _("Deleted “{title}”. ctrl+z in the list brings it back.").format(title=title)
            screen.notify(said, markup=False)

        question = _("Delete “{title}”? It goes to the trash; ctrl+z in the list undoes it.")
        screen.app.push_screen(ConfirmDialog(question.format(title=title)), done)

    async def undo(self) -> None:
        """Restore the latest delete not yet undone: every delete of this session can be undone in turn."""
        screen = self.screen
        if not self.undo_stack:
            screen.notify(_("Nothing left to undo in this session."), severity="warning")
            return
        token, title = self.undo_stack[-1]
        try:
            await screen.workspace.restore(token)  # the list reloads on the change
        except StoreError as error:
            screen.notify(str(error), severity="error", markup=False)
            return
        self.undo_stack.pop()
        more = len(self.undo_stack)
        if more:
            said = _("Restored “{title}”. ctrl+z again restores {more} more.").format(title=title, more=more)
        else:
            said = _("Restored “{title}”.").format(title=title)
        screen.notify(said, markup=False)
