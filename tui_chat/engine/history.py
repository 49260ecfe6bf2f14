"""Which stored messages are sent to the model.

Only the current session (the idle reset starts a new one), only messages a model can take (not the
welcome text, not failed empty replies), the last ``history_messages`` of the earlier turns plus the
whole current turn, and never an assistant message with tool calls cut off from its tool results —
providers reject a ``tool_calls`` message whose results are missing.
"""

from __future__ import annotations

from collections.abc import Sequence

from tui_chat.engine.models import AssistantMessage, Message, ToolMessage, UserMessage


def _complete_pairs(messages: Sequence[Message]) -> list[Message]:
    """Drop tool results without their call, and calls without all of their results."""
    results = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    kept: list[Message] = []
    announced: set[str] = set()
    for message in messages:
        if isinstance(message, AssistantMessage):
            if not message.sendable:
                continue
            if message.tool_calls and not all(call.id in results for call in message.tool_calls):
                if not message.content:
                    continue
                # An interrupted round: keep what was said, forget the calls that never ran.
                message = AssistantMessage(
                    content=message.content, id=message.id, created_at=message.created_at
                )
            announced.update(call.id for call in message.tool_calls)
        elif isinstance(message, ToolMessage) and message.tool_call_id not in announced:
            continue
        kept.append(message)
    return kept


def estimate_tokens(message: Message) -> int:
    """A cheap estimate (4 characters a token): no tokenizer, so nothing is ever downloaded."""
    if isinstance(message, AssistantMessage):
        text = message.content + "".join(call.name + call.arguments for call in message.tool_calls)
    else:
        text = message.content
    return len(text) // 4 + 4


def select_history(messages: Sequence[Message], *, max_messages: int, token_budget: int = 0) -> list[Message]:
    """The messages of one session to send, oldest first."""
    usable = _complete_pairs(messages)
    current_start = max(
        (index for index, message in enumerate(usable) if isinstance(message, UserMessage)), default=0
    )
    start = max(0, min(len(usable) - max_messages, current_start))
    if token_budget > 0:
        total = sum(estimate_tokens(message) for message in usable[start:])
        while start < current_start and total > token_budget:
            total -= estimate_tokens(usable[start])
            start += 1
    # Never begin inside a tool round: skip results whose assistant message was cut off.
    while start < current_start and isinstance(usable[start], ToolMessage):
        start += 1
    return list(usable[start:])
