"""The settings dataclasses, one per config section, and the limits of their numeric values.

Apart from reading and writing files: this is the one description of each setting (its type, default,
docstring and range) that validation, the template, the settings screen and ``config show`` all read.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal


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
        data = {name: dataclasses.asdict(getattr(self, name)) for name in SECTIONS}
        if self.mcp.servers:
            defaults = dataclasses.asdict(McpServerSettings())
            data["mcp"] = {
                "servers": {
                    name: {k: v for k, v in dataclasses.asdict(server).items() if v != defaults[k]}
                    for name, server in self.mcp.servers.items()
                }
            }
        return data


SECTIONS: dict[str, type] = {
    "model": ModelSettings,
    "session": SessionSettings,
    "tools": ToolSettings,
    "ui": UISettings,
}
"""The flat sections; ``[mcp]`` (a table of servers) is read by :func:`.validation.build_mcp` and never
saved by the app (its ``${VAR}`` references stay in the user's config.toml)."""


RANGES: dict[str, tuple[float, float | None]] = {
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
    return RANGES[key]
