"""Snapshots of the main screen at a fixed size, from deterministic seed data and a fixed clock."""

from __future__ import annotations

from tests.ui.conftest import wait_for
from tests.ui.seed_data import OPEN_ID, seed
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_view import ChatView

SIZE = (140, 40)


def test_main_screen_with_an_open_conversation(snap_compare, make_app, data_dir) -> None:
    seed(data_dir)

    async def run_before(pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.sidebar.count == 4)
        screen.sidebar.highlight(OPEN_ID)
        screen.open_conversation(OPEN_ID)
        await wait_for(pilot, lambda: screen.conversation is not None and screen.conversation.id == OPEN_ID)
        await wait_for(pilot, lambda: pilot.app.query_one(ChatView).mounted_count > 5)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_main_screen_at_start(snap_compare, make_app, data_dir) -> None:
    seed(data_dir)

    async def run_before(pilot) -> None:
        await pilot.pause()
        await wait_for(pilot, lambda: pilot.app.screen.sidebar.count == 4)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)
