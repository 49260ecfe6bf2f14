"""What every command shares: exit codes, the usage error, and the invocation (paths, config)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from pathlib import Path

from tui_chat.config import Config, load_config

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


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
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path)
        return self._config
