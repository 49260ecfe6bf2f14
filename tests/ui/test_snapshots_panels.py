"""Snapshots of the inspector with a call selected, the settings screen and the help screen.

Fixed terminal sizes, a pause before anything else (layout is not done when run_before starts) and
no cursor blink, so the pictures are stable (docs in /work/shared/notes/textual.md §1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from panel_fixtures import InspectorApp, ScreenApp, sample_conversation
from textual.widgets import Input, TextArea

from tui_chat.config import Config
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.settings import SettingsScreen

HELP_KEYS = [
    ("ctrl+n", "New conversation"),
    ("enter", "Send the message"),
    ("shift+enter", "New line"),
    ("escape", "Cancel the reply"),
    ("f2", "Toggle the function-call inspector"),
    ("ctrl+o", "Expand or collapse every function call"),
    ("ctrl+p", "Command palette"),
    ("[b]", "Shown [bold]literally[/]"),
]


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda _self: None)


async def settle(pilot: Any) -> None:
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, Input | TextArea):
            widget.cursor_blink = False
    await pilot.pause(0.1)


def test_inspector_with_a_call_selected(snap_compare: Any) -> None:
    assert snap_compare(
        InspectorApp(sample_conversation(), selected="call-bad"), terminal_size=(100, 45), run_before=settle
    )


def test_settings_screen(snap_compare: Any, tmp_path: Path) -> None:
    app = ScreenApp(SettingsScreen(Config(path=tmp_path / "config.toml")))
    assert snap_compare(app, terminal_size=(110, 50), run_before=settle)


def test_help_screen(snap_compare: Any) -> None:
    assert snap_compare(ScreenApp(HelpScreen(HELP_KEYS)), terminal_size=(90, 30), run_before=settle)
