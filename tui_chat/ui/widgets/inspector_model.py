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
from tui_chat.engine.workbench.tool_outcome import error_kind_of, error_word
from tui_chat.i18n import N_, _

Status = Literal["running", "ok", "error", "missing"]

STATUS_ICON: dict[str, str] = {"running": "…", "ok": "✓", "error": "✗", "missing": "?"}
STATUS_WORD: dict[str, str] = {
    "running": N_("running"),
    "ok": N_("ok"),
    "error": N_("error"),
    "missing": N_("no result"),
}
"""How each status is said (English, the catalog's key): :attr:`CallRecord.status_word` translates."""


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

    number: int = 0
    """1-based position among the conversation's calls."""

    @property
    def status(self) -> Status:
        if self.result is not None:
            return "ok" if self.result.ok else "error"
        return "running" if self.running else "missing"

    @property
    def error_kind(self) -> str | None:
        return error_kind_of(self.result) if self.result is not None else None

    @property
    def status_word(self) -> str:
        """The status in the current language (a failure says its kind)."""
        if self.status == "error":
            return _(error_word(self.error_kind))
        return _(STATUS_WORD[self.status])


ROUND_PREFIX = "round:"


@dataclass
class RoundEntry:
    """One model request of the conversation (with or without tool calls): its row in the list."""

    assistant: AssistantMessage
    number: int
    """1-based position among the conversation's rounds."""

    @property
    def id(self) -> str:
        return ROUND_PREFIX + self.assistant.id

    @property
    def status(self) -> Status:
        if self.assistant.partial:
            return "running"
        if self.assistant.error is not None or self.assistant.interrupted:
            return "error"
        return "ok"


@dataclass
class CallIndex:
    """Every round and call of a conversation in order; calls by tool-call id, rounds by ``round:<id>``."""

    records: dict[str, CallRecord] = field(default_factory=dict)
    rounds: dict[str, RoundEntry] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    """Row ids in list order: each round followed by its calls."""

    def __len__(self) -> int:
        return len(self.records)

    def ordered(self) -> list[CallRecord]:
        return list(self.records.values())

    def add_call(self, record: CallRecord) -> None:
        record.number = len(self.records) + 1
        self.records[record.id] = record
        self.order.append(record.id)

    def add_round(self, assistant: AssistantMessage) -> RoundEntry:
        entry = RoundEntry(assistant, len(self.rounds) + 1)
        self.rounds[entry.id] = entry
        self.order.append(entry.id)
        return entry

    def entry(self, row_id: str | None) -> CallRecord | RoundEntry | None:
        if row_id is None:
            return None
        return self.rounds.get(row_id) or self.records.get(row_id)


def index_calls(conversation: Conversation | None) -> CallIndex:
    """One pass over the messages: calls in the order the model made them, with their results."""
    index = CallIndex()
    if conversation is None:
        return index
    for message in conversation.messages():
        if isinstance(message, AssistantMessage):
            if is_model_round(message):
                index.add_round(message)
            for call in message.tool_calls:
                index.add_call(CallRecord(call, message.round, assistant=message))
        elif isinstance(message, ToolMessage):
            record = index.records.get(message.tool_call_id)
            if record is None:  # a result whose request was lost: still worth showing
                call = ToolCall(message.tool_call_id, message.name, message.arguments)
                record = CallRecord(call, message.round)
                index.add_call(record)
            record.result = message
    return index


def is_model_round(message: AssistantMessage) -> bool:
    """A reply the model was asked for (not the welcome text)."""
    return not message.welcome and (message.request is not None or message.round is not None)


JSON_PROBLEMS = {
    message: message
    for message in (
        N_("Expecting value"),
        N_("Expecting ',' delimiter"),
        N_("Expecting ':' delimiter"),
        N_("Expecting property name enclosed in double quotes"),
        N_("Unterminated string starting at"),
        N_("Invalid control character at"),
        N_("Invalid \\escape"),
        N_("Invalid \\uXXXX escape"),
        N_("Extra data"),
        N_("Illegal trailing comma before end of object"),
        N_("Illegal trailing comma before end of array"),
    )
}
"""Python's own messages for broken JSON (``JSONDecodeError.msg``), the catalog's keys."""


def json_problem(error: json.JSONDecodeError) -> str:
    """What is wrong with a JSON text, in the current language (without where)."""
    return _(JSON_PROBLEMS[error.msg]) if error.msg in JSON_PROBLEMS else error.msg


def json_error_text(error: json.JSONDecodeError) -> str:
    """``str(error)`` in the current language: the problem and where it is."""
    return _("{problem}: line {line} column {column} (char {char})").format(
        problem=json_problem(error), line=error.lineno, column=error.colno, char=error.pos
    )


def parse_arguments(raw: str) -> tuple[Any, str | None]:
    """The decoded arguments, or (None, the JSON error) when the model sent something else."""
    if not raw.strip():
        return {}, None
    try:
        return json.loads(raw), None
    except json.JSONDecodeError as error:
        return None, _("not valid JSON: {error}").format(error=json_error_text(error))


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
        outcome = {
            "result": result.result,
            "error": result.error,
            "error_kind": error_kind_of(result),
            "traceback": result.traceback,
        }
        if result.output:
            outcome["output"] = result.output
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
        timing.update(_reply_figures(assistant))
        request_json = request_of(conversation, assistant)
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


def _reply_figures(assistant: AssistantMessage) -> dict[str, Any]:
    usage = assistant.usage
    return {
        "finish_reason": assistant.finish_reason,
        "prompt_tokens": usage.prompt_tokens if usage else None,
        "completion_tokens": usage.completion_tokens if usage else None,
    }


def request_of(conversation: Conversation | None, assistant: AssistantMessage) -> dict[str, Any] | None:
    """The exact request of ``assistant``'s round: parameters, messages and the tools offered."""
    request = assistant.request
    if request is None:
        return None
    tools = None
    if conversation is not None and request.tools_hash is not None:
        tools = conversation.tool_definitions.get(request.tools_hash)
    messages = round_messages(conversation, assistant) if conversation is not None else None
    request_json: dict[str, Any] = {"params": request.params, "messages": messages, "tools": tools}
    if request.tools_hash is not None and tools is None:
        request_json["tools_hash"] = request.tools_hash
    return request_json


@dataclass
class RoundSections:
    """The JSON-able pieces of one round (a model request), each copied as-is."""

    reply: dict[str, Any]
    timing: dict[str, Any]
    request: dict[str, Any] | None
    raw_reply: dict[str, Any] | None

    def everything(self, entry: RoundEntry) -> dict[str, Any]:
        return {
            "round": entry.assistant.round,
            "turn_id": entry.assistant.turn_id,
            "reply": self.reply,
            "timing": self.timing,
            "request": self.request,
            "raw_reply": self.raw_reply,
        }


def round_sections(conversation: Conversation | None, entry: RoundEntry) -> RoundSections:
    assistant = entry.assistant
    request = assistant.request
    timing: dict[str, Any] = {"round": assistant.round}
    if request is not None:
        timing |= {
            "request_started_at": to_iso(request.started_at),
            "first_token_ms": request.first_token_ms,
            "request_duration_ms": request.duration_ms,
            "attempts": request.attempts,
        }
    timing |= _reply_figures(assistant)
    reply: dict[str, Any] = {
        "model": assistant.model,
        "content": assistant.content,
        "tool_calls": [call.to_dict() for call in assistant.tool_calls],
        "finish_reason": assistant.finish_reason,
    }
    if assistant.error is not None:
        reply["error"] = assistant.error.to_dict()
    if assistant.interrupted:
        reply["interrupted"] = True
    return RoundSections(
        reply=reply,
        timing=timing,
        request=request_of(conversation, assistant),
        raw_reply=request.raw_reply if request is not None else None,
    )
