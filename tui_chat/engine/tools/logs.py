"""Where the tool host and MCP servers write what they print outside calls, and reading it back.

One log per source under ``<data dir>/logs/``: ``tool-host.log`` (everything the host and its tools wrote
to the descriptors, with a line per call) and ``mcp-<name>.log`` (an external server's stderr). A log
over 2 MB is moved to ``.1`` when the next process starts. ``tui-chat tools log`` and the TUI read the
tail with :func:`log_tail`; escape sequences a tool printed are shown, not obeyed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

HOST_LOG = "tool-host.log"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAIL_BYTES = 200_000


def logs_dir(data_dir: Path) -> Path:
    return data_dir / "logs"


def log_path(data_dir: Path, source: str) -> Path:
    """The log of ``source``: ``"tools"`` (the tool host) or an MCP server's name."""
    return logs_dir(data_dir) / (HOST_LOG if source == "tools" else f"mcp-{source}.log")


def log_tail(path: Path, lines: int = 40) -> list[str]:
    """The last ``lines`` lines, control characters shown as ``\\xNN``; [] when there is no log yet."""
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(log.tell() - _TAIL_BYTES, 0))
            text = log.read().decode("utf-8", "replace")
    except OSError:
        return []
    return [
        _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", line)
        for line in text.splitlines()[-max(lines, 1) :]
    ]
