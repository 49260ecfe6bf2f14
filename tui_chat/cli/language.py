"""The CLI's language, known before the arguments are parsed, and argparse's own texts in it.

``tui-chat --help`` and a usage error are printed while the arguments are parsed, before the config is
loaded, so the language is read first, cheaply: ``[session] language`` from the settings file (the
app's, in the data dir) over the config file, the same two files and the same precedence
:func:`~tui_chat.config.load_config` uses, found from ``--config`` / ``--data-dir`` in the arguments or
``TUI_CHAT_CONFIG`` / ``TUI_CHAT_DATA_DIR`` / the default paths, read leniently by
:func:`~tui_chat.config.declared_language` (a file that is missing or broken says nothing; loading the
config reports it properly).

argparse looks up its messages ("usage: ", "error: ", "the following arguments are required: %s" …)
through the ``_`` and ``ngettext`` names of its module; :func:`localize_argparse` points them at the
project's catalog, so they follow the current language (English, the source, stays as it was).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tui_chat import i18n
from tui_chat.i18n import N_

OPTION_NAMES = {"--config": "config", "--data-dir": "data_dir"}
"""The top-level options that name the files the language is read from."""

ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("unrecognized arguments: %s"),
    N_("not allowed with argument %s"),
    N_("ignored explicit argument %r"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("unexpected option string: %s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("can't open '%(filename)s': %(error)s"),
)
"""The messages of argparse (Python 3.11) a user can meet, marked for the catalog; argparse itself looks
them up. (Its remaining ones are errors in how a program builds its parser, and "expected %s arguments"
is for ``nargs=N``, which no command uses.)"""


def localize_argparse() -> None:
    """Make argparse look its messages up in the project's catalog, in the current language."""
    argparse._ = i18n._  # type: ignore[attr-defined]
    argparse.ngettext = i18n.ngettext  # type: ignore[attr-defined]


def option_values(argv: Sequence[str]) -> dict[str, str]:
    """``--config`` and ``--data-dir`` as argparse would read them (``--opt VALUE``, ``--opt=VALUE``, a
    unique prefix such as ``--conf``), from the options before the command."""
    found: dict[str, str] = {}
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--" or not word.startswith("-"):
            break  # the command (or a positional): what follows is the command's
        name, equals, value = word.partition("=")
        matches = [option for option in OPTION_NAMES if name.startswith("--") and option.startswith(name)]
        if len(name) > 2 and len(matches) == 1:
            if equals:
                found[OPTION_NAMES[matches[0]]] = value
            elif index + 1 < len(argv):
                found[OPTION_NAMES[matches[0]]] = argv[index + 1]
                index += 1
        index += 1
    return found


def configured_language(argv: Sequence[str], environ: Mapping[str, str] = os.environ) -> str:
    """``[session] language`` as loading the config would find it: the settings file's over the config
    file's; English when neither says (or either is broken)."""
    from tui_chat.config import SETTINGS_NAME, declared_language, default_config_path, default_data_dir

    options = option_values(argv)
    config_path = Path(options["config"]).expanduser() if "config" in options else None
    data_dir = Path(options["data_dir"]).expanduser() if "data_dir" in options else None
    if config_path is None:
        config_path = _default(environ, "TUI_CHAT_CONFIG", default_config_path)
    if data_dir is None:
        data_dir = _default(environ, "TUI_CHAT_DATA_DIR", default_data_dir)
    return declared_language(data_dir / SETTINGS_NAME, config_path) or i18n.SOURCE_LANGUAGE


def _default(environ: Mapping[str, str], variable: str, default: Any) -> Path:
    value = environ.get(variable)
    return Path(value).expanduser() if value else default()
