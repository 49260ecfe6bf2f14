"""Events a turn yields, in order, to whoever drives it (the CLI, the TUI, tests).

A turn is one user message and everything that follows it: one or more *rounds* (model requests),
with the tool calls the model asks for run between them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tui_chat.engine.errors import EngineError
from tui_chat.engine.models import AssistantMessage, Message, ToolCall, ToolMessage, Usage, UserMessage


@dataclass(frozen=True)
class TurnStarted:
    turn_id: str
    user_message: UserMessage
    session_started: bool
    """True when this turn started a new session (a new conversation, or the idle reset)."""
    welcome: AssistantMessage | None = None


@dataclass(frozen=True)
class RoundStarted:
    turn_id: str
    round: int
    assistant: AssistantMessage
    """The reply being built; its ``request`` holds what was sent."""


@dataclass(frozen=True)
class Retrying:
    """A request failed with a retryable error; we wait ``delay`` seconds and try again."""

    round: int
    attempt: int
    delay: float
    error: EngineError


@dataclass(frozen=True)
class TextDelta:
    round: int
    text: str


@dataclass(frozen=True)
class ToolCallStarted:
    round: int
    call: ToolCall


@dataclass(frozen=True)
class ToolCallFinished:
    round: int
    result: ToolMessage


@dataclass(frozen=True)
class UsageReported:
    round: int
    usage: Usage


@dataclass(frozen=True)
class RoundFinished:
    round: int
    assistant: AssistantMessage


@dataclass(frozen=True)
class TurnFailed:
    """The turn stopped on an error. What was done so far is kept (and saved by the chat service)."""

    error: EngineError
    assistant: AssistantMessage | None = None


@dataclass(frozen=True)
class TurnFinished:
    turn_id: str
    reason: Literal["stop", "max_rounds", "error", "length"]
    messages: tuple[Message, ...]
    """Every message this turn added, in order (user, assistant, tool, …)."""
    usage: Usage
    note: str = ""
    """A person-readable note when the turn did not end normally (e.g. the round limit)."""


TurnEvent = (
    TurnStarted
    | RoundStarted
    | Retrying
    | TextDelta
    | ToolCallStarted
    | ToolCallFinished
    | UsageReported
    | RoundFinished
    | TurnFailed
    | TurnFinished
)
