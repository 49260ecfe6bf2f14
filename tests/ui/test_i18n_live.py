"""The language changes live from the settings: the open conversation, the draft and the panes stay,
and every text is redrawn in the new language."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scripted_server import slow_stream
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
from tui_chat.ui.widgets.live_reply import LiveReply


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


async def test_a_reply_streaming_while_the_language_changes_goes_on_and_is_shown_whole(
    make_app, scripted_server, data_dir
) -> None:
    words = [f"word{i} " for i in range(60)]
    scripted_server.script(slow_stream(words, 0.05))
    app = make_app()
    async with app.run_test(size=(140, 45)) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: main.conversation is not None)
        main.composer.load_text("talk slowly")
        main.composer.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "word3" in live_text(app))
        spanish = replace(app.config, session=replace(app.config.session, language="es"))
        app.apply_config(spanish)
        # Said once the screen is composed again (drawing it before would race the new widgets).
        await wait_for(pilot, lambda: any(n.message == "Ajustes guardados." for n in app._notifications))
        await wait_for(pilot, lambda: "^p paleta" in screen_text(app))
        # The redrawn chat follows the same reply: what came so far, then live, to the end.
        await wait_for(pilot, lambda: app.query(LiveReply) and live_text(app).startswith("word0 word1"))
        await wait_for(pilot, lambda: not main.turn_running)
        assert live_text(app) == "".join(words)
    saved = ConversationStore(data_dir).load(main.conversation.id)
    reply = saved.messages()[-1]
    assert reply.content == "".join(words) and not reply.interrupted and not reply.partial


def live_text(app) -> str:
    return "".join(reply.message.content for reply in app.query(LiveReply))
