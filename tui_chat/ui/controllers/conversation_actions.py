"""ConversationActions: what the user does with the open conversation besides chatting.

Edit its user context, copy the last reply, export it as Markdown (to a path the user picks) — each
through the Workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.engine.errors import StoreError
from tui_chat.engine.export import export_file_name
from tui_chat.engine.models import AssistantMessage
from tui_chat.i18n import _
from tui_chat.ui.screens.context_editor import ContextEditorScreen
from tui_chat.ui.screens.export_dialog import ExportDialog

if TYPE_CHECKING:
    from tui_chat.ui.screens.main import MainScreen


class ConversationActions:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    def edit_context(self) -> None:
        screen = self.screen
        conversation = screen.conversation
        if conversation is None:
            return

        async def done(context: dict | None) -> None:
            if context is None:
                return
            try:
                await screen.workspace.set_context(conversation, context)
            except StoreError as error:
                screen.notify(str(error), severity="error", markup=False, timeout=10)
                return
            screen.notify(_("Context saved; the model sees it from the next message."))

        screen.app.push_screen(ContextEditorScreen(dict(conversation.context)), done)

    def copy_last_reply(self) -> None:
        screen = self.screen
        if screen.conversation is None:
            return
        for message in reversed(screen.conversation.messages()):
            if isinstance(message, AssistantMessage) and message.content:
                screen.app.copy_to_clipboard(message.content)
                screen.notify(_("Last reply copied to the clipboard."), timeout=2)
                return
        screen.notify(_("No reply to copy yet."), severity="warning")

    async def export(self) -> None:
        """Ask where (the current folder by default), write there (0600), say where it went."""
        screen = self.screen
        conversation = screen.conversation
        if conversation is None or conversation.message_count() <= 1:
            screen.notify(_("Nothing to export yet."), severity="warning")
            return

        async def write(path: Path) -> Path:
            return await screen.workspace.export_to(conversation, path)

        def done(path: Path | None) -> None:
            if path is not None:
                said = _("Exported to {path}").format(path=path)
                screen.notify(said, title=_("Exported"), markup=False, timeout=8)

        default = Path.cwd() / export_file_name(conversation)
        screen.app.push_screen(ExportDialog(default, write), done)
