"""What an MCP server offers, as the registry sees it: its listed tools (all pages) made ToolSpecs.

Apart from the connection: names made valid for providers (``<server>__<tool>``), the tool host's own
metadata read (a tool's source file and timeout, the modules that did not load).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from tui_chat.engine.tools.host import META
from tui_chat.engine.tools.spec import ToolLoadError, ToolSpec

if TYPE_CHECKING:
    from tui_chat.engine.tools.mcp_client import McpSource

_NAME_INVALID = re.compile(r"[^A-Za-z0-9_-]")


def exposed_name(server: str, tool: str, taken: set[str] | None = None) -> str:
    """``<server>__<tool>`` made valid for provider function names (``^[a-zA-Z0-9_-]{1,64}$``)."""
    name = _NAME_INVALID.sub("_", f"{server}__{tool}")
    if len(name) > 64:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{name[:55]}_{digest}"
    base, suffix = name, 2
    while taken is not None and name in taken:
        name = f"{base[: 64 - len(str(suffix)) - 1]}_{suffix}"
        suffix += 1
    return name


def _remote_handler(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a tool of an MCP source is called through ToolRegistry.execute")


async def list_all(session: Any) -> tuple[list[Any], dict[str, Any]]:
    """Every tool the server lists (following ``next_cursor``) and the tool host's list metadata."""
    tools: list[Any] = []
    cursor: str | None = None
    meta: dict[str, Any] = {}
    while True:
        params = {"cursor": cursor} if cursor else None
        result = await session.list_tools(params=params) if params else await session.list_tools()
        tools.extend(result.tools)
        meta = (result.meta or {}).get(META) or meta
        cursor = result.next_cursor
        if not cursor:
            break
    return tools, meta


def tool_specs(tools: list[Any], source: McpSource) -> list[ToolSpec]:
    """The listed tools as specs that ``source`` runs (an external server's names prefixed)."""
    specs: list[ToolSpec] = []
    taken: set[str] = set()
    for tool in tools:
        ours = (tool.meta or {}).get(META) or {} if source.kind == "host" else {}
        parameters = dict(tool.input_schema or {})
        parameters.setdefault("type", "object")
        if source.kind == "host":
            name, origin, timeout = tool.name, str(ours.get("source") or "tool host"), ours.get("timeout")
        else:
            name, origin, timeout = exposed_name(source.name, tool.name, taken), f"mcp:{source.name}", None
        taken.add(name)
        specs.append(
            ToolSpec(
                name=name,
                description=tool.description or tool.title or "",
                parameters=parameters,
                handler=_remote_handler,
                timeout=float(timeout) if isinstance(timeout, int | float) else source.call_timeout,
                source=origin,
                origin=source,
                remote_name=tool.name,
                server=source.name if source.kind == "mcp" else "",
            )
        )
    return specs


def host_load_errors(meta: dict[str, Any]) -> list[ToolLoadError]:
    """The modules the tool host could not load, from its list metadata."""
    return [
        ToolLoadError(str(e.get("source", "")), str(e.get("message", "")), str(e.get("traceback", "")))
        for e in meta.get("load_errors", [])
    ]
