"""Configuration: typed dataclasses read from TOML, validated with messages that name the key.

Two layers, each validated the same way:

* ``config.toml`` is the user's: it lives in platformdirs' config dir (``--config`` /
  ``TUI_CHAT_CONFIG`` override it) and the app never writes it — except ``tui-chat config init``,
  which writes a commented template (:func:`config_template`);
* ``settings.toml`` in the data dir (``--data-dir`` / ``TUI_CHAT_DATA_DIR``) is the app's: what the
  user changes in the UI (theme, model, the settings screen) is written there with tomli-w, only
  the keys that differ from config.toml, and it is layered over config.toml on load.

``Config.sources`` says where each value came from, for ``tui-chat config show``. The validation
messages are in the current language (:mod:`tui_chat.i18n`); keys, values and paths stay as written.

The package: :mod:`.sections` (the dataclasses and their limits), :mod:`.validation` (one file's
tables checked), :mod:`.paths`, :mod:`.loading` (layering, sources), :mod:`.writing` (settings.toml),
:mod:`.template` (``config init``). Callers import from here.
"""

from tui_chat.config.loading import declared_language, load_config, parse_config
from tui_chat.config.paths import (
    APP_NAME,
    SETTINGS_NAME,
    default_config_path,
    default_data_dir,
    default_settings_path,
)
from tui_chat.config.sections import (
    Config,
    McpServerSettings,
    McpSettings,
    ModelSettings,
    SessionSettings,
    ToolSettings,
    UISettings,
    range_of,
)
from tui_chat.config.template import config_template, field_docs
from tui_chat.config.writing import SETTINGS_HEADER, save_config, save_settings

__all__ = [
    "APP_NAME",
    "SETTINGS_HEADER",
    "SETTINGS_NAME",
    "Config",
    "McpServerSettings",
    "McpSettings",
    "ModelSettings",
    "SessionSettings",
    "ToolSettings",
    "UISettings",
    "config_template",
    "declared_language",
    "default_config_path",
    "default_data_dir",
    "default_settings_path",
    "field_docs",
    "load_config",
    "parse_config",
    "range_of",
    "save_config",
    "save_settings",
]
