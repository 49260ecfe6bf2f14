"""Panes: room to read. The conversation list and the inspector can be hidden, or both at once
(focus mode: only the chat). The screen's classes say what is hidden; app.tcss lays it out.

- ``-no-sidebar`` / ``-no-inspector``: that pane is hidden (F6 / F2).
- ``-focus``: focus mode (F7) hides both; F7 again brings back what was shown before, and F6 or F2 in
  focus mode leave it showing just that pane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui_chat.ui.screens.main import MainScreen


class Panes:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen

    @property
    def focus_mode(self) -> bool:
        return self.screen.has_class("-focus")

    def _leave_focus_mode(self, *, sidebar: bool, inspector: bool) -> None:
        screen = self.screen
        screen.remove_class("-focus")
        screen.set_class(not sidebar, "-no-sidebar")
        screen.set_class(not inspector, "-no-inspector")

    def toggle_sidebar(self) -> None:
        screen = self.screen
        if self.focus_mode:
            self._leave_focus_mode(sidebar=True, inspector=False)
        else:
            screen.toggle_class("-no-sidebar")
        self._keep_focus_visible()

    def toggle_inspector(self) -> None:
        """Only the side panel: a narrow terminal shows the inspector as an overlay instead."""
        screen = self.screen
        if self.focus_mode:
            self._leave_focus_mode(sidebar=False, inspector=True)
        else:
            screen.toggle_class("-no-inspector")
        self._keep_focus_visible()

    def toggle_focus_mode(self) -> None:
        self.screen.toggle_class("-focus")
        self._keep_focus_visible()

    def _keep_focus_visible(self) -> None:
        """A hidden pane cannot keep the focus: the keys typed next go to the composer."""
        screen = self.screen
        focused = screen.focused
        hidden = [screen.sidebar] if self.sidebar_hidden else []
        if self.inspector_hidden:
            hidden.append(screen.inspector)
        if focused is not None and any(pane in focused.ancestors_with_self for pane in hidden):
            screen.composer.focus()

    @property
    def sidebar_hidden(self) -> bool:
        return self.focus_mode or self.screen.has_class("-no-sidebar")

    @property
    def inspector_hidden(self) -> bool:
        screen = self.screen
        return self.focus_mode or screen.has_class("-no-inspector") or screen.has_class("-narrow")
