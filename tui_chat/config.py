"""Configuration: typed dataclasses read from TOML, validated with messages that name the key.

The file lives in platformdirs' config dir (``--config`` / ``TUI_CHAT_CONFIG`` override it); the data
dir comes from platformdirs too (``--data-dir`` / ``TUI_CHAT_DATA_DIR``). Writing uses tomli-w.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tui_chat.engine.errors import ConfigError

APP_NAME = "tui-chat"


@dataclass
class ModelSettings:
    """Which model to call and how. ``temperature = 0`` reaches the provider as 0."""

    name: str = field(default_factory=lambda: os.environ.get("DEFAULT_MODEL") or "gpt-4o-mini")
    api_base: str = ""
    api_key_env: str = ""
    temperature: float = 0.7
    max_tokens: int = 1000
    timeout: float = 60.0
    """Inactivity timeout of one request, in seconds."""
    turn_deadline: float = 600.0
    """Deadline of a whole turn (every round and tool call), in seconds."""
    max_retries: int = 2
    """Retries of one request after a rate limit, a 5xx or a connection failure (never after a 401)."""


@dataclass
class SessionSettings:
    idle_reset_minutes: float = 20.0
    """A conversation idle for longer starts a new model session; 0 disables."""
    language: Literal["en", "es"] = "en"
    welcome_message: str = ""
    """Empty means the default of ``language``."""
    system_prompt: str = ""
    """Empty means the default of ``language`` (the seed's instructions)."""
    history_messages: int = 10
    history_token_budget: int = 0
    """Optional cap on the tokens of history sent; 0 means no cap."""
    user_id: str = "local"


@dataclass
class ToolSettings:
    modules: list[str] = field(default_factory=list)
    """Python files (``~/my_tools.py``) or module names (``mypkg.tools``) whose tools are loaded."""
    examples: bool = True
    """Enable the seed's example tools (buscar_informacion, enviar_notificacion)."""
    timeout: float = 30.0
    max_result_chars: int = 16000
    """Results longer than this are truncated for the model; the whole result is still stored."""
    max_rounds: int = 8
    output_limit: int = 64000
    """Characters of what a tool prints during one call that are kept whole (then head and tail)."""
    watch: bool = True
    """Restart the tool host when a tool module file changes (hot reload)."""
    start_timeout: float = 20.0
    """Seconds the tool host or an MCP server may take to start and list its tools."""


@dataclass
class McpServerSettings:
    """``[mcp.servers.NAME]``: an external MCP server, stdio (``command``) or streamable HTTP (``url``).

    Values of ``env``, ``headers``, ``args`` and ``url`` may reference environment variables as
    ``${VAR}``; they are substituted when the server starts, never stored.
    """

    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = 0.0
    """Seconds per call; 0 means ``[tools] timeout``."""
    enabled: bool = True


@dataclass
class McpSettings:
    servers: dict[str, McpServerSettings] = field(default_factory=dict)


@dataclass
class UISettings:
    theme: str = "tui-chat-dark"
    newline_keys: list[str] = field(default_factory=lambda: ["shift+enter", "ctrl+j"])
    show_inspector: bool = True


@dataclass
class Config:
    model: ModelSettings = field(default_factory=ModelSettings)
    session: SessionSettings = field(default_factory=SessionSettings)
    tools: ToolSettings = field(default_factory=ToolSettings)
    ui: UISettings = field(default_factory=UISettings)
    mcp: McpSettings = field(default_factory=McpSettings)
    path: Path | None = field(default=None, compare=False)
    """The file this was read from (not written to it)."""

    def to_toml_dict(self) -> dict[str, Any]:
        data = {
            section.name: dataclasses.asdict(getattr(self, section.name))
            for section in dataclasses.fields(self)
            if section.name not in ("path", "mcp")
        }
        if self.mcp.servers:
            defaults = dataclasses.asdict(McpServerSettings())
            data["mcp"] = {
                "servers": {
                    name: {k: v for k, v in dataclasses.asdict(server).items() if v != defaults[k]}
                    for name, server in self.mcp.servers.items()
                }
            }
        return data


def default_config_path() -> Path:
    override = os.environ.get("TUI_CHAT_CONFIG")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    override = os.environ.get("TUI_CHAT_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return " or ".join(repr(value) for value in typing.get_args(annotation))
    if origin is list:
        (item,) = typing.get_args(annotation)
        return f"a list of {_type_name(item)}"
    if origin is dict:
        return f"a table of {_type_name(typing.get_args(annotation)[1]).removeprefix('a ')}s"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(
        annotation, str(annotation)
    )


def _check_value(annotation: Any, value: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return value in typing.get_args(annotation)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return isinstance(value, list) and all(_check_value(item, element) for element in value)
    if origin is dict:
        item = typing.get_args(annotation)[1]
        return isinstance(value, dict) and all(
            isinstance(key, str) and _check_value(item, element) for key, element in value.items()
        )
    if origin in (typing.Union, types.UnionType):
        return any(_check_value(option, value) for option in typing.get_args(annotation))
    if annotation is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if annotation is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, annotation)


def _build_section(cls: type, data: Any, where: str, source: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [{where}] must be a table.")
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                f"{source}: unknown key '{where}.{key}'.",
                hint=f"Known keys in [{where}]: {', '.join(sorted(known))}.",
            )
        if not _check_value(hints[key], value):
            raise ConfigError(
                f"{source}: '{where}.{key}' must be {_type_name(hints[key])}, not {value!r}.",
            )
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_range(f"{where}.{key}", value, source)
        values[key] = float(value) if hints[key] is float else value
    return cls(**values)


_RANGES: dict[str, tuple[float, float | None]] = {
    "model.temperature": (0.0, 2.0),
    "model.max_tokens": (1, None),
    "model.timeout": (0.001, None),
    "model.turn_deadline": (0.001, None),
    "model.max_retries": (0, 10),
    "session.idle_reset_minutes": (0.0, None),
    "session.history_messages": (1, None),
    "session.history_token_budget": (0, None),
    "tools.timeout": (0.001, None),
    "tools.max_result_chars": (0, None),
    "tools.max_rounds": (1, None),
    "tools.output_limit": (0, None),
    "tools.start_timeout": (0.001, None),
}
"""Numeric settings whose value must lie in [low, high] (None: no upper bound)."""


def range_of(key: str) -> tuple[float, float | None]:
    """The ``(low, high)`` a numeric setting (``"model.temperature"``) must lie in; high None: unbounded."""
    return _RANGES[key]


def _check_range(key: str, value: float, source: Path) -> None:
    low, high = (0.0, None) if key.startswith("mcp.servers.") else _RANGES.get(key, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        limit = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ConfigError(f"{source}: '{key}' must be {limit}, not {value!r}.")


_SECTIONS: dict[str, type] = {
    "model": ModelSettings,
    "session": SessionSettings,
    "tools": ToolSettings,
    "ui": UISettings,
    "mcp": McpSettings,
}
_SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _build_mcp(data: Any, source: Path) -> McpSettings:
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [mcp] must be a table.")
    for key in data:
        if key != "servers":
            raise ConfigError(f"{source}: unknown key 'mcp.{key}'.", hint="Known keys in [mcp]: servers.")
    servers_data = data.get("servers", {})
    if not isinstance(servers_data, dict):
        raise ConfigError(f"{source}: 'mcp.servers' must be a table of [mcp.servers.NAME] tables.")
    servers: dict[str, McpServerSettings] = {}
    for name, value in servers_data.items():
        where = f"mcp.servers.{name}"
        if not _SERVER_NAME.match(name):
            raise ConfigError(
                f"{source}: [{where}]: a server name must be 1-32 letters, digits, '_' or '-'.",
                hint="Its tools are offered to the model as NAME__TOOL.",
            )
        if name == "tools":
            raise ConfigError(
                f"{source}: [{where}]: 'tools' is the name of the local tool host; pick another name."
            )
        server = _build_section(McpServerSettings, value, where, source)
        if bool(server.command) == bool(server.url):
            raise ConfigError(
                f"{source}: [{where}] needs exactly one of 'command' (a stdio server) or "
                f"'url' (streamable HTTP), not {'both' if server.command else 'neither'}.",
                hint='For example: command = "mcp-server-time", or url = "http://127.0.0.1:8931/mcp".',
            )
        if server.url and not server.url.startswith(("http://", "https://", "${")):
            raise ConfigError(
                f"{source}: '{where}.url' must be an http:// or https:// URL, not {server.url!r}."
            )
        servers[name] = server
    return McpSettings(servers=servers)


def parse_config(text: str, source: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{source}: invalid TOML: {error}.", hint="Fix the line named above.") from error
    sections: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _SECTIONS:
            raise ConfigError(
                f"{source}: unknown section or key '{key}'.",
                hint=f"Known sections: {', '.join('[' + name + ']' for name in _SECTIONS)}.",
            )
        if key == "mcp":
            sections[key] = _build_mcp(value, source)
        else:
            sections[key] = _build_section(_SECTIONS[key], value, key, source)
    return Config(**sections, path=source)


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file means the defaults."""
    path = path or default_config_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Config(path=path)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the config file: {error.strerror}.") from error
    return parse_config(text, path)


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write the config atomically with tomli-w; returns the path written."""
    import tomli_w

    path = path or config.path or default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(tomli_w.dumps(config.to_toml_dict()), encoding="utf-8")
    os.replace(temp, path)
    return path
