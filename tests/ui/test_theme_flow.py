"""Theme switching from the command palette, kept in the app's settings file (config.toml untouched);
broken user themes are reported."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandList, CommandPalette

from tests.ui.conftest import FIXED_NOW, wait_for
from tui_chat.config import Config, ModelSettings, ToolSettings, load_config, save_config
from tui_chat.engine.chat import ChatService
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.ui.app import TuiChatApp

USER_THEME = """
name = "my-green"
dark = true
primary = "#00aa55"
background = "#001a0d"
"""


def make_themed_app(tmp_path: Path, model_settings: ModelSettings) -> tuple[TuiChatApp, Path]:
    config_path = tmp_path / "config" / "config.toml"
    themes = config_path.parent / "themes"
    themes.mkdir(parents=True)
    (themes / "my-green.toml").write_text(USER_THEME)
    (themes / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
    config = Config(model=model_settings, tools=ToolSettings(examples=False))
    save_config(config, config_path)
    config.path = config_path
    config.settings_path = tmp_path / "data" / "settings.toml"
    store = ConversationStore(tmp_path / "data")
    chat = ChatService(config, store, ToolRegistry())
    app = TuiChatApp(
        config, tmp_path / "data", chat_service=chat, clock=lambda: FIXED_NOW, warm_litellm=False
    )
    return app, config_path


def first_match(app: TuiChatApp) -> str:
    """The highlighted (first) command the open palette offers, as plain text; "" when none."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return ""
    commands = palette.query_one(CommandList)
    if commands.highlighted is None or not commands.option_count:
        return ""
    prompt = commands.get_option_at_index(commands.highlighted).prompt
    return getattr(prompt, "plain", str(prompt))


def saved_theme(config_path: Path) -> str:
    """The theme a restart would use (config.toml with the settings file over it)."""
    return load_config(config_path, settings_path=config_path.parents[1] / "data" / "settings.toml").ui.theme


async def test_switching_theme_from_the_palette_is_saved(
    tmp_path: Path, model_settings: ModelSettings
) -> None:
    app, config_path = make_themed_app(tmp_path, model_settings)
    before = config_path.read_bytes()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        assert app.theme == "tui-chat-dark"
        assert "my-green" in app.available_themes
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"theme")
        await wait_for(pilot, lambda: first_match(app).lower().startswith("theme"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and first_match(app))
        await pilot.press(*"tui-chat-light")
        await wait_for(pilot, lambda: first_match(app) == "tui-chat-light")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.theme == "tui-chat-light")
        await wait_for(pilot, lambda: saved_theme(config_path) == "tui-chat-light")
    assert config_path.read_bytes() == before


async def test_a_broken_user_theme_is_named_in_a_notification(
    tmp_path: Path, model_settings: ModelSettings
) -> None:
    app, _ = make_themed_app(tmp_path, model_settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        messages = [str(notification.message) for notification in app._notifications]
        assert any("broken.toml" in message for message in messages), messages
        assert app.theme == "tui-chat-dark"  # the good themes still load


async def test_user_theme_can_be_chosen(tmp_path: Path, model_settings: ModelSettings) -> None:
    app, config_path = make_themed_app(tmp_path, model_settings)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.theme = "my-green"
        await wait_for(pilot, lambda: saved_theme(config_path) == "my-green")
        assert app.current_theme.primary == "#00aa55"
