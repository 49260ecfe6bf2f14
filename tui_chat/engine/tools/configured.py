"""Tool sources from the config: the tool host for ``[tools] modules``, one source per ``[mcp.servers.NAME]``.

Nothing here starts a process or imports the MCP SDK: the sources start when the registry is started
(the TUI after its first paint, the CLI when a command needs tools) or at the first call.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from tui_chat.engine.tools.loader import is_file_entry
from tui_chat.engine.tools.logs import log_path
from tui_chat.engine.tools.mcp_client import Endpoint, McpSource
from tui_chat.i18n import _

if TYPE_CHECKING:
    from tui_chat.config import Config, McpServerSettings

_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
HOST_NAME = HOST_LOG_SOURCE = "tools"


def resolve_module_entry(entry: str) -> str:
    """A file entry as an absolute path (the host may run elsewhere); a dotted name as is."""
    entry = entry.strip()
    if is_file_entry(entry):
        path = Path(entry).expanduser()
        return str(path if path.is_absolute() else Path.cwd() / path)
    return entry


def host_command(modules: list[str], *, managed: bool, timeout: float, output_limit: int) -> list[str]:
    command = [sys.executable, "-m", "tui_chat.engine.tools.host"]
    for module in modules:
        command += ["--module", module]
    if managed:
        command.append("--managed")
    return [*command, "--timeout", f"{timeout:g}", "--output-limit", str(output_limit)]


def host_environment() -> dict[str, str]:
    """Ours (tools expect the user's environment), and a PYTHONPATH that finds this very tui_chat."""
    environment = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[3])
    environment["PYTHONPATH"] = os.pathsep.join(
        part for part in (package_root, environment.get("PYTHONPATH", "")) if part
    )
    environment.setdefault("PYTHONUNBUFFERED", "1")
    return environment


def host_source(
    modules: list[str],
    data_dir: Path,
    *,
    timeout: float = 30.0,
    output_limit: int = 64_000,
    start_timeout: float = 20.0,
    cancel_grace: float = 1.0,
) -> McpSource:
    """The tool host serving ``modules`` (file paths made absolute now, against the current directory)."""
    resolved = [resolve_module_entry(entry) for entry in modules]
    command = host_command(resolved, managed=True, timeout=timeout, output_limit=output_limit)
    environment = host_environment()

    def resolve() -> Endpoint:
        return Endpoint(command=command[0], args=command[1:], env=environment)

    return McpSource(
        HOST_NAME,
        "host",
        resolve,
        log_path=log_path(data_dir, HOST_LOG_SOURCE),
        start_timeout=start_timeout,
        cancel_grace=cancel_grace,
        output_limit=output_limit,
    )


def interpolate(value: str, where: str) -> str:
    """``${VAR}`` from the environment; an unset variable is an error naming ``where``."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise ValueError(
                _("{where} uses {variable}, which is not set in the environment").format(
                    where=where, variable=f"${{{name}}}"
                )
            )
        return os.environ[name]

    return _VARIABLE.sub(replace, value)


def server_source(
    name: str, settings: McpServerSettings, data_dir: Path, *, default_timeout: float, start_timeout: float
) -> McpSource:
    """An external server; ``${VAR}`` references are resolved at each start, in memory only."""
    where = f"[mcp.servers.{name}]"

    def resolve() -> Endpoint:
        if settings.url:
            return Endpoint(
                url=interpolate(settings.url, f"{where} url"),
                headers={
                    key: interpolate(value, f"{where} headers.{key}")
                    for key, value in settings.headers.items()
                },
            )
        from mcp.client.stdio import get_default_environment

        environment = get_default_environment()
        environment.update(
            {key: interpolate(value, f"{where} env.{key}") for key, value in settings.env.items()}
        )
        return Endpoint(
            command=interpolate(settings.command, f"{where} command"),
            args=[interpolate(arg, f"{where} args") for arg in settings.args],
            env=environment,
            cwd=str(Path(settings.cwd).expanduser()) if settings.cwd else None,
        )

    return McpSource(
        name,
        "mcp",
        resolve,
        log_path=log_path(data_dir, name),
        call_timeout=settings.timeout or default_timeout,
        start_timeout=start_timeout,
    )


def configured_sources(config: Config, data_dir: Path) -> list[McpSource]:
    """The tool host (when ``[tools] modules`` is set), then each enabled ``[mcp.servers.NAME]``."""
    tools = config.tools
    sources: list[McpSource] = []
    if tools.modules:
        sources.append(
            host_source(
                tools.modules,
                data_dir,
                timeout=tools.timeout,
                output_limit=tools.output_limit,
                start_timeout=tools.start_timeout,
            )
        )
    for name, settings in config.mcp.servers.items():
        if settings.enabled:
            sources.append(
                server_source(
                    name, settings, data_dir, default_timeout=tools.timeout, start_timeout=tools.start_timeout
                )
            )
    return sources
