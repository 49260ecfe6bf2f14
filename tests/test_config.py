"""The config file: defaults, validation messages that name the key, and writing with tomli-w."""

from __future__ import annotations

from pathlib import Path

import pytest

from tui_chat.config import Config, load_config, parse_config, range_of, save_config
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
    with pytest.raises(ConfigError, match="a list of a string"):
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
