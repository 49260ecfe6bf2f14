"""What the index holds about one conversation: its row (summary and totals), its tool calls and its text.

Built from the model objects by the same code after a save and after a full read of a file; the
cold-start scan (``store/scan.py``) builds the same row from the parsed JSON without the models.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

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

HIGHLIGHT_START, HIGHLIGHT_END = "\x02", "\x03"
"""The markers FTS5 puts around matches in a snippet; removed from indexed text so text cannot fake them."""
_NO_MARKERS = str.maketrans({HIGHLIGHT_START: " ", HIGHLIGHT_END: " "})

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ToolCallRow(NamedTuple):
    """One tool call, for the per-tool figures (calls, errors by kind, duration percentiles).

    A named tuple: a cold start builds one per call (~300,000 at 1,000,000 messages) and a frozen
    dataclass costs several times more to create."""

    message_id: str
    name: str
    duration_ms: float
    error_kind: str | None = None
    """None when the call succeeded; ``exception`` for an older row with an error and no kind."""


@dataclass(frozen=True)
class TextRow:
    """The searchable text of one message (or of the title, with role ``title`` and message id ``""``)."""

    message_id: str
    role: str
    created_at: datetime
    text: str
    tools: str = ""
    """The tool names of the message, space separated (a tool result: its tool; a reply: those it calls)."""
    error: bool = False
    """The message records an error (a failed tool call, a failed reply)."""
    digest: int = field(init=False)

    def __post_init__(self) -> None:
        key = f"{self.text}\x00{self.tools}\x00{self.error}"
        object.__setattr__(self, "digest", zlib.crc32(key.encode("utf-8", "surrogatepass")))


@dataclass(frozen=True)
class IndexRow:
    summary: ConversationSummary
    mtime_ns: int
    size: int
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None
    calls: list[ToolCallRow] = field(default_factory=list)


def error_kind(message: ToolMessage) -> str | None:
    if message.error is None and message.error_kind is None:
        return None
    return message.error_kind or "exception"


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
    return text[:MAX_INDEXED_CHARS].translate(_NO_MARKERS)


def _tools_and_error(message: Message) -> tuple[str, bool]:
    if isinstance(message, ToolMessage):
        return message.name, error_kind(message) is not None
    if isinstance(message, AssistantMessage):
        return " ".join(dict.fromkeys(call.name for call in message.tool_calls)), message.error is not None
    return "", False


def text_rows(messages: Iterable[Message]) -> list[TextRow]:
    rows = []
    for message in messages:
        tools, error = _tools_and_error(message)
        rows.append(
            TextRow(message.id, message.role, message.created_at, message_text(message), tools, error)
        )
    return rows


def title_row(conversation: Conversation) -> TextRow:
    return TextRow("", "title", conversation.created_at, conversation.title.translate(_NO_MARKERS))


def summarize(conversation: Conversation, mtime_ns: int, size: int) -> IndexRow:
    """The index row of a healthy conversation."""
    prompt = completion = 0
    cost: float | None = None
    calls: list[ToolCallRow] = []
    for session in conversation.sessions:
        for message in session.messages:
            if isinstance(message, ToolMessage):
                calls.append(ToolCallRow(message.id, message.name, message.duration_ms, error_kind(message)))
            elif isinstance(message, AssistantMessage) and message.usage:
                prompt += message.usage.prompt_tokens
                completion += message.usage.completion_tokens
                if message.usage.cost is not None:
                    cost = (cost or 0.0) + message.usage.cost
    return IndexRow(ConversationSummary.of(conversation), mtime_ns, size, prompt, completion, cost, calls)


def damaged_row(conversation_id: str, reason: str, mtime_ns: int, size: int) -> IndexRow:
    moment = _EPOCH + timedelta(microseconds=mtime_ns // 1000)
    return IndexRow(
        ConversationSummary(conversation_id, conversation_id, moment, moment, "", damaged=reason),
        mtime_ns,
        size,
    )
