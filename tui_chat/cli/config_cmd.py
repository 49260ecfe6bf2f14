"""``tui-chat config path|show|init``: where the files are, what is in effect and where it comes from."""

from __future__ import annotations

import argparse
from typing import Any

from tui_chat.cli.common import EXIT_OK, Invocation, UsageError
from tui_chat.config import Config, config_template, load_config
from tui_chat.engine.terminal_text import visible


def register(commands: argparse._SubParsersAction) -> None:
    config = commands.add_parser("config", help="where the config is, what it says, or write a template")
    config.add_argument(
        "action",
        choices=["path", "show", "init"],
        help="path: where config, settings and data live; show: the settings in effect and where each "
        "comes from; init: write a commented config template",
    )
    config.add_argument("--force", action="store_true", help="with init: overwrite an existing file")
    config.set_defaults(handler=config_command)


def config_command(run: Invocation) -> int:
    args, config_path, data_dir = run.args, run.config_path, run.data_dir
    if args.action == "path":
        print(f"config:   {config_path}")
        print(f"settings: {run.settings_path}  (written by the app)")
        print(f"data:     {data_dir}")
        return EXIT_OK
    if args.action == "init":
        if config_path.exists() and not args.force:
            raise UsageError(f"{config_path} already exists (use --force to overwrite it)")
        config_path.parent.mkdir(parents=True, exist_ok=True)
        config_path.write_text(config_template(), encoding="utf-8")
        print(f"wrote {config_path}")
        return EXIT_OK
    print(visible(show_text(load_config(config_path, settings_path=run.settings_path))), end="")
    return EXIT_OK


def show_text(config: Config) -> str:
    """The merged settings as TOML, each value followed by where it comes from."""
    import os

    import tomli_w

    def exists(path: object) -> str:
        return "" if path is not None and os.path.exists(str(path)) else " (not found)"

    labels = {
        "config": f"config {config.path}",
        "settings": f"settings {config.settings_path} (changed in the app)",
    }
    lines = [
        f"# config:   {config.path}{exists(config.path)}",
        f"# settings: {config.settings_path}{exists(config.settings_path)} (the app's, over the config)",
    ]
    for name, values in config.to_toml_dict().items():
        lines += ["", f"[{name}]"]
        for key, value in values.items():
            where = config.sources.get(f"{name}.{key}")
            if where is None:
                where = "default"
                if (name, key) == ("model", "name") and os.environ.get("DEFAULT_MODEL"):
                    where = "default ($DEFAULT_MODEL)"
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
