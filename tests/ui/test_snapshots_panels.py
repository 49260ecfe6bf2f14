"""Snapshots of the inspector with a call selected, the settings screen and the help screen.

The pictures are stable because the terminal size is fixed, the cursor does not blink, and each picture
is taken only once the screen under test is up (layout is not done yet when ``run_before`` starts).
The help screen shows the app's real key list (ui/actions.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from panel_fixtures import InspectorApp, ScreenApp, sample_conversation
from textual.widgets import Input, TextArea

from tests.ui.conftest import wait_for
from tui_chat.config import Config
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.settings import SettingsScreen


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Input, "_toggle_cursor", lambda _self: None)


async def settle(pilot: Any) -> None:
    app = pilot.app
    wanted = getattr(app, "start_screen", app.screen)
    await wait_for(pilot, lambda: app.screen is wanted and app.screen.is_mounted)
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
    assert snap_compare(ScreenApp(HelpScreen()), terminal_size=(100, 80), run_before=settle)
