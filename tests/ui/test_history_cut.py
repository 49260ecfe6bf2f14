"""The chat marks where the history sent to the model starts, when a budget or the cap cut it."""

from __future__ import annotations

from scripted_server import text

from tests.ui.conftest import screen_text, wait_for
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_notices import Notice
from tui_chat.ui.widgets.composer import Composer
from tui_chat.ui.widgets.message_widgets import UserBlock

SIZE = (140, 50)


async def send(pilot, message: str) -> None:
    composer = pilot.app.query_one(Composer)
    composer.focus()
    composer.load_text(message)
    await pilot.press("enter")


async def test_a_cut_history_shows_one_marker_above_the_first_message_sent(make_app, scripted_server) -> None:
    app = make_app()
    app.workspace.config.session.history_messages = 2
    scripted_server.script(*(text(f"answer {n}") for n in range(1, 5)))
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        for n in range(1, 4):
            await send(pilot, f"question {n}")
            await wait_for(pilot, lambda: not screen.turn_running and pilot.app.query(UserBlock))
            await wait_for(pilot, lambda n=n: len(pilot.app.query(UserBlock)) == n)
        await wait_for(pilot, lambda: bool(app.query(".history-cut")))
        (marker,) = app.query(".history-cut")
        assert isinstance(marker, Notice)
        assert "3 earlier messages not sent to the model" in screen_text(app)
        children = list(marker.parent.children)  # type: ignore[union-attr]
        after = children[children.index(marker) + 1]
        assert after.message.content == "answer 2"
