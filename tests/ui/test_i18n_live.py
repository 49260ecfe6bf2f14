"""The language changes live from the settings: the open conversation, the draft and the panes stay,
and every text is redrawn in the new language."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Select

from tests.ui.conftest import FIXED_NOW, screen_text, wait_for
from tui_chat.config import load_config
from tui_chat.engine.chat import ChatService
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.i18n import current_language
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.settings import SettingsScreen


async def test_choosing_spanish_in_the_settings_redraws_everything_and_keeps_the_conversation(
    tmp_path: Path, scripted_server
) -> None:
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir(parents=True)
    config_path.write_text(f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\n')
    settings_path = tmp_path / "data" / "settings.toml"
    config = load_config(config_path, settings_path=settings_path)
    chat = ChatService(config, ConversationStore(tmp_path / "data"), ToolRegistry())
    app = TuiChatApp(
        config, tmp_path / "data", chat_service=chat, clock=lambda: FIXED_NOW, warm_litellm=False
    )
    async with app.run_test(size=(140, 45)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen) and app.screen.conversation)
        main = app.screen
        assert isinstance(main, MainScreen)
        opened = main.conversation
        await pilot.press("f6")  # the list hidden: a pane state the new screen must keep
        await pilot.press(*"hola")
        await wait_for(pilot, lambda: "Hello! I'm your virtual assistant" in screen_text(app))

        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        app.screen.query_one("#language", Select).value = "es"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert current_language() == "es"
        await wait_for(pilot, lambda: any(n.message == "Ajustes guardados." for n in app._notifications))
        await wait_for(pilot, lambda: "^p paleta" in screen_text(app))  # the footer, redrawn
        await wait_for(pilot, lambda: main.composer.text == "hola")
        assert main.conversation is opened
        assert main.has_class("-no-sidebar")
        # The welcome a conversation holds stays as it was written; the screen around it is Spanish.
        assert "Hello! I'm your virtual assistant" in screen_text(app)
    assert load_config(config_path, settings_path=settings_path).session.language == "es"
