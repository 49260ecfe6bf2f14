"""What one tool is, and the records about tools: apart so sources, the host and the UI need no registry.

:class:`ToolSpec` (a tool's definition as the model sees it and how to call it), :class:`ToolContext`
(who a call runs for), :class:`ToolLoadError` (a module that did not load) and :class:`DuplicateToolError`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.i18n import _


@dataclass(frozen=True)
class ToolContext:
    """Who a tool call runs for; handed to handlers that ask for it."""

    user_id: str
    conversation_id: str
    session_id: str
    turn_id: str = ""


@dataclass(frozen=True)
class ToolSpec:
    """One registered tool: its definition as the model sees it and how to call it."""

    name: str
    description: str
    parameters: dict[str, Any] = field(hash=False)
    handler: Callable[..., Any] = field(hash=False)
    timeout: float | None = None
    """Seconds; None means the registry's default."""
    source: str = ""
    """Where it came from (a file path, a module name), for the inspector and load errors."""
    wants_context: bool = False
    is_async: bool = False
    call_style: Literal["keywords", "args_dict"] = "keywords"
    """``keywords``: ``handler(**args[, context=...])``; ``args_dict``: ``handler(args, context)``."""
    origin: Any = field(default=None, compare=False, hash=False, repr=False)
    """The :class:`~tui_chat.engine.tools.sources.ToolSource` that runs it; None: this process."""
    remote_name: str = ""
    """The tool's name at its MCP server (``get_current_time`` for ``time__get_current_time``)."""
    server: str = ""
    """The external MCP server it comes from (empty for the tool host and in-process tools)."""

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": copy.deepcopy(self.parameters),
            },
        }


@dataclass(frozen=True)
class ToolLoadError:
    """A tool module that could not be loaded (a record to show, not an exception)."""

    source: str
    message: str
    traceback: str = ""


class DuplicateToolError(ValueError):
    """A tool name that is already registered from another source."""

    def __init__(self, name: str, existing: ToolSpec, source: str):
        self.name, self.existing, self.source = name, existing, source
        unknown = _("(unknown source)")
        super().__init__(
            _("tool {name} from {source} is already registered from {first}; the first one is kept").format(
                name=repr(name), source=source or unknown, first=existing.source or unknown
            )
        )


ErrorKind = Literal["invalid_arguments", "unknown_tool", "exception", "timeout", "crashed", "cancelled"]
