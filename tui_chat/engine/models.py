"""The conversation data model: what a session file holds.

A *conversation* is what the user sees in the list. It holds *sessions* in order: a session is one
model context, and each idle reset starts a new one. Messages are user, assistant and tool messages.
Everything here converts to and from plain JSON (``to_dict`` / ``from_dict``); the JSON Schema in
``tui_chat/engine/store/session_schema.json`` describes the result.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

FORMAT_VERSION = 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_id(prefix: str) -> str:
    """A short random id such as ``m-3f9a1c2b``: unique within a conversation, readable in JSON."""
    return f"{prefix}-{secrets.token_hex(4)}"


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value for key, value in data.items() if value is not None and value != [] and value is not False
    }


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float | None = None

    def __add__(self, other: Usage) -> Usage:
        cost = None if self.cost is None and other.cost is None else (self.cost or 0.0) + (other.cost or 0.0)
        return Usage(
            self.prompt_tokens + other.prompt_tokens, self.completion_tokens + other.completion_tokens, cost
        )

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "prompt_tokens": self.prompt_tokens,
                "completion_tokens": self.completion_tokens,
                "cost": self.cost,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Usage:
        return cls(data.get("prompt_tokens", 0), data.get("completion_tokens", 0), data.get("cost"))


@dataclass(frozen=True)
class ToolCall:
    """A call the model asked for. ``arguments`` is the raw JSON text exactly as the model sent it."""

    id: str
    name: str
    arguments: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "arguments": self.arguments}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ToolCall:
        return cls(data["id"], data["name"], data.get("arguments", ""))

    def to_openai(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments},
        }


@dataclass(frozen=True)
class ErrorInfo:
    """An error stored with a message: its engine ``kind`` and the person-readable message."""

    kind: str
    message: str
    hint: str = ""
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "kind": self.kind,
                "message": self.message,
                "hint": self.hint or None,
                "detail": self.detail or None,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ErrorInfo:
        return cls(data["kind"], data["message"], data.get("hint", ""), data.get("detail", ""))


@dataclass
class RoundRecord:
    """What the inspector needs about one model request: exactly what was sent and what came back.

    The messages sent are referenced by id (plus the system prompt text) instead of copied, so a long
    conversation does not store its history once per round; ``tools_hash`` points into
    ``Conversation.tool_definitions``.
    """

    system_prompt: str
    message_ids: list[str]
    tools_hash: str | None
    params: dict[str, Any]
    started_at: datetime
    first_token_ms: float | None = None
    duration_ms: float | None = None
    raw_reply: dict[str, Any] | None = None
    attempts: int = 1
    omitted: int = 0
    """Earlier messages of the session left out of this request (history cap or token budget)."""

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "system_prompt": self.system_prompt,
                "message_ids": self.message_ids,
                "tools_hash": self.tools_hash,
                "params": self.params,
                "started_at": to_iso(self.started_at),
                "first_token_ms": self.first_token_ms,
                "duration_ms": self.duration_ms,
                "raw_reply": self.raw_reply,
                "attempts": self.attempts if self.attempts != 1 else None,
                "omitted": self.omitted or None,
            }
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RoundRecord:
        return cls(
            system_prompt=data.get("system_prompt", ""),
            message_ids=list(data.get("message_ids", [])),
            tools_hash=data.get("tools_hash"),
            params=dict(data.get("params", {})),
            started_at=from_iso(data["started_at"]),
            first_token_ms=data.get("first_token_ms"),
            duration_ms=data.get("duration_ms"),
            raw_reply=data.get("raw_reply"),
            attempts=data.get("attempts", 1),
            omitted=data.get("omitted", 0),
        )


@dataclass
class UserMessage:
    content: str
    id: str = field(default_factory=lambda: new_id("m"))
    created_at: datetime = field(default_factory=utcnow)
    role: Literal["user"] = "user"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "role": "user", "created_at": to_iso(self.created_at), "content": self.content}

    def to_openai(self) -> dict[str, Any]:
        return {"role": "user", "content": self.content}


@dataclass
class AssistantMessage:
    """A model reply (or the welcome text, which is shown but never sent to the model)."""

    content: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    id: str = field(default_factory=lambda: new_id("m"))
    created_at: datetime = field(default_factory=utcnow)
    model: str | None = None
    usage: Usage | None = None
    finish_reason: str | None = None
    error: ErrorInfo | None = None
    interrupted: bool = False
    partial: bool = False
    welcome: bool = False
    turn_id: str | None = None
    round: int | None = None
    request: RoundRecord | None = None
    role: Literal["assistant"] = "assistant"

    @property
    def sendable(self) -> bool:
        """Whether this message belongs in the history sent to the model."""
        return not self.welcome and self.error is None and bool(self.content or self.tool_calls)

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(
            {
                "id": self.id,
                "role": "assistant",
                "created_at": to_iso(self.created_at),
                "content": self.content,
                "tool_calls": [call.to_dict() for call in self.tool_calls],
                "model": self.model,
                "usage": self.usage.to_dict() if self.usage else None,
                "finish_reason": self.finish_reason,
                "error": self.error.to_dict() if self.error else None,
                "interrupted": self.interrupted,
                "partial": self.partial,
                "welcome": self.welcome,
                "turn_id": self.turn_id,
                "round": self.round,
                "request": self.request.to_dict() if self.request else None,
            }
        )

    def to_openai(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            message["tool_calls"] = [call.to_openai() for call in self.tool_calls]
        return message


@dataclass
class ToolMessage:
    """The result of one tool call, as run by the registry and as sent back to the model.

    ``result`` is the whole normalised result (``{"success": true, "data": …}`` or
    ``{"success": false, "error": …}``); ``content`` is the text the model received, which may be
    truncated (``truncated``) while ``result`` stays whole.
    """

    tool_call_id: str
    name: str
    arguments: str
    result: dict[str, Any]
    content: str
    duration_ms: float
    id: str = field(default_factory=lambda: new_id("m"))
    created_at: datetime = field(default_factory=utcnow)
    started_at: datetime | None = None
    error: str | None = None
    traceback: str | None = None
    arguments_valid: bool = True
    truncated: bool = False
    turn_id: str | None = None
    round: int | None = None
    #: What the tool wrote to stdout/stderr during the call (captured by the tool host, size-capped).
    output: str = ""
    #: Why the call failed, for figures and status: invalid_arguments, unknown_tool, exception, timeout,
    #: crashed (the tool host died), cancelled. None when the call succeeded.
    error_kind: str | None = None
    role: Literal["tool"] = "tool"

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        data = _drop_none(
            {
                "id": self.id,
                "role": "tool",
                "created_at": to_iso(self.created_at),
                "started_at": to_iso(self.started_at) if self.started_at else None,
                "tool_call_id": self.tool_call_id,
                "name": self.name,
                "arguments": self.arguments,
                "result": self.result,
                "content": self.content,
                "error": self.error,
                "traceback": self.traceback,
                "duration_ms": round(self.duration_ms, 3),
                "truncated": self.truncated,
                "turn_id": self.turn_id,
                "round": self.round,
                "output": self.output or None,
                "error_kind": self.error_kind,
            }
        )
        data["arguments_valid"] = self.arguments_valid
        return data

    def to_openai(self) -> dict[str, Any]:
        return {"role": "tool", "tool_call_id": self.tool_call_id, "content": self.content}


Message = UserMessage | AssistantMessage | ToolMessage


def message_from_dict(data: dict[str, Any]) -> Message:
    role = data.get("role")
    created_at = from_iso(data["created_at"])
    if role == "user":
        return UserMessage(content=data["content"], id=data["id"], created_at=created_at)
    if role == "assistant":
        return AssistantMessage(
            content=data.get("content", "") or "",
            tool_calls=[ToolCall.from_dict(call) for call in data.get("tool_calls", [])],
            id=data["id"],
            created_at=created_at,
            model=data.get("model"),
            usage=Usage.from_dict(data["usage"]) if data.get("usage") else None,
            finish_reason=data.get("finish_reason"),
            error=ErrorInfo.from_dict(data["error"]) if data.get("error") else None,
            # A reply still marked partial on disk was cut off by a crash or a kill: it is interrupted.
            interrupted=data.get("interrupted", False) or data.get("partial", False),
            partial=False,
            welcome=data.get("welcome", False),
            turn_id=data.get("turn_id"),
            round=data.get("round"),
            request=RoundRecord.from_dict(data["request"]) if data.get("request") else None,
        )
    if role == "tool":
        return ToolMessage(
            tool_call_id=data["tool_call_id"],
            name=data["name"],
            arguments=data.get("arguments", ""),
            result=data.get("result", {}),
            content=data.get("content", ""),
            duration_ms=data.get("duration_ms", 0.0),
            id=data["id"],
            created_at=created_at,
            started_at=from_iso(data["started_at"]) if data.get("started_at") else None,
            error=data.get("error"),
            traceback=data.get("traceback"),
            arguments_valid=data.get("arguments_valid", True),
            truncated=data.get("truncated", False),
            turn_id=data.get("turn_id"),
            round=data.get("round"),
            output=data.get("output", ""),
            error_kind=data.get("error_kind"),
        )
    raise ValueError(f"unknown message role {role!r}")


@dataclass
class Session:
    """One model context. Messages of earlier sessions are kept but never sent to the model."""

    id: str = field(default_factory=lambda: new_id("s"))
    started_at: datetime = field(default_factory=utcnow)
    reason: Literal["new", "idle_reset", "manual"] = "new"
    messages: list[Message] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": to_iso(self.started_at),
            "reason": self.reason,
            "messages": [message.to_dict() for message in self.messages],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        return cls(
            id=data["id"],
            started_at=from_iso(data["started_at"]),
            reason=data.get("reason", "new"),
            messages=[message_from_dict(message) for message in data.get("messages", [])],
        )


@dataclass
class Conversation:
    id: str
    title: str
    user_id: str
    model: str
    created_at: datetime = field(default_factory=utcnow)
    last_activity: datetime = field(default_factory=utcnow)
    context: dict[str, Any] = field(default_factory=dict)
    sessions: list[Session] = field(default_factory=list)
    tool_definitions: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    title_is_custom: bool = False
    #: Set on a fork: ``{"conversation_id": …, "message_id": …}`` of the original it was copied from.
    forked_from: dict[str, str] | None = None
    format_version: int = FORMAT_VERSION

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

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": self.format_version,
            "id": self.id,
            "title": self.title,
            "title_is_custom": self.title_is_custom,
            "user_id": self.user_id,
            "model": self.model,
            "created_at": to_iso(self.created_at),
            "last_activity": to_iso(self.last_activity),
            "context": self.context,
            "tool_definitions": self.tool_definitions,
            "sessions": [session.to_dict() for session in self.sessions],
        } | ({"forked_from": self.forked_from} if self.forked_from else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Conversation:
        return cls(
            id=data["id"],
            title=data.get("title", ""),
            user_id=data.get("user_id", "local"),
            model=data.get("model", ""),
            created_at=from_iso(data["created_at"]),
            last_activity=from_iso(data["last_activity"]),
            context=dict(data.get("context", {})),
            sessions=[Session.from_dict(session) for session in data.get("sessions", [])],
            tool_definitions=dict(data.get("tool_definitions", {})),
            title_is_custom=data.get("title_is_custom", False),
            forked_from=data.get("forked_from"),
            format_version=data.get("format_version", FORMAT_VERSION),
        )


@dataclass(frozen=True)
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
