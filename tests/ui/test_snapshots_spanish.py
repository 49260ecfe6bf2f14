"""Snapshots of the main screen and the help screen with ``language = "es"``: every text around the
conversation (list, labels, times, the tool call, the inspector, the footer, the help's key list) is
Spanish, and nothing is cut off. The conversation itself is written in Spanish, as its users would."""

from __future__ import annotations

from typing import Any

from panel_fixtures import ScreenApp

from tests.ui.conftest import wait_for
from tests.ui.seed_data import OPEN_ID, SPANISH, seed
from tests.ui.test_snapshots_panels import settle
from tui_chat.i18n import set_language
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_view import ChatView


def test_main_screen_in_spanish(snap_compare: Any, make_app, data_dir) -> None:
    seed(data_dir, SPANISH)

    async def run_before(pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.query("#sidebar") and screen.sidebar.count == 3)
        screen.sidebar.highlight(OPEN_ID)
        screen.open_conversation(OPEN_ID)
        await wait_for(pilot, lambda: screen.conversation is not None and screen.conversation.id == OPEN_ID)
        await wait_for(pilot, lambda: pilot.app.query_one(ChatView).mounted_count > 5)
        await pilot.pause(0.3)

    assert snap_compare(make_app(language="es"), terminal_size=(140, 40), run_before=run_before)


def test_help_screen_in_spanish(snap_compare: Any) -> None:
    set_language("es")  # as the Workspace sets it from [session] language (reset after each test)
    assert snap_compare(ScreenApp(HelpScreen()), terminal_size=(100, 80), run_before=settle)
