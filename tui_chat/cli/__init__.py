"""The ``tui-chat`` command: the TUI by default, and headless commands over the same engine and store.

Each command lives in a module of its own with a ``register(commands)`` that adds its parser and sets
``handler``; this module only assembles them and turns errors into exit codes.

Exit status: 0 on success, 1 on a provider or tool error, 2 on a usage or configuration error.

Every headless command writes through :class:`~tui_chat.engine.terminal_text.VisibleStream`: model text,
tool results, titles and error messages never put a raw control character on the terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from tui_chat import __version__
from tui_chat.cli import ask, browse, config_cmd, replay, search, serve, tools
from tui_chat.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Invocation, UsageError
from tui_chat.cli.language import configured_language, localize_argparse
from tui_chat.config import default_config_path, default_data_dir
from tui_chat.engine.errors import AmbiguousConversation, ConfigError, ConversationNotFound, StoreError
from tui_chat.engine.terminal_text import VisibleStream, visible
from tui_chat.i18n import _, set_language

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_USAGE", "UsageError", "build_parser", "entry", "main", "run"]

COMMAND_MODULES = (ask, browse, search, tools, replay, config_cmd, serve)


def build_parser() -> argparse.ArgumentParser:
    """The parser, its help and argparse's own messages in the current language."""
    localize_argparse()
    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description=_("Chat with LLMs and debug the tools they call. With no command, opens the TUI."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"tui-chat {__version__}",
        help=_("show program's version number and exit"),
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar=_("DATA_DIR"),
        help=_("where conversations are kept (env TUI_CHAT_DATA_DIR)"),
    )
    parser.add_argument(
        "--config", type=Path, metavar=_("CONFIG"), help=_("the config file (env TUI_CHAT_CONFIG)")
    )
    commands = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def entry() -> NoReturn:
    """The console script: like :func:`main`, but skips litellm's slow interpreter shutdown."""
    main(fast_exit=True)


def main(argv: list[str] | None = None, *, fast_exit: bool = False) -> NoReturn:
    # The language first: --help and usage errors are printed while parsing, before the config is loaded.
    set_language(configured_language(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = run(args)
    except (UsageError, ConfigError, ConversationNotFound, AmbiguousConversation, StoreError) as error:
        print(visible(f"tui-chat: {error}"), file=sys.stderr)
        if isinstance(error, StoreError) and error.unsaved_text is not None:  # nothing the user typed is lost
            print(_("tui-chat: your message was not saved; here it is:"), file=sys.stderr)
            print(visible(error.unsaved_text), file=sys.stderr)
        code = (
            EXIT_ERROR
            if isinstance(error, StoreError) and not isinstance(error, ConversationNotFound)
            else EXIT_USAGE
        )
    except BrokenPipeError:
        # The reader went away (`tui-chat list | head`): not an error worth a traceback.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the final flush quiet
        code = EXIT_OK
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    if fast_exit and "litellm" in sys.modules:
        # litellm's interpreter finalisation takes 1.5–2.5 s; everything is saved and flushed by now.
        os._exit(code)
    sys.exit(code)


def run(args: argparse.Namespace) -> int:
    invocation = Invocation(args, args.config or default_config_path(), args.data_dir or default_data_dir())
    handler = getattr(args, "handler", None)
    if args.command != "config":
        invocation.config  # noqa: B018 - a broken config is reported before anything else is done
    if handler is None:
        from tui_chat.ui.app import run_tui

        return run_tui(invocation.config, invocation.data_dir)
    with visible_output():
        return handler(invocation)


@contextlib.contextmanager
def visible_output() -> Iterator[None]:
    """Route stdout and stderr through the control-character rule while a headless command runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = VisibleStream(sys.stdout), VisibleStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
