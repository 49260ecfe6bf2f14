"""Run recorded tool calls again against the current tool code and compare.

Used by the inspector's re-run (one call, arguments possibly edited), by ``tui-chat replay`` (every
recorded call of a conversation: recorded conversations become regression tests for tools) and by the
tools panel and ``tui-chat tools run`` (a call made by hand). Everything goes through
``ToolRegistry.execute``, so it runs exactly as a model's call would, with the conversation's
:class:`ToolContext`. Nothing here changes a conversation.

Two runs are *the same* when their normalised results (``{"success": …, "data" | "error": …}``) are
equal; duration, output and traceback are shown but not compared.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.format_fields import new_id
from tui_chat.engine.models import Conversation, ToolCall, ToolMessage
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry
from tui_chat.engine.workbench.tool_outcome import outcome
from tui_chat.i18n import _


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def result_diff(recorded: dict[str, Any], now: dict[str, Any]) -> str:
    """A unified diff of two results as indented JSON (empty when they are equal)."""
    lines = difflib.unified_diff(
        _pretty(recorded).splitlines(),
        _pretty(now).splitlines(),
        _("recorded"),
        _("now"),
        lineterm="",
    )
    return "\n".join(lines)


@dataclass(frozen=True)
class CallComparison:
    """A recorded call and the same call run now."""

    recorded: ToolMessage
    now: ToolMessage

    @property
    def same(self) -> bool:
        return self.recorded.result == self.now.result

    @property
    def arguments_changed(self) -> bool:
        return self.recorded.arguments != self.now.arguments

    def diff(self) -> str:
        return result_diff(self.recorded.result, self.now.result)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "call_id": self.recorded.tool_call_id,
            "name": self.recorded.name,
            "arguments": self.now.arguments,
            "recorded": outcome(self.recorded),
            "now": outcome(self.now),
            "same": self.same,
        }
        if self.arguments_changed:
            data["recorded_arguments"] = self.recorded.arguments
        if not self.same:
            data["diff"] = self.diff()
        return data


def session_of(conversation: Conversation, message_id: str) -> str:
    for session in conversation.sessions:
        if any(message.id == message_id for message in session.messages):
            return session.id
    return conversation.current_session.id if conversation.sessions else ""


def context_for(conversation: Conversation, message: ToolMessage) -> ToolContext:
    """The context the recorded call ran with: same user, conversation, session and turn."""
    return ToolContext(
        user_id=conversation.user_id,
        conversation_id=conversation.id,
        session_id=session_of(conversation, message.id),
        turn_id=message.turn_id or "",
    )


def recorded_calls(conversation: Conversation, tool: str | None = None) -> list[ToolMessage]:
    """Every tool result of the conversation, in order (only ``tool``'s when given)."""
    return [
        message
        for message in conversation.messages()
        if isinstance(message, ToolMessage) and (tool is None or message.name == tool)
    ]


async def rerun(
    registry: ToolRegistry,
    conversation: Conversation,
    recorded: ToolMessage,
    arguments: str | None = None,
) -> CallComparison:
    """Run ``recorded`` again now (with ``arguments`` instead of the recorded ones, when given)."""
    call = ToolCall(
        recorded.tool_call_id, recorded.name, recorded.arguments if arguments is None else arguments
    )
    now = await registry.execute(call, context_for(conversation, recorded))
    now.round = recorded.round
    return CallComparison(recorded, now)


async def replay(
    registry: ToolRegistry, conversation: Conversation, tool: str | None = None
) -> list[CallComparison]:
    """Re-run every recorded call of ``conversation`` one after another (tools may depend on order)."""
    return [await rerun(registry, conversation, message) for message in recorded_calls(conversation, tool)]


def manual_context(user_id: str, conversation: Conversation | None = None) -> ToolContext:
    """The context of a call made by hand: the open conversation's when there is one."""
    if conversation is None:
        return ToolContext(user_id=user_id, conversation_id="", session_id="", turn_id="")
    session = conversation.current_session.id if conversation.sessions else ""
    return ToolContext(user_id=conversation.user_id, conversation_id=conversation.id, session_id=session)


async def run_tool(registry: ToolRegistry, name: str, arguments: str, context: ToolContext) -> ToolMessage:
    """Run ``name`` by hand with ``arguments`` (JSON text); never raises, like every call."""
    return await registry.execute(ToolCall(new_id("run"), name, arguments), context)
