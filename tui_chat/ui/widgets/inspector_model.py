"""What the function-call inspector shows, as plain data: no Textual here, so it is cheap to test.

``index_calls`` walks a conversation once and pairs each ToolCall with the AssistantMessage that asked
for it and the ToolMessage that answered it. ``call_sections`` turns one of those into the JSON-able
sections the panel renders and copies, reconstructing the exact request of that round from the
RoundRecord (system prompt + the referenced messages + the tool definitions by hash).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from tui_chat.engine.models import AssistantMessage, Conversation, Message, ToolCall, ToolMessage, to_iso

Status = Literal["running", "ok", "error", "missing"]

STATUS_ICON: dict[str, str] = {"running": "…", "ok": "✓", "error": "✗", "missing": "?"}
STATUS_WORD: dict[str, str] = {"running": "running", "ok": "ok", "error": "error", "missing": "no result"}


def to_json(value: Any) -> str:
    """Pretty JSON; control characters come out escaped (``\\u001b``) by json itself."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@dataclass
class CallRecord:
    """One function call as the inspector knows it; ``result`` is None while it runs (or if lost)."""

    call: ToolCall
    round: int | None
    assistant: AssistantMessage | None = None
    result: ToolMessage | None = None
    running: bool = False

    @property
    def id(self) -> str:
        return self.call.id

    @property
    def status(self) -> Status:
        if self.result is not None:
            return "ok" if self.result.ok else "error"
        return "running" if self.running else "missing"


@dataclass
class CallIndex:
    """Every call of a conversation in order, by id."""

    records: dict[str, CallRecord] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.records)

    def ordered(self) -> list[CallRecord]:
        return list(self.records.values())


def index_calls(conversation: Conversation | None) -> CallIndex:
    """One pass over the messages: calls in the order the model made them, with their results."""
    index = CallIndex()
    if conversation is None:
        return index
    for message in conversation.messages():
        if isinstance(message, AssistantMessage):
            for call in message.tool_calls:
                index.records[call.id] = CallRecord(call, message.round, assistant=message)
        elif isinstance(message, ToolMessage):
            record = index.records.get(message.tool_call_id)
            if record is None:  # a result whose request was lost: still worth showing
                call = ToolCall(message.tool_call_id, message.name, message.arguments)
                record = index.records[message.tool_call_id] = CallRecord(call, message.round)
            record.result = message
    return index


def parse_arguments(raw: str) -> tuple[Any, str | None]:
    """The decoded arguments, or (None, the JSON error) when the model sent something else."""
    if not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except json.JSONDecodeError as error:
        return None, f"not valid JSON: {error}"


def round_messages(conversation: Conversation, assistant: AssistantMessage) -> list[dict[str, Any]] | None:
    """The messages sent in ``assistant``'s round, in the OpenAI shape, system prompt first."""
    request = assistant.request
    if request is None:
        return None
    wanted = set(request.message_ids)
    by_id: dict[str, Message] = {}
    for message in conversation.messages():
        if message.id in wanted:
            by_id[message.id] = message
    messages: list[dict[str, Any]] = []
    if request.system_prompt:
        messages.append({"role": "system", "content": request.system_prompt})
    for message_id in request.message_ids:
        found = by_id.get(message_id)
        messages.append(found.to_openai() if found else {"missing_message_id": message_id})
    return messages


@dataclass
class Sections:
    """The JSON-able pieces of one call, each copied as-is; ``None`` means not known."""

    arguments: Any
    arguments_error: str | None
    arguments_valid: bool | None
    result: dict[str, Any] | None
    timing: dict[str, Any]
    request: dict[str, Any] | None
    raw_reply: dict[str, Any] | None

    def everything(self, record: CallRecord) -> dict[str, Any]:
        return {
            "id": record.id,
            "name": record.call.name,
            "status": record.status,
            "round": record.round,
            "arguments": self.arguments if self.arguments_error is None else record.call.arguments,
            "arguments_valid": self.arguments_valid,
            "outcome": self.result,
            "timing": self.timing,
            "request": self.request,
            "raw_reply": self.raw_reply,
        }


def call_sections(conversation: Conversation | None, record: CallRecord) -> Sections:
    arguments, arguments_error = parse_arguments(record.call.arguments)
    result = record.result
    outcome: dict[str, Any] | None = None
    timing: dict[str, Any] = {}
    if result is not None:
        outcome = {"result": result.result, "error": result.error, "traceback": result.traceback}
        if result.truncated:
            outcome["sent_to_model"] = result.content
        timing["tool_started_at"] = to_iso(result.started_at) if result.started_at else None
        timing["tool_duration_ms"] = round(result.duration_ms, 3)
    request_json: dict[str, Any] | None = None
    raw_reply: dict[str, Any] | None = None
    assistant = record.assistant
    if assistant is not None and assistant.request is not None:
        request = assistant.request
        timing["round"] = record.round
        timing["request_started_at"] = to_iso(request.started_at)
        timing["first_token_ms"] = request.first_token_ms
        timing["request_duration_ms"] = request.duration_ms
        timing["attempts"] = request.attempts
        tools = None
        if conversation is not None and request.tools_hash is not None:
            tools = conversation.tool_definitions.get(request.tools_hash)
        messages = round_messages(conversation, assistant) if conversation is not None else None
        request_json = {"params": request.params, "messages": messages, "tools": tools}
        if request.tools_hash is not None and tools is None:
            request_json["tools_hash"] = request.tools_hash
        raw_reply = request.raw_reply
    return Sections(
        arguments=arguments,
        arguments_error=arguments_error,
        arguments_valid=result.arguments_valid if result is not None else None,
        result=outcome,
        timing=timing,
        request=request_json,
        raw_reply=raw_reply,
    )
