"""``tui-chat config path|show|init``: where the files are, what is in effect and where it comes from."""

from __future__ import annotations

import argparse
from typing import Any

from tui_chat.cli.common import EXIT_OK, Invocation, UsageError
from tui_chat.config import Config, config_template, load_config
from tui_chat.engine.terminal_text import visible
from tui_chat.i18n import _


def register(commands: argparse._SubParsersAction) -> None:
    config = commands.add_parser("config", help=_("where the config is, what it says, or write a template"))
    config.add_argument(
        "action",
        choices=["path", "show", "init"],
        help=_(
            "path: where config, settings and data live; show: the settings in effect and where each "
            "comes from; init: write a commented config template"
        ),
    )
    config.add_argument("--force", action="store_true", help=_("with init: overwrite an existing file"))
    config.set_defaults(handler=config_command)


def config_command(run: Invocation) -> int:
    args, config_path, data_dir = run.args, run.config_path, run.data_dir
    if args.action == "path":
        rows = [
            (_("config:"), str(config_path)),
            (_("settings:"), _("{path}  (written by the app)").format(path=run.settings_path)),
            (_("data:"), str(data_dir)),
        ]
        width = max(len(label) for label, _value in rows)
        for label, value in rows:
            print(f"{label.ljust(width)} {value}")
        return EXIT_OK
    if args.action == "init":
        if config_path.exists() and not args.force:
            raise UsageError(
                _("{path} already exists (use --force to overwrite it)").format(path=config_path)
            )
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(config_template(), encoding="utf-8")
        print(_("wrote {path}").format(path=config_path))
        return EXIT_OK
    print(visible(show_text(load_config(config_path, settings_path=run.settings_path))), end="")
    return EXIT_OK


def show_text(config: Config) -> str:
    """The merged settings as TOML, each value followed by where it comes from."""
    import os

    import tomli_w

    def exists(path: object) -> str:
        return "" if path is not None and os.path.exists(str(path)) else " " + _("(not found)")

    labels = {
        "config": _("config {path}").format(path=config.path),
        "settings": _("settings {path} (changed in the app)").format(path=config.settings_path),
    }
    heads = [
        (_("config:"), f"{config.path}{exists(config.path)}"),
        (
            _("settings:"),
            _("{path} (the app's, over the config)").format(
                path=f"{config.settings_path}{exists(config.settings_path)}"
            ),
        ),
    ]
    width = max(len(label) for label, _value in heads)
    lines = [f"# {label.ljust(width)} {value}" for label, value in heads]
    for name, values in config.to_toml_dict().items():
        lines += ["", f"[{name}]"]
        for key, value in values.items():
            where = config.sources.get(f"{name}.{key}")
            if where is None:
                where = _("default")
                if (name, key) == ("model", "name") and os.environ.get("DEFAULT_MODEL"):
                    where = _("default ($DEFAULT_MODEL)")
            rendered = _inline(key, value, tomli_w)
            if "\n" in rendered:  # a table: the source goes on the line above
                lines += [f"# {labels.get(where, where)}", rendered]
            else:
                lines.append(f"{rendered}  # {labels.get(where, where)}")
    return "\n".join(lines) + "\n"


def _inline(key: str, value: Any, tomli_w: Any) -> str:
    """``key = value`` on one line when TOML allows it (tomli-w spreads arrays over lines)."""
    if isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
        items = [tomli_w.dumps({"x": item}).split(" = ", 1)[1].strip() for item in value]
        return f"{key} = [{', '.join(items)}]"
    return tomli_w.dumps({key: value}).strip()
