"""Where the files live: the user's config.toml (platformdirs' config dir), the data dir's settings.toml.

Apart because the CLI needs the paths before any config is read (``--config`` / ``--data-dir``, the language).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "tui-chat"
SETTINGS_NAME = "settings.toml"


def default_config_path() -> Path:
    override = os.environ.get("TUI_CHAT_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_settings_path(data_dir: Path | None = None) -> Path:
    return (data_dir or default_data_dir()) / SETTINGS_NAME


def default_data_dir() -> Path:
    override = os.environ.get("TUI_CHAT_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))
