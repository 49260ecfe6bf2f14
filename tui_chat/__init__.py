"""tui-chat: chat with LLMs in the terminal and develop the tools they call.

Tool modules need only ``from tui_chat import tool`` (and ``ToolContext`` to annotate ``context``).
Names are resolved lazily so ``import tui_chat`` stays cheap: no textual, litellm or jsonschema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui_chat.engine.tools.registry import ToolContext
    from tui_chat.engine.tools.schema import tool

__all__ = ["ToolContext", "__version__", "tool"]


def __getattr__(name: str) -> Any:
    if name == "tool":
        from tui_chat.engine.tools.schema import tool

        return tool
    if name == "ToolContext":
        from tui_chat.engine.tools.registry import ToolContext

        return ToolContext
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("tui-chat")
        except PackageNotFoundError:
            return "0+unknown"
    raise AttributeError(f"module 'tui_chat' has no attribute {name!r}")
