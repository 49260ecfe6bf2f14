"""Loading: config.toml with the app's settings.toml layered over it, key by key, each key's source kept.

Apart from validation (one file's tables) and from writing: this is the layering and ``Config.sources``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tui_chat import i18n
from tui_chat.config.paths import default_config_path, default_settings_path
from tui_chat.config.sections import SECTIONS, Config, McpSettings
from tui_chat.config.validation import check_file
from tui_chat.engine.errors import ConfigError
from tui_chat.i18n import N_, _

_CANNOT_READ = {
    "config file": N_("{path}: cannot read the config file: {reason}."),
    "settings file": N_("{path}: cannot read the settings file: {reason}."),
}


def read_file(path: Path, what: str) -> dict[str, dict[str, Any]]:
    """The validated tables of ``what`` (a key of ``_CANNOT_READ``) at ``path``; none if it is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigError(_(_CANNOT_READ[what]).format(path=path, reason=error.strerror)) from error
    return check_file(text, path)


def build(layers: list[tuple[str, dict[str, dict[str, Any]]]], **extra: Any) -> Config:
    """A Config from validated layers, later layers winning key by key; records each key's source."""
    merged: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for name, layer in layers:
        for section, values in layer.items():
            merged.setdefault(section, {}).update(values)
            sources.update({f"{section}.{key}": name for key in values})
    sections = {name: cls(**merged.get(name, {})) for name, cls in SECTIONS.items()}
    mcp = McpSettings(servers=dict(merged.get("mcp", {}).get("servers", {})))
    return Config(**sections, mcp=mcp, sources=sources, **extra)


def parse_config(text: str, source: Path) -> Config:
    """One config file's text (no settings layer)."""
    return build([("config", check_file(text, source))], path=source)


def load_config(path: Path | None = None, *, settings_path: Path | None = None) -> Config:
    """Read the user's config (a missing file means the defaults) with the app's settings over it.

    A file that cannot be used is reported in the language the files ask for (``[session] language``),
    since the process's language is only set from a config that loaded.
    """
    path = path or default_config_path()
    settings_path = settings_path or default_settings_path()

    def read() -> Config:
        return build(
            [
                ("config", read_file(path, "config file")),
                ("settings", read_file(settings_path, "settings file")),
            ],
            path=path,
            settings_path=settings_path,
        )

    try:
        return read()
    except ConfigError:
        language = declared_language(settings_path, path)  # the settings file's wins, as when loaded
        if language is None or language == i18n.current_language():
            raise
        with i18n.using(i18n.translations(language)):
            return read()  # raises again, now in that language


def declared_language(*paths: Path) -> str | None:
    """The ``[session] language`` the first of ``paths`` that says one asks for, if it is a known one;
    read leniently, for reporting the errors of files that cannot be used."""
    codes = {code for _name, code in i18n.LANGUAGES}
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        session = data.get("session")
        language = session.get("language") if isinstance(session, dict) else None
        if language in codes:
            return language
    return None
