"""The config file: defaults, validation messages that name the key, and writing with tomli-w."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tui_chat.config import (
    Config,
    config_template,
    load_config,
    parse_config,
    range_of,
    save_config,
    save_settings,
)
from tui_chat.engine.errors import ConfigError


def test_missing_file_means_defaults(tmp_path: Path) -> None:
    config = load_config(tmp_path / "absent.toml")
    assert config.model.temperature == 0.7
    assert config.model.max_tokens == 1000
    assert config.model.timeout == 60
    assert config.session.idle_reset_minutes == 20
    assert config.session.history_messages == 0  # the whole session; the seed sent 10
    assert config.tools.max_rounds == 8


def test_default_model_comes_from_the_seed_env_var(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_MODEL", "openrouter/anthropic/claude-3.5-sonnet")
    assert Config().model.name == "openrouter/anthropic/claude-3.5-sonnet"
    monkeypatch.delenv("DEFAULT_MODEL")
    assert Config().model.name == "gpt-4o-mini"


def test_temperature_zero_stays_zero(tmp_path: Path) -> None:
    config = parse_config("[model]\ntemperature = 0\n", tmp_path / "c.toml")
    assert config.model.temperature == 0.0
    assert isinstance(config.model.temperature, float)


def test_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    with pytest.raises(ConfigError) as caught:
        parse_config("[model]\nname = \n", path)
    assert str(path) in str(caught.value)
    assert "line 2" in str(caught.value)


def test_unknown_key_is_named_with_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config("[model]\ntemprature = 0.2\n", tmp_path / "c.toml")
    assert "model.temprature" in str(caught.value)
    assert "temperature" in caught.value.hint


def test_wrong_type_says_what_is_expected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config('[session]\nidle_reset_minutes = "twenty"\n', tmp_path / "c.toml")
    assert "session.idle_reset_minutes" in str(caught.value)
    assert "a number" in str(caught.value)
    with pytest.raises(ConfigError, match="'en' or 'es'"):
        parse_config('[session]\nlanguage = "fr"\n', tmp_path / "c.toml")
    with pytest.raises(ConfigError, match="a list of strings"):
        parse_config("[tools]\nmodules = [1]\n", tmp_path / "c.toml")


def test_unknown_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown section or key 'modle'"):
        parse_config("[modle]\nname = 'x'\n", tmp_path / "c.toml")


def test_save_then_load_round_trips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    config = Config()
    config.model.name = "ollama_chat/llama3.1"
    config.model.temperature = 0.0
    config.session.language = "es"
    config.tools.modules = ["~/my_tools.py"]
    path = save_config(config, tmp_path / "sub" / "config.toml")
    loaded = load_config(path)
    assert loaded.model == config.model
    assert loaded.session == config.session
    assert loaded.tools == config.tools
    assert "sk-secret-value" not in path.read_text()


def test_out_of_range_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'tools\.timeout' must be at least"):
        parse_config("[tools]\ntimeout = 0\n", tmp_path / "c.toml")
    with pytest.raises(ConfigError, match=r"'model\.temperature' must be between 0 and 2"):
        parse_config("[model]\ntemperature = 3\n", tmp_path / "c.toml")
    assert (
        parse_config("[session]\nidle_reset_minutes = 0\n", tmp_path / "c.toml").session.idle_reset_minutes
        == 0
    )


def test_range_of_gives_the_limits_a_setting_is_checked_against() -> None:
    assert range_of("model.temperature") == (0.0, 2.0)
    assert range_of("model.max_tokens") == (1, None)
    with pytest.raises(KeyError):
        range_of("model.name")


# --- the config file is the user's (issue 10 item 3) ------------------------------------------------

USER_CONFIG = """# my config, with comments
[model]
name = "openai/qwen"   # the local one
temperature = 0.2

[ui]
theme = "tui-chat-dark"
"""


def test_settings_are_layered_over_the_config_and_only_changes_are_kept(tmp_path: Path) -> None:
    config_path, settings_path = tmp_path / "config.toml", tmp_path / "data" / "settings.toml"
    config_path.write_text(USER_CONFIG)
    before = config_path.read_bytes()
    config = load_config(config_path, settings_path=settings_path)
    config.ui.theme = "tui-chat-light"
    config.model.max_tokens = 256
    save_settings(config)
    assert config_path.read_bytes() == before
    saved = settings_path.read_text()
    assert saved.startswith("# Written by tui-chat")
    assert tomllib.loads(saved) == {"model": {"max_tokens": 256}, "ui": {"theme": "tui-chat-light"}}

    restarted = load_config(config_path, settings_path=settings_path)
    assert restarted.ui.theme == "tui-chat-light" and restarted.model.max_tokens == 256
    assert restarted.model.name == "openai/qwen" and restarted.model.temperature == 0.2
    assert restarted.sources["ui.theme"] == "settings" and restarted.sources["model.name"] == "config"
    assert "model.timeout" not in restarted.sources

    restarted.ui.theme = "tui-chat-dark"  # back to config.toml's value: the override goes
    save_settings(restarted)
    assert tomllib.loads(settings_path.read_text()) == {"model": {"max_tokens": 256}}


def test_default_model_from_the_environment_is_not_frozen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEFAULT_MODEL", "openai/first")
    settings_path = tmp_path / "settings.toml"
    config = load_config(tmp_path / "absent.toml", settings_path=settings_path)
    config.ui.theme = "tui-chat-light"
    save_settings(config)
    assert "model" not in tomllib.loads(settings_path.read_text())
    monkeypatch.setenv("DEFAULT_MODEL", "openai/second")
    assert load_config(tmp_path / "absent.toml", settings_path=settings_path).model.name == "openai/second"


def test_a_bad_settings_file_is_named(tmp_path: Path) -> None:
    settings_path = tmp_path / "settings.toml"
    settings_path.write_text("[model]\ntemperature = 9\n")
    with pytest.raises(ConfigError, match=r"settings\.toml: 'model\.temperature' must be between 0 and 2"):
        load_config(tmp_path / "absent.toml", settings_path=settings_path)


def test_the_template_is_commented_and_means_the_defaults(tmp_path: Path) -> None:
    template = config_template()
    assert all(line.startswith(("#", "[")) for line in template.splitlines() if line)
    assert "# temperature = 0.7" in template and "# context_window = 0" in template
    assert '# tool_call_format = "native"' in template and "# Inactivity timeout" in template
    assert parse_config(template, tmp_path / "c.toml") == Config()


def test_config_init_show_and_path_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    import os

    from tui_chat import cli

    def run(*argv: str) -> str:
        assert cli.run(cli.build_parser().parse_args(list(argv))) == 0
        return capsys.readouterr().out

    path = Path(os.environ["TUI_CHAT_CONFIG"])
    assert "wrote" in run("config", "init")
    text = path.read_text()
    assert text == config_template()
    path.write_text(text.replace("# temperature = 0.7", "temperature = 0.3"))
    settings = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "settings.toml"
    settings.parent.mkdir(parents=True)
    settings.write_text('[ui]\ntheme = "tui-chat-light"\n')
    shown = run("config", "show")
    assert f"temperature = 0.3  # config {path}" in shown
    assert f'theme = "tui-chat-light"  # settings {settings} (changed in the app)' in shown
    assert "max_tokens = 1000  # default" in shown
    assert 'newline_keys = ["shift+enter", "ctrl+j"]  # default' in shown
    assert str(settings) in run("config", "path")
