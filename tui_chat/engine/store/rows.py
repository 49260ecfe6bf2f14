"""What the index holds about one conversation: its row (summary and totals) and its searchable text.

Built from the model objects by the same code after a save and after reading a file back.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    ConversationSummary,
    Message,
    ToolMessage,
    UserMessage,
)

MAX_INDEXED_CHARS = 64_000
"""Text indexed per message; a 2 MB tool result is searchable by its first 64,000 characters."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ToolStat:
    calls: int = 0
    errors: int = 0
    duration_ms: float = 0.0
    """Total; ``StoreTotals`` turns it into a mean."""


@dataclass(frozen=True)
class TextRow:
    """The searchable text of one message (or of the title, with role ``title`` and message id ``""``)."""

    message_id: str
    role: str
    created_at: datetime
    text: str
    digest: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "digest", zlib.crc32(self.text.encode("utf-8", "surrogatepass")))


@dataclass(frozen=True)
class IndexRow:
    summary: ConversationSummary
    mtime_ns: int
    size: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    tools: dict[str, ToolStat] = field(default_factory=dict)


def message_text(message: Message) -> str:
    """What a search can find in a message: its text, tool names, arguments and results."""
    if isinstance(message, UserMessage):
        text = message.content
    elif isinstance(message, AssistantMessage):
        parts = [message.content]
        parts += [f"{call.name} {call.arguments}" for call in message.tool_calls]
        if message.error:
            parts.append(message.error.message)
        text = "\n".join(part for part in parts if part)
    else:
        result = json.dumps(message.result, ensure_ascii=False)
        text = "\n".join(
            part for part in (message.name, message.arguments, result, message.error or "") if part
        )
    return text[:MAX_INDEXED_CHARS]


def text_rows(messages: Iterable[Message]) -> list[TextRow]:
    return [
        TextRow(message.id, message.role, message.created_at, message_text(message)) for message in messages
    ]


def title_row(conversation: Conversation) -> TextRow:
    return TextRow("", "title", conversation.created_at, conversation.title)


def summarize(conversation: Conversation, mtime_ns: int, size: int) -> IndexRow:
    """The index row of a healthy conversation."""
    prompt = completion = 0
    cost: float | None = None
    tools: dict[str, list[float]] = {}
    for session in conversation.sessions:
        for message in session.messages:
            if isinstance(message, ToolMessage):
                stat = tools.setdefault(message.name, [0, 0, 0.0])
                stat[0] += 1
                stat[1] += message.error is not None
                stat[2] += message.duration_ms
            elif isinstance(message, AssistantMessage) and message.usage:
                prompt += message.usage.prompt_tokens
                completion += message.usage.completion_tokens
                if message.usage.cost is not None:
                    cost = (cost or 0.0) + message.usage.cost
    return IndexRow(
        ConversationSummary.of(conversation),
        mtime_ns,
        size,
        prompt,
        completion,
        cost,
        {
            name: ToolStat(int(calls), int(errors), duration)
            for name, (calls, errors, duration) in tools.items()
        },
    )


def damaged_row(conversation_id: str, reason: str, mtime_ns: int, size: int) -> IndexRow:
    moment = _EPOCH + timedelta(microseconds=mtime_ns // 1000)
    return IndexRow(
        ConversationSummary(conversation_id, conversation_id, moment, moment, "", damaged=reason),
        mtime_ns,
        size,
    )
