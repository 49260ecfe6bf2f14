"""What every command shares: exit codes, the usage error, the invocation (paths, config, workspace).

Commands reach conversations only through the invocation's :class:`~tui_chat.engine.workspace.Workspace`,
the engine's one API (the TUI and the REST server use the same one); none imports the store.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_chat.config import Config, default_settings_path, load_config
from tui_chat.i18n import N_, set_language

if TYPE_CHECKING:
    from tui_chat.engine.workspace import Workspace

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2

ID_HELP = N_("a conversation ID, a unique prefix of one (chat-local- may be left out), or 'last'")
"""The help text of every conversation-ID argument (they all go through ``Workspace.resolve``);
translated where a parser is built."""


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


@dataclass
class Invocation:
    """Where this run's config and data live; the config is read on first use (``config init`` needs none)."""

    args: argparse.Namespace
    config_path: Path
    data_dir: Path
    _config: Config | None = field(default=None, repr=False)
    _workspace: Workspace | None = field(default=None, repr=False)

    @property
    def settings_path(self) -> Path:
        """The app's settings file (UI changes), layered over the config file."""
        return default_settings_path(self.data_dir)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, settings_path=self.settings_path)
            set_language(self._config.session.language)  # as read before parsing, now validated
        return self._config

    @property
    def workspace(self) -> Workspace:
        """This run's workspace over the config and data dir: the store at once, the tools and the chat
        service only when a command first needs them (``list`` and ``show`` never load tools)."""
        if self._workspace is None:
            from tui_chat.engine.workspace import build_workspace

            self._workspace = build_workspace(self.config, self.data_dir, lazy=True)
        return self._workspace

    def with_workspace(
        self, command: Callable[..., Coroutine[Any, Any, int]], *args: Any, **kwargs: Any
    ) -> int:
        """``asyncio.run(command(self.workspace, *args, **kwargs))``.

        The store is not closed: the process ends with the command (SQLite checkpoints the index's
        write-ahead log by itself).
        """
        import asyncio

        return asyncio.run(command(self.workspace, *args, **kwargs))
