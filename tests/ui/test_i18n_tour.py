"""Every screen, drawn in a pseudo-language, shows no text that bypassed the catalog.

The pseudo-language (tests/i18n_pseudo.py) turns each looked-up text's letters into accented look-alikes;
the seeded conversation is written in Greek. A plain ASCII word left on a screen is then a text some code
wrote without ``_()``, except the few data words allowed below (model and tool names, JSON keys). The tour
opens each screen with its key, as a user would; a new screen gets a line in ``SCREENS``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.screen import Screen

from tests.i18n_pseudo import pseudo_language, untranslated
from tests.ui.conftest import screen_text, wait_for
from tests.ui.seed_data import GREEK, OPEN_ID, seed
from tui_chat.ui.screens.context_editor import ContextEditorScreen
from tui_chat.ui.screens.export_dialog import ExportDialog
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.search import SearchScreen
from tui_chat.ui.screens.settings import SettingsScreen
from tui_chat.ui.screens.stats import StatsScreen
from tui_chat.ui.screens.tools_panel import ToolsPanelScreen
from tui_chat.ui.widgets.chat_view import ChatView
from tui_chat.ui.widgets.inspector_screen import InspectorScreen

DATA_WORDS = (
    "openai", "gpt", "mini", "scripted", "get_time", "tz", "Europe", "Madrid", "success", "data", "time",
    "tui-chat", "local", "chat-local", "conftest", "UTC", "IANA", "tui-chat-dark", "litellm",
    "English", "true", "string", "get",
)  # fmt: skip
"""ASCII words that are data here: the model, the tool (its name, also cut by a dialog; its module,
description and JSON), ids, the app's name and its theme, litellm's name, JSON Schema's type names; a
language's own name ("English", "Español") is not translated."""
DATA_TEXTS = (
    "The current time in a time zone.",  # the test tool's docstring and parameter help
    'An IANA time zone name such as "UTC".',
    '{"name": "Ada"}',  # a JSON example inside a sentence
    str(Path.cwd()),  # the export dialog's default folder
)


def _leftovers(app, where: str, found: dict[str, str]) -> None:
    """Add each line with an untranslated word to ``found`` (line → the first screen that showed it: a
    modal screen shows the main screen around it)."""
    toasts = "\n".join(f"{n.title} {n.message}" for n in app._notifications)
    text = screen_text(app)
    for data in DATA_TEXTS:
        text = text.replace(data, "")
    for line in untranslated(text, DATA_WORDS) + untranslated(toasts, DATA_WORDS):
        found.setdefault(line, where)


SCREENS: list[tuple[str, type[Screen]]] = [
    ("f1", HelpScreen),
    ("f3", SettingsScreen),
    ("f9", StatsScreen),
    ("ctrl+f", SearchScreen),
    ("f5", ToolsPanelScreen),
    ("f4", ContextEditorScreen),
    ("ctrl+s", ExportDialog),
]


@pytest.fixture
def pseudo():
    with pseudo_language():
        yield


async def test_no_screen_shows_a_text_that_is_not_in_the_catalog(pseudo, make_app, data_dir) -> None:
    seed(data_dir, GREEK)
    app = make_app()
    found: dict[str, str] = {}
    async with app.run_test(size=(140, 45)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: main.sidebar.count >= 1)
        main.open_conversation(OPEN_ID)
        await wait_for(pilot, lambda: main.conversation is not None and main.conversation.id == OPEN_ID)
        await wait_for(pilot, lambda: app.query_one(ChatView).mounted_count >= 6)
        await pilot.pause(0.3)
        _leftovers(app, "main screen", found)
        for key, screen_type in SCREENS:
            await pilot.press(key)
            await wait_for(pilot, lambda screen_type=screen_type: isinstance(app.screen, screen_type))
            await pilot.pause(0.5)
            _leftovers(app, screen_type.__name__, found)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is main)
        await pilot.resize_terminal(90, 30)
        await pilot.press("f2")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        await pilot.pause(0.3)
        _leftovers(app, "inspector overlay", found)
    assert found == {}, "\n" + "\n".join(f"{where}: {line}" for line, where in found.items())
