"""What every command shares: exit codes, the usage error, the invocation (paths, config), ID lookup."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui_chat.config import Config, default_settings_path, load_config

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

ID_HELP = "a conversation ID, a unique prefix of one (chat-local- may be left out), or 'last'"
"""The help text of every conversation-ID argument (they all go through :func:`resolve_id`)."""

AMBIGUOUS_SHOWN = 10

_ID_HEAD = re.compile(r"^chat-.*?-(?=\d{8}-\d{6}-)")
"""The constant ``chat-<user>-`` head of an ID, which a prefix may leave out (``20261201-0954``)."""


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


@dataclass
class Invocation:
    """Where this run's config and data live; the config is read on first use (``config init`` needs none)."""

    args: argparse.Namespace
    config_path: Path
    data_dir: Path
    _config: Config | None = field(default=None, repr=False)

    @property
    def settings_path(self) -> Path:
        """The app's settings file (UI changes), layered over the config file."""
        return default_settings_path(self.data_dir)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, settings_path=self.settings_path)
        return self._config


def resolve_id(store: Any, text: str) -> str:
    """The conversation ``text`` names: an exact ID, ``last`` (the latest), or a unique ID prefix.

    Raises :class:`ConversationNotFound` when nothing matches and :class:`UsageError` (exit 2) listing
    the candidates when a prefix matches several.
    """
    from tui_chat.engine.errors import ConversationNotFound

    wanted = text.strip()
    summaries = store.list_conversations()
    if wanted == "last":
        if not summaries:
            raise ConversationNotFound("There are no conversations yet, so there is no 'last' one.")
        return summaries[0].id
    ids = [summary.id for summary in summaries]
    if wanted in ids:
        return wanted
    matches = (
        [i for i in ids if i.startswith(wanted) or _ID_HEAD.sub("", i).startswith(wanted)] if wanted else []
    )
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ConversationNotFound(f"There is no conversation {wanted or repr(text)}.")
    shown = "\n  ".join(matches[:AMBIGUOUS_SHOWN])
    more = f"\n  … and {len(matches) - AMBIGUOUS_SHOWN} more" if len(matches) > AMBIGUOUS_SHOWN else ""
    raise UsageError(
        f"'{wanted}' matches {len(matches)} conversations; give more of the ID:\n  {shown}{more}"
    )


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 tool call``, ``2 tool calls``, ``0 messages``."""
    return f"{count} {singular if count == 1 else plural_form or singular + 's'}"
