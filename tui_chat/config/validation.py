"""Checking one TOML file's tables against the settings: types, ranges, known keys, ``[mcp.servers.*]``.

Apart from loading so every layer (config.toml, settings.toml) is validated by the same code, with
messages that name the file and the key, in the current language.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, Literal

from tui_chat.config.sections import RANGES, SECTIONS, McpServerSettings, McpSettings
from tui_chat.engine.errors import ConfigError
from tui_chat.i18n import N_, _

_TYPE_NAMES: dict[Any, str] = {
    str: N_("a string"),
    int: N_("an integer"),
    float: N_("a number"),
    bool: N_("true or false"),
    list[str]: N_("a list of strings"),
    dict[str, str]: N_("a table of strings"),
}
"""What a value of each setting's type is called in a message (every annotation of the settings)."""


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is Literal:
        *others, last = (repr(value) for value in typing.get_args(annotation))
        if not others:
            return last
        return _("{first} or {last}").format(first=", ".join(others), last=last)
    name = _TYPE_NAMES.get(annotation)
    return _(name) if name else str(annotation)


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


def _check_section(cls: type, data: Any, where: str, source: Path) -> dict[str, Any]:
    """The validated values of one section (only the keys given)."""
    if not isinstance(data, dict):
        raise ConfigError(_("{source}: [{section}] must be a table.").format(source=source, section=where))
    hints = typing.get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(
                _("{source}: unknown key '{key}'.").format(source=source, key=f"{where}.{key}"),
                hint=_("Known keys in [{section}]: {keys}.").format(
                    section=where, keys=", ".join(sorted(known))
                ),
            )
        if not _check_value(hints[key], value):
            raise ConfigError(
                _("{source}: '{key}' must be {kind}, not {value}.").format(
                    source=source, key=f"{where}.{key}", kind=_type_name(hints[key]), value=repr(value)
                ),
            )
        if isinstance(value, int | float) and not isinstance(value, bool):
            _check_range(f"{where}.{key}", value, source)
        values[key] = float(value) if hints[key] is float else value
    return values


def _check_range(key: str, value: float, source: Path) -> None:
    low, high = (0.0, None) if key.startswith("mcp.servers.") else RANGES.get(key, (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        if high is not None:
            message = _("{source}: '{key}' must be between {low} and {high}, not {value}.")
        else:
            message = _("{source}: '{key}' must be at least {low}, not {value}.")
        limits = {"low": f"{low or 0:g}", "high": f"{high:g}" if high is not None else ""}
        raise ConfigError(message.format(source=source, key=key, value=repr(value), **limits))


_SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def build_mcp(data: Any, source: Path) -> McpSettings:
    if not isinstance(data, dict):
        raise ConfigError(_("{source}: [{section}] must be a table.").format(source=source, section="mcp"))
    for key in data:
        if key != "servers":
            raise ConfigError(
                _("{source}: unknown key '{key}'.").format(source=source, key=f"mcp.{key}"),
                hint=_("Known keys in [{section}]: {keys}.").format(section="mcp", keys="servers"),
            )
    servers_data = data.get("servers", {})
    if not isinstance(servers_data, dict):
        raise ConfigError(
            _("{source}: 'mcp.servers' must be a table of [mcp.servers.NAME] tables.").format(source=source)
        )
    servers: dict[str, McpServerSettings] = {}
    for name, value in servers_data.items():
        where = f"mcp.servers.{name}"
        if not _SERVER_NAME.match(name):
            raise ConfigError(
                _("{source}: [{section}]: a server name must be 1-32 letters, digits, '_' or '-'.").format(
                    source=source, section=where
                ),
                hint=_("Its tools are offered to the model as NAME__TOOL."),
            )
        if name == "tools":
            raise ConfigError(
                _(
                    "{source}: [{section}]: 'tools' is the name of the local tool host; pick another name."
                ).format(source=source, section=where)
            )
        server = McpServerSettings(**_check_section(McpServerSettings, value, where, source))
        if bool(server.command) == bool(server.url):
            if server.command:
                message = _(
                    "{source}: [{section}] needs exactly one of 'command' (a stdio server) or "
                    "'url' (streamable HTTP), not both."
                )
            else:
                message = _(
                    "{source}: [{section}] needs exactly one of 'command' (a stdio server) or "
                    "'url' (streamable HTTP), not neither."
                )
            raise ConfigError(
                message.format(source=source, section=where),
                hint=_('For example: command = "mcp-server-time", or url = "http://127.0.0.1:8931/mcp".'),
            )
        if server.url and not server.url.startswith(("http://", "https://", "${")):
            raise ConfigError(
                _("{source}: '{key}' must be an http:// or https:// URL, not {value}.").format(
                    source=source, key=f"{where}.url", value=repr(server.url)
                )
            )
        servers[name] = server
    return McpSettings(servers=servers)


def check_file(text: str, source: Path) -> dict[str, dict[str, Any]]:
    """The validated tables of one TOML file, section by section (only the keys it sets)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            _("{source}: invalid TOML: {error}.").format(source=source, error=error),
            hint=_("Fix the line named above."),
        ) from error
    sections: dict[str, dict[str, Any]] = {}
    for key, value in data.items():
        if key == "mcp":
            sections[key] = {"servers": build_mcp(value, source).servers}
            continue
        if key not in SECTIONS:
            raise ConfigError(
                _("{source}: unknown section or key '{key}'.").format(source=source, key=key),
                hint=_("Known sections: {sections}.").format(
                    sections=", ".join("[" + name + "]" for name in [*SECTIONS, "mcp"])
                ),
            )
        sections[key] = _check_section(SECTIONS[key], value, key, source)
    return sections
