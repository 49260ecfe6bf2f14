"""The app never writes config.toml: theme and settings changes go to the app's settings file, survive a
restart, and the settings screen lists the server's own models and names invalid fields."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from panel_fixtures import ScreenApp
from textual.widgets import Input, Select, Static

from tests.ui.conftest import FIXED_NOW, wait_for
from tui_chat.config import ModelSettings, load_config
from tui_chat.engine.chat import ChatService
from tui_chat.engine.provider.server_models import server_models
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.settings import SettingsScreen

USER_CONFIG = """# My tui-chat config. Keep these comments!
[model]
name = "openai/qwen"        # llama-server on this machine
api_base = "{base}"
temperature = 0.5

[tools]
examples = false
"""


def options(select: Select) -> list[str]:
    return [str(value) for _, value in select._options]  # type: ignore[attr-defined]


async def test_theme_and_settings_changes_leave_config_toml_byte_identical_and_survive_restart(
    tmp_path: Path, scripted_server
) -> None:
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir(parents=True)
    config_path.write_text(USER_CONFIG.format(base=scripted_server.base_url))
    before = config_path.read_bytes()
    settings_path = tmp_path / "data" / "settings.toml"
    config = load_config(config_path, settings_path=settings_path)
    chat = ChatService(config, ConversationStore(tmp_path / "data"), ToolRegistry())
    app = TuiChatApp(
        config, tmp_path / "data", chat_service=chat, clock=lambda: FIXED_NOW, warm_litellm=False
    )
    async with app.run_test(size=(140, 50)) as pilot:
        await pilot.pause()
        app.theme = "tui-chat-light"
        await wait_for(pilot, settings_path.exists)
        app.action_settings()
        await wait_for(
            pilot, lambda: isinstance(app.screen, SettingsScreen) and app.screen.query("#model-picker")
        )
        screen = app.screen
        # The picker lists what the server itself serves (GET /v1/models), fetched in a thread.
        await wait_for(pilot, lambda: "openai/scripted" in options(screen.query_one("#model-picker", Select)))
        assert "1 model from" in str(screen.query_one("#model-source", Static).render())
        screen.query_one("#temperature", Input).value = "0.1"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, SettingsScreen))
    assert config_path.read_bytes() == before
    assert any(r.method == "GET" and r.path.endswith("/models") for r in scripted_server.all_requests)

    restarted = load_config(config_path, settings_path=settings_path)
    assert restarted.ui.theme == "tui-chat-light" and restarted.model.temperature == 0.1
    assert restarted.model.name == "openai/qwen" and restarted.sources["model.temperature"] == "settings"


async def test_an_invalid_field_is_highlighted_and_named(tmp_path: Path) -> None:
    app = ScreenApp(SettingsScreen(load_config(tmp_path / "config.toml")))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        app.screen.query_one("#temperature", Input).value = "warm"
        app.screen.query_one("#max_tokens", Input).value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert screen.query_one("#field-temperature").has_class("-invalid")
        assert screen.query_one("#field-max_tokens").has_class("-invalid")
        assert not screen.query_one("#field-model").has_class("-invalid")
        status = str(screen.query_one("#settings-status", Static).render())
        assert status == "Fix 2 fields to save: Temperature, Max tokens."
        screen.query_one("#temperature", Input).value = "1"
        screen.query_one("#max_tokens", Input).value = "10"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert not (tmp_path / "config.toml").exists()


class _Ollama(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"models": [{"name": "llama3.1:8b"}, {"name": "qwen2.5:0.5b"}]}).encode()
        self.send_response(200 if self.path == "/api/tags" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_server_models_from_openai_compatible_and_ollama_servers(scripted_server) -> None:
    found = server_models(ModelSettings(name="openai/qwen", api_base=scripted_server.base_url))
    assert found.names == ["openai/scripted"] and found.source.endswith("/v1/models")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ollama)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        found = server_models(ModelSettings(name="ollama_chat/llama3.1", api_base=base))
        assert found.names == ["ollama_chat/llama3.1:8b", "ollama_chat/qwen2.5:0.5b"]
    finally:
        server.shutdown()
        server.server_close()
    unreachable = server_models(ModelSettings(name="openai/x", api_base="http://127.0.0.1:9/v1"), timeout=1)
    assert (
        unreachable.names == []
        and "cannot list models at http://127.0.0.1:9/v1/models" in unreachable.problem
    )
    assert server_models(ModelSettings(name="gpt-4o-mini")).source == ""  # hosted: nothing to ask
