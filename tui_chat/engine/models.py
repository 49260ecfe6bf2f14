"""The conversation data model: what a session file holds, described once.

A *conversation* is what the user sees in the list. It holds *sessions* in order: a session is one
model context, and each idle reset starts a new one. Messages are user, assistant and tool messages.

These pydantic dataclasses are the single description of the file format: files are read with
``read_conversation`` (pydantic's JSON parser, strict types), written field by field in declaration
order with optional fields left out when empty (``exclude_if``), and
``tui_chat/engine/store/session_schema.json`` is generated from them (``tui_chat.engine.store.schema``).

Text that is not valid Unicode (a lone surrogate such as ``"\\ud83d"``, which providers and tools do
send) is replaced by U+FFFD where it enters a model, so the file, the index and the screen agree.
"""

from __future__ import annotations

from dataclasses import dataclass as stdlib_dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer
from pydantic.dataclasses import dataclass

from tui_chat.engine.format_fields import (
    FORMAT,
    FormatModel,
    JsonObject,
    Text,
    Timestamp,
    adapter,
    keyword,
    new_id,
    optional,
    to_iso,  # noqa: F401  (re-exported: many callers import it from here)
    utcnow,
)

FORMAT_VERSION = 1


@dataclass(config=FORMAT)
class Usage(FormatModel):
    prompt_tokens: int = Field(0, ge=0)
    completion_tokens: int = Field(0, ge=0)
    cost: float | None = optional(None, kw_only=False, ge=0, description="USD, when known.")

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost is None and other.cost is None else (self.cost or 0.0) + (other.cost or 0.0)
        return Usage(
            self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens, cost
        )


@dataclass(frozen=True, config=FORMAT)
class ToolCall(FormatModel):
    """A call the model asked for. ``arguments`` is the raw JSON text exactly as the model sent it."""

    id: Text
    name: Text
    arguments: Text = Field(
        "", description="The raw JSON text exactly as the model sent it (may be invalid)."
    )

    def to_openai(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True, config=FORMAT)
class ErrorInfo(FormatModel):
    """An error stored with a message: its engine ``kind`` and the person-readable message."""

    kind: Text
    message: Text
    hint: Text = optional("", kw_only=False)
    detail: Text = optional("", kw_only=False)


def _round_ms(value: float) -> float:
    return round(value, 3)


@dataclass(config=FORMAT)
class RoundRecord(FormatModel):
    """What the inspector needs about one model request: exactly what was sent and what came back.

    The messages sent are referenced by id (plus the system prompt text) instead of copied, so a long
    conversation does not store its history once per round; ``tools_hash`` points into
    ``Conversation.tool_definitions``.
    """

    system_prompt: Text = ""
    message_ids: list[str] = optional(default_factory=list, kw_only=False)
    tools_hash: str | None = optional(None, kw_only=False)
    params: JsonObject = Field(
        kw_only=True,
        description="Request parameters as sent (model, temperature, max_tokens…); never an API key.",
    )
    started_at: Timestamp = Field(kw_only=True)
    first_token_ms: float | None = optional()
    duration_ms: float | None = optional()
    raw_reply: JsonObject | None = optional()
    attempts: int = Field(1, ge=0, kw_only=True, exclude_if=lambda value: value == 1)
    omitted: int = Field(
        0,
        ge=0,
        kw_only=True,
        exclude_if=lambda value: value == 0,
        description="Earlier messages of the session left out of this request (history cap or token budget).",
    )


@dataclass(config=FORMAT)
class UserMessage(FormatModel):
    id: str = keyword(default_factory=lambda: new_id("m"))
    role: Literal["user"] = keyword("user")
    created_at: Timestamp = keyword(default_factory=utcnow)
    content: Text

    def to_openai(self) -> dict[str, Any]:
        return {"role": "user", "content": self.content}


@dataclass(config=FORMAT)
class AssistantMessage(FormatModel):
    """A model reply (or the welcome text, which is shown but never sent to the model)."""

    id: str = keyword(default_factory=lambda: new_id("m"))
    role: Literal["assistant"] = keyword("assistant")
    created_at: Timestamp = keyword(default_factory=utcnow)
    content: Text = Field("", description='Always written; "" when the reply was only tool calls.')
    tool_calls: list[ToolCall] = optional(default_factory=list, kw_only=False)
    model: str | None = optional()
    usage: Usage | None = optional()
    finish_reason: str | None = optional()
    error: ErrorInfo | None = optional()
    interrupted: bool = optional(False)
    partial: bool = optional(False, description="Written while streaming; read back as interrupted.")
    welcome: bool = optional(False)
    turn_id: str | None = optional()
    round: int | None = optional()
    request: RoundRecord | None = optional()

    @property
    def sendable(self) -> bool:
        """Whether this message belongs in the history sent to the model."""
        return not self.welcome and self.error is None and bool(self.content or self.tool_calls)

    def to_openai(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [call.to_openai() for call in self.tool_calls]
        return message


@dataclass(config=FORMAT)
class ToolMessage(FormatModel):
    """The result of one tool call, as run by the registry and as sent back to the model.

    ``result`` is the whole normalised result (``{"success": true, "data": …}`` or
    ``{"success": false, "error": …}``); ``content`` is the text the model received, which may be
    truncated (``truncated``) while ``result`` stays whole.
    """

    id: str = keyword(default_factory=lambda: new_id("m"))
    role: Literal["tool"] = keyword("tool")
    created_at: Timestamp = keyword(default_factory=utcnow)
    started_at: Timestamp | None = optional()
    tool_call_id: str
    name: Text
    arguments: Text = Field(description="The raw arguments text, as in the call.")
    result: JsonObject = Field(description="{success: true, data} or {success: false, error}.")
    content: Text = Field(description="The text the model received (possibly truncated).")
    error: Text | None = optional()
    traceback: Text | None = optional()
    duration_ms: Annotated[float, PlainSerializer(_round_ms)] = Field(ge=0)
    truncated: bool = optional(False)
    turn_id: str | None = optional()
    round: int | None = optional()
    #: What the tool wrote to stdout/stderr during the call (captured by the tool host, size-capped).
    output: Text = optional("", description="What the tool wrote to stdout/stderr (size-capped).")
    #: Why the call failed, for figures and status: invalid_arguments, unknown_tool, exception, timeout,
    #: crashed (the tool host died), cancelled. None when the call succeeded.
    error_kind: str | None = optional(
        description="invalid_arguments, unknown_tool, exception, timeout, crashed or cancelled."
    )
    arguments_valid: bool = keyword(True)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_openai(self) -> dict[str, Any]:
        return {"role": "tool", "tool_call_id": self.tool_call_id, "content": self.content}


Message = UserMessage | AssistantMessage | ToolMessage
AnyMessage = Annotated[Message, Field(discriminator="role")]


def settle(message: Message) -> Message:
    """A reply still marked partial on disk was cut off by a crash or a kill: it is interrupted."""
    if isinstance(message, AssistantMessage) and message.partial:
        message.partial = False
        message.interrupted = True
    return message


def message_from_dict(data: dict[str, Any]) -> Message:
    return settle(adapter(AnyMessage).validate_python(data))


@dataclass(config=FORMAT)
class Session(FormatModel):
    """One model context. Messages of earlier sessions are kept but never sent to the model."""

    id: str = Field(default_factory=lambda: new_id("s"))
    started_at: Timestamp = Field(default_factory=utcnow)
    reason: Literal["new", "idle_reset", "manual"] = "new"
    messages: list[AnyMessage] = Field(default_factory=list)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        session = adapter(cls).validate_python(data)
        for message in session.messages:
            settle(message)
        return session


@dataclass(config=FORMAT)
class ForkOrigin(FormatModel):
    conversation_id: str
    message_id: str


@dataclass(config=FORMAT)
class Conversation(FormatModel):
    format_version: int = keyword(FORMAT_VERSION, ge=1)
    id: str = Field(min_length=1)
    title: Text = Field()
    title_is_custom: bool = keyword(False)
    user_id: str = Field()
    model: str = Field()
    created_at: Timestamp = keyword(default_factory=utcnow)
    last_activity: Timestamp = keyword(default_factory=utcnow)
    context: JsonObject = keyword(
        default_factory=dict,
        description="Free context given when the conversation started (the seed's sessionData.context).",
    )
    tool_definitions: dict[str, list[JsonObject]] = keyword(
        default_factory=dict,
        description="OpenAI `tools` lists sent to the model, keyed by their hash (RoundRecord.tools_hash).",
    )
    sessions: list[Session] = keyword(default_factory=list)
    #: Set on a fork: ``{"conversation_id": …, "message_id": …}`` of the original it was copied from.
    forked_from: dict[str, str] | None = optional(
        description="On a fork: the original conversation and the message it was copied up to."
    )

    @property
    def current_session(self) -> Session:
        if not self.sessions:
            self.sessions.append(Session())
        return self.sessions[-1]

    def messages(self) -> list[Message]:
        """Every message of every session, in order."""
        return [message for session in self.sessions for message in session.messages]

    def message_count(self) -> int:
        return sum(len(session.messages) for session in self.sessions)

    def tool_call_count(self) -> int:
        return sum(
            1 for session in self.sessions for message in session.messages if isinstance(message, ToolMessage)
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        conversation = adapter(cls).validate_python(data)
        for message in conversation.messages():
            settle(message)
        return conversation


@stdlib_dataclass(frozen=True)
class ConversationSummary:
    """One row of the conversation list, read from the derived index (never from every file)."""

    id: str
    title: str
    created_at: datetime
    last_activity: datetime
    model: str
    message_count: int = 0
    tool_call_count: int = 0
    session_count: int = 0
    damaged: str | None = None

    @classmethod
    def of(cls, conversation: Conversation) -> ConversationSummary:
        return cls(
            id=conversation.id,
            title=conversation.title,
            created_at=conversation.created_at,
            last_activity=conversation.last_activity,
            model=conversation.model,
            message_count=conversation.message_count(),
            tool_call_count=conversation.tool_call_count(),
            session_count=len(conversation.sessions),
        )
