"""``tui-chat config path|show|init``."""

from __future__ import annotations

import argparse

from tui_chat.cli.common import EXIT_OK, Invocation, UsageError
from tui_chat.config import Config, load_config, save_config


def register(commands: argparse._SubParsersAction) -> None:
    config = commands.add_parser("config", help="where the config is, what it says, or write a default one")
    config.add_argument(
        "action",
        choices=["path", "show", "init"],
        help="path: where config and data live; show: the settings in effect; init: write a template",
    )
    config.add_argument("--force", action="store_true", help="with init: overwrite an existing file")
    config.set_defaults(handler=config_command)


def config_command(run: Invocation) -> int:
    args, config_path, data_dir = run.args, run.config_path, run.data_dir
    if args.action == "path":
        print(f"config: {config_path}")
        print(f"data:   {data_dir}")
        return EXIT_OK
    if args.action == "init":
        if config_path.exists() and not args.force:
            raise UsageError(f"{config_path} already exists (use --force to overwrite it)")
        save_config(Config(), config_path)
        print(f"wrote {config_path}")
        return EXIT_OK
    import tomli_w

    config = load_config(config_path)
    print(f"# {config_path}{'' if config_path.exists() else ' (not found: defaults)'}")
    print(tomli_w.dumps(config.to_toml_dict()), end="")
    return EXIT_OK
