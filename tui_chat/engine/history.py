"""Which stored messages are sent to the model.

The whole current session by default (the idle reset starts a new one), within a token budget: only
messages a model can take (not the welcome text, not failed empty replies), the current turn always,
and never an assistant message with tool calls cut off from its tool results — providers reject a
``tool_calls`` message whose results are missing. The oldest messages are dropped first when the
budget (derived from the model's context window, see :func:`token_budget`) or the optional
``history_messages`` cap says so, and :class:`History` says how many were left out, so the chat can
mark the cut instead of forgetting silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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


BUDGET_SHARE = 0.9
"""Share of the free context window the history may fill: the 4-characters-a-token estimate is rough."""


def token_budget(
    context_window: int | None, *, max_tokens: int, overhead: Sequence[str] = (), cap: int = 0
) -> int:
    """Tokens of history that fit: the window minus the reply's ``max_tokens`` and the ``overhead``
    (system prompt, tool definitions), with a margin; ``cap`` (``history_token_budget``) bounds it too.

    0 means no limit (an unknown window and no cap). Never below 1 when a window is known, so a full
    window still sends the current turn and lets the provider say how far over it is.
    """
    budget = 0
    if context_window:
        fixed = max_tokens + sum(len(text) // 4 + 4 for text in overhead)
        budget = max(1, int((context_window - fixed) * BUDGET_SHARE))
    if cap > 0:
        budget = min(budget, cap) if budget else cap
    return budget


@dataclass(frozen=True)
class History:
    messages: list[Message]
    """What is sent, oldest first."""
    omitted: int = 0
    """Earlier messages of the session that could have been sent but were left out."""


def choose_history(messages: Sequence[Message], *, max_messages: int = 0, token_budget: int = 0) -> History:
    """The messages of one session to send: all of them unless ``max_messages`` (0: no cap) or
    ``token_budget`` (0: no budget) cut the oldest; the current turn is always sent whole."""
    usable = _complete_pairs(messages)
    current_start = max(
        (index for index, message in enumerate(usable) if isinstance(message, UserMessage)), default=0
    )
    start = max(0, min(len(usable) - max_messages, current_start)) if max_messages > 0 else 0
    if token_budget > 0:
        total = sum(estimate_tokens(message) for message in usable[start:])
        while start < current_start and total > token_budget:
            total -= estimate_tokens(usable[start])
            start += 1
            # Cut between turns: an answer without its question only confuses the model.
            while start < current_start and not isinstance(usable[start], UserMessage):
                total -= estimate_tokens(usable[start])
                start += 1
    # Never begin inside a tool round: skip results whose assistant message was cut off.
    while start < current_start and isinstance(usable[start], ToolMessage):
        start += 1
    return History(list(usable[start:]), omitted=start)


def select_history(
    messages: Sequence[Message], *, max_messages: int = 0, token_budget: int = 0
) -> list[Message]:
    """The messages of one session to send, oldest first (see :func:`choose_history`)."""
    return choose_history(messages, max_messages=max_messages, token_budget=token_budget).messages
