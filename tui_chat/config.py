"""Configuration: typed dataclasses read from TOML, validated with messages that name the key.

Two layers, each validated the same way:

* ``config.toml`` is the user's: it lives in platformdirs' config dir (``--config`` /
  ``TUI_CHAT_CONFIG`` override it) and the app never writes it — except ``tui-chat config init``,
  which writes a commented template (:func:`config_template`);
* ``settings.toml`` in the data dir (``--data-dir`` / ``TUI_CHAT_DATA_DIR``) is the app's: what the
  user changes in the UI (theme, model, the settings screen) is written there with tomli-w, only
  the keys that differ from config.toml, and it is layered over config.toml on load.

``Config.sources`` says where each value came from, for ``tui-chat config show``. The validation
messages are in the current language (:mod:`tui_chat.i18n`); keys, values and paths stay as written.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tui_chat import i18n
from tui_chat.engine.errors import ConfigError
from tui_chat.i18n import N_, _

APP_NAME = "tui-chat"
SETTINGS_NAME = "settings.toml"
SETTINGS_HEADER = (
    "# Written by tui-chat: what you changed in the app (theme, model, settings screen).\n"
    "# It is layered over config.toml; delete a line to go back to config.toml's value.\n\n"
)


@dataclass
class ModelSettings:
    """Which model to call and how. ``temperature = 0`` reaches the provider as 0."""

    name: str = field(default_factory=lambda: os.environ.get("DEFAULT_MODEL") or "gpt-4o-mini")
    """Any litellm model string: gpt-4o-mini, anthropic/claude-sonnet-4-5, ollama_chat/llama3.1,
    openai/<name> (with api_base)."""
    api_base: str = ""
    """The server's URL for local or OpenAI-compatible servers (http://localhost:8080/v1); empty: the
    provider's own."""
    api_key_env: str = ""
    """The environment variable holding the key; empty: the provider's usual one (OPENAI_API_KEY …)."""
    temperature: float = 0.7
    max_tokens: int = 1000
    """The longest reply, in tokens; reserved out of the context window when the history is cut."""
    timeout: float = 60.0
    """Inactivity timeout of one request, in seconds."""
    turn_deadline: float = 600.0
    """Deadline of a whole turn (every round and tool call), in seconds."""
    max_retries: int = 2
    """Retries of one request after a rate limit, a 5xx or a connection failure (never after a 401)."""
    context_window: int = 0
    """The model's context window in tokens; 0 means ask litellm (it knows the hosted models). Set it for
    local or unknown models (llama.cpp: its ``--ctx-size``) so long histories are cut before the server
    refuses them."""
    tool_choice: Literal["auto", "required", "none"] = "auto"
    """When tools are offered: the model may (auto), must (required: in a turn's first round, so it
    can answer with the results afterwards) or must not (none) call one."""
    tool_call_format: Literal["native", "json-in-content"] = "native"
    """``json-in-content``: also read tool calls a small local model writes as JSON in its reply text
    (bare, in a ```json fence or in ``<tool_call>`` tags), for the tools offered only."""


@dataclass
class SessionSettings:
    idle_reset_minutes: float = 20.0
    """A conversation idle for longer starts a new model session; 0 disables."""
    language: Literal["en", "es"] = "en"
    welcome_message: str = ""
    """Empty means the default of ``language``."""
    system_prompt: str = ""
    """Empty means the default of ``language`` (the seed's instructions)."""
    history_messages: int = 0
    """Optional cap on the messages of earlier turns sent; 0 (the default) sends the whole session
    within the model's context window. The seed sent the last 10."""
    history_token_budget: int = 0
    """Optional cap on the tokens of history sent; 0 means only the context window limits it."""
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
    """A built-in theme or one from the themes folder next to this file."""
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
    """The user's config file this was read from (never written to)."""
    settings_path: Path | None = field(default=None, compare=False)
    """The app's settings file layered over it (where UI changes go); None: UI changes are not kept."""
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    """``"model.name"`` → ``"settings"`` / ``"config"`` for the keys a file set (the rest are defaults)."""

    def to_toml_dict(self) -> dict[str, Any]:
        data = {name: dataclasses.asdict(getattr(self, name)) for name in _SECTIONS}
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


def default_settings_path(data_dir: Path | None = None) -> Path:
    return (data_dir or default_data_dir()) / SETTINGS_NAME


def default_data_dir() -> Path:
    override = os.environ.get("TUI_CHAT_DATA_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME))


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


_RANGES: dict[str, tuple[float, float | None]] = {
    "model.temperature": (0.0, 2.0),
    "model.max_tokens": (1, None),
    "model.timeout": (0.001, None),
    "model.turn_deadline": (0.001, None),
    "model.max_retries": (0, 10),
    "model.context_window": (0, None),
    "session.idle_reset_minutes": (0.0, None),
    "session.history_messages": (0, None),
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
        if high is not None:
            message = _("{source}: '{key}' must be between {low} and {high}, not {value}.")
        else:
            message = _("{source}: '{key}' must be at least {low}, not {value}.")
        limits = {"low": f"{low or 0:g}", "high": f"{high:g}" if high is not None else ""}
        raise ConfigError(message.format(source=source, key=key, value=repr(value), **limits))


_SECTIONS: dict[str, type] = {
    "model": ModelSettings,
    "session": SessionSettings,
    "tools": ToolSettings,
    "ui": UISettings,
}
"""The flat sections; ``[mcp]`` (a table of servers) is read by :func:`_build_mcp` and never saved by
the app (its ``${VAR}`` references stay in the user's config.toml)."""
_SERVER_NAME = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def _build_mcp(data: Any, source: Path) -> McpSettings:
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


def _check_file(text: str, source: Path) -> dict[str, dict[str, Any]]:
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
            sections[key] = {"servers": _build_mcp(value, source).servers}
            continue
        if key not in _SECTIONS:
            raise ConfigError(
                _("{source}: unknown section or key '{key}'.").format(source=source, key=key),
                hint=_("Known sections: {sections}.").format(
                    sections=", ".join("[" + name + "]" for name in [*_SECTIONS, "mcp"])
                ),
            )
        sections[key] = _check_section(_SECTIONS[key], value, key, source)
    return sections


_CANNOT_READ = {
    "config file": N_("{path}: cannot read the config file: {reason}."),
    "settings file": N_("{path}: cannot read the settings file: {reason}."),
}


def _read_file(path: Path, what: str) -> dict[str, dict[str, Any]]:
    """The validated tables of ``what`` (a key of ``_CANNOT_READ``) at ``path``; none if it is missing."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ConfigError(_(_CANNOT_READ[what]).format(path=path, reason=error.strerror)) from error
    return _check_file(text, path)


def _build(layers: list[tuple[str, dict[str, dict[str, Any]]]], **extra: Any) -> Config:
    """A Config from validated layers, later layers winning key by key; records each key's source."""
    merged: dict[str, dict[str, Any]] = {}
    sources: dict[str, str] = {}
    for name, layer in layers:
        for section, values in layer.items():
            merged.setdefault(section, {}).update(values)
            sources.update({f"{section}.{key}": name for key in values})
    sections = {name: cls(**merged.get(name, {})) for name, cls in _SECTIONS.items()}
    mcp = McpSettings(servers=dict(merged.get("mcp", {}).get("servers", {})))
    return Config(**sections, mcp=mcp, sources=sources, **extra)


def parse_config(text: str, source: Path) -> Config:
    """One config file's text (no settings layer)."""
    return _build([("config", _check_file(text, source))], path=source)


def load_config(path: Path | None = None, *, settings_path: Path | None = None) -> Config:
    """Read the user's config (a missing file means the defaults) with the app's settings over it.

    A file that cannot be used is reported in the language the files ask for (``[session] language``),
    since the process's language is only set from a config that loaded.
    """
    path = path or default_config_path()
    settings_path = settings_path or default_settings_path()

    def read() -> Config:
        return _build(
            [
                ("config", _read_file(path, "config file")),
                ("settings", _read_file(settings_path, "settings file")),
            ],
            path=path,
            settings_path=settings_path,
        )

    try:
        return read()
    except ConfigError:
        language = declared_language(settings_path, path)  # the settings file's wins, as when loaded
        if language is None or language == i18n.current_language():
            raise
        with i18n.using(i18n.translations(language)):
            return read()  # raises again, now in that language


def declared_language(*paths: Path) -> str | None:
    """The ``[session] language`` the first of ``paths`` that says one asks for, if it is a known one;
    read leniently, for reporting the errors of files that cannot be used."""
    codes = {code for _name, code in i18n.LANGUAGES}
    for path in paths:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        session = data.get("session")
        language = session.get("language") if isinstance(session, dict) else None
        if language in codes:
            return language
    return None


def save_settings(config: Config) -> Path:
    """Keep what the user changed in the app: the keys of ``config`` that differ from config.toml
    (and its defaults) go to the settings file, atomically; config.toml is not touched."""
    import tomli_w

    base = _build([("config", _read_file(config.path, "config file"))] if config.path else [])
    changed: dict[str, dict[str, Any]] = {}
    for name in _SECTIONS:
        ours, theirs = dataclasses.asdict(getattr(config, name)), dataclasses.asdict(getattr(base, name))
        values = {key: value for key, value in ours.items() if value != theirs[key]}
        if values:
            changed[name] = values
    path = config.settings_path = config.settings_path or default_settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(SETTINGS_HEADER + tomli_w.dumps(changed), encoding="utf-8")
    os.replace(temp, path)
    config.sources = {
        **{key: source for key, source in base.sources.items()},
        **{f"{section}.{key}": "settings" for section, values in changed.items() for key in values},
    }
    return path


def field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under each field of a settings dataclass (one description per setting)."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for current, following in itertools.pairwise(body):
        if (
            isinstance(current, ast.AnnAssign)
            and isinstance(current.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[current.target.id] = " ".join(following.value.value.split()).replace("``", "`")
    return docs


def config_template() -> str:
    """The commented config.toml ``config init`` writes: every key, commented out, at its default."""
    import textwrap

    import tomli_w

    lines = [
        "# tui-chat configuration. Every key is optional: uncomment a line to change it.",
        "# The values shown are the defaults. What you change in the app (theme, model, settings)",
        f"# is kept in {SETTINGS_NAME} in the data dir, layered over this file (see: tui-chat config show).",
    ]
    defaults = Config()
    for name, cls in _SECTIONS.items():
        lines += ["", f"[{name}]"]
        docs = field_docs(cls)
        values = dataclasses.asdict(getattr(defaults, name))
        for key, value in values.items():
            if key in docs:
                lines += textwrap.wrap(docs[key], 100, initial_indent="# ", subsequent_indent="# ")
            if name == "model" and key == "name":
                value = "gpt-4o-mini"  # not $DEFAULT_MODEL: the template is the same for everyone
                lines.append("# (empty here: $DEFAULT_MODEL, else gpt-4o-mini)")
            lines += ["# " + line for line in tomli_w.dumps({key: value}).strip().splitlines()]
    return "\n".join(lines) + "\n"


def save_config(config: Config, path: Path | None = None) -> Path:
    """Write a whole config file atomically with tomli-w; returns the path written.

    Never called by the app (config.toml is the user's: UI changes go through :func:`save_settings`);
    tests and scripts use it to write a config file.
    """
    import tomli_w

    path = path or config.path or default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(tomli_w.dumps(config.to_toml_dict()), encoding="utf-8")
    os.replace(temp, path)
    return path
