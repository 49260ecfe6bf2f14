"""The history of tools run by hand (the tools panel): one JSON line per run in ``tool_runs.jsonl``.

The file is private (0600: arguments and results may hold personal data) and only ever appended to,
one ``write`` per line, so two processes on one data dir do not interleave inside a line. A line that
cannot be read (a torn write, an edit by hand) is skipped and counted, never fatal. Lines are ASCII
(``ensure_ascii``): a lone surrogate from a tool's result cannot break the file.
"""

from __future__ import annotations

import json
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from tui_chat.engine.models import ToolMessage, message_from_dict

HISTORY_FILE = "tool_runs.jsonl"
SHOWN_RUNS = 200
"""How many of the latest runs ``load`` returns."""


@dataclass
class RunHistory:
    path: Path
    skipped: int = 0
    """Lines the last ``load`` could not read."""

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> RunHistory:
        return cls(data_dir / HISTORY_FILE)

    def append(self, run: ToolMessage) -> None:
        line = (json.dumps(run.to_dict(), ensure_ascii=True, separators=(",", ":")) + "\n").encode("ascii")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            os.write(descriptor, line)
        finally:
            os.close(descriptor)

    def load(self, limit: int = SHOWN_RUNS) -> list[ToolMessage]:
        """The latest ``limit`` runs, newest first."""
        self.skipped = 0
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return []
        with handle:
            lines = deque(handle, maxlen=limit)
        runs: list[ToolMessage] = []
        for line in lines:
            try:
                message = message_from_dict(json.loads(line))
            except (ValueError, KeyError, TypeError):
                self.skipped += 1
                continue
            if isinstance(message, ToolMessage):
                runs.append(message)
            else:
                self.skipped += 1
        runs.reverse()
        return runs
