"""What a streamed completion yields: text pieces, retry notices and the whole reply (the client's output).

Apart so the turn loop and the UI can name these without the client's streaming machinery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui_chat.engine.errors import ProviderError
from tui_chat.engine.models import ToolCall, Usage


@dataclass(frozen=True)
class StreamText:
    """A piece of the reply's text, as it arrives."""

    text: str


@dataclass(frozen=True)
class StreamRetry:
    """Attempt ``attempt`` failed with a retryable ``error``; the next one starts after ``delay`` s."""

    attempt: int
    delay: float
    error: ProviderError


@dataclass(frozen=True)
class StreamResult:
    """The whole reply, always the last item of a successful stream.

    ``raw`` is the reassembled assistant message in OpenAI shape plus ``finish_reason``, ``usage`` and
    ``model`` (JSON-serialisable, for the inspector). ``first_token_ms`` counts from the start of the
    attempt that succeeded; ``duration_ms`` from the first attempt, retries and waits included.
    """

    content: str
    tool_calls: list[ToolCall]
    finish_reason: str | None
    usage: Usage | None
    model: str | None
    raw: dict[str, Any]
    first_token_ms: float | None
    duration_ms: float
    attempts: int


StreamEvent = StreamText | StreamRetry | StreamResult
