"""Shared fixtures: every test runs isolated from the user's config, data, keys and network."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted_server import ScriptedServer

from tui_chat.config import ModelSettings
from tui_chat.engine.provider.litellm_import import OFFLINE_ENVIRONMENT

CLEARED_VARIABLES = (
    "OPENAI_API_KEY",
    "OPENROUTER_API_KEY",
    "OPENROUTER_BASE_URL",
    "DEFAULT_MODEL",
    "ANTHROPIC_API_KEY",
    "OPENAI_API_BASE",
    "OPENAI_BASE_URL",
    "OLLAMA_API_BASE",
)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Config and data dirs in tmp_path, no provider keys or bases, litellm offline."""
    monkeypatch.setenv("TUI_CHAT_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("TUI_CHAT_DATA_DIR", str(tmp_path / "data"))
    for name in CLEARED_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in OFFLINE_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(autouse=True)
def english_texts() -> Iterator[None]:
    """Each test starts and ends in English: the language is the process's (a Spanish app sets it)."""
    from tui_chat.i18n import set_language

    set_language("en")
    yield
    set_language("en")


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A started :class:`ScriptedServer`; script replies with ``scripted_server.script(text("hi"), ...)``."""
    with ScriptedServer() as server:
        yield server


@pytest.fixture
def model_settings(scripted_server: ScriptedServer) -> ModelSettings:
    """Settings pointing at the scripted server: short timeout, two retries."""
    return ModelSettings(name="openai/scripted", api_base=scripted_server.base_url, timeout=5, max_retries=2)


def write_cli_config(server: ScriptedServer, tools: Path, *, examples: bool = True) -> Path:
    """The config file the CLI tests run with: the scripted model and one tool module (``tools``)."""
    import os

    path = Path(os.environ["TUI_CHAT_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{server.base_url}"\ntimeout = 5.0\n'
        f'max_retries = 0\n\n[tools]\nmodules = ["{tools}"]\n' + ("" if examples else "examples = false\n")
    )
    return path
