"""Writing: the app's settings.toml (only what differs from config.toml), and a whole config file for tests.

Apart from loading because only the app's own changes are ever written; config.toml is the user's.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from tui_chat.config.loading import build, read_file
from tui_chat.config.paths import default_config_path, default_settings_path
from tui_chat.config.sections import SECTIONS, Config

SETTINGS_HEADER = (
    "# Written by tui-chat: what you changed in the app (theme, model, settings screen).\n"
    "# It is layered over config.toml; delete a line to go back to config.toml's value.\n\n"
)


def save_settings(config: Config) -> Path:
    """Keep what the user changed in the app: the keys of ``config`` that differ from config.toml
    (and its defaults) go to the settings file, atomically; config.toml is not touched."""
    import tomli_w

    base = build([("config", read_file(config.path, "config file"))] if config.path else [])
    changed: dict[str, dict[str, Any]] = {}
    for name in SECTIONS:
        ours, theirs = dataclasses.asdict(getattr(config, name)), dataclasses.asdict(getattr(base, name))
        values = {key: value for key, value in ours.items() if value != theirs[key]}
        if values:
            changed[name] = values
    path = config.settings_path = config.settings_path or default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(SETTINGS_HEADER + tomli_w.dumps(changed), encoding="utf-8")
    os.replace(temp, path)
    config.sources = {
        **{key: source for key, source in base.sources.items()},
        **{f"{section}.{key}": "settings" for section, values in changed.items() for key in values},
    }
    return path


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write a whole config file atomically with tomli-w; returns the path written.

    Never called by the app (config.toml is the user's: UI changes go through :func:`save_settings`);
    tests and scripts use it to write a config file.
    """
    import tomli_w

    path = path or config.path or default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(tomli_w.dumps(config.to_toml_dict()), encoding="utf-8")
    os.replace(temp, path)
    return path
