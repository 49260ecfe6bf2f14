"""The multi-round function-calling loop: the seed's six-step flow, fixed.

Stream the reply; when the model asks for tools, keep the assistant message with its ``tool_calls``,
run every call concurrently, append one ``tool`` message per call, and ask the model again — up to
``max_rounds`` times. The loop appends what it produces to the session's message list (the caller
saves it) and yields :mod:`tui_chat.engine.events` as it goes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tui_chat.engine.errors import ContextWindowExceeded, EngineError, TurnDeadlineExceeded
from tui_chat.engine.events import (
    Retrying,
    RoundFinished,
    RoundStarted,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    UsageReported,
)
from tui_chat.engine.format_fields import clean_text
from tui_chat.engine.history import choose_history, estimate_tokens, token_budget
from tui_chat.engine.models import (
    AssistantMessage,
    ErrorInfo,
    Message,
    RoundRecord,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
    utcnow,
)
from tui_chat.engine.provider.client import ProviderClient
from tui_chat.engine.provider.errors import explain_context_overflow
from tui_chat.engine.provider.stream_events import StreamResult, StreamRetry, StreamText
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry
from tui_chat.i18n import _


@dataclass(frozen=True)
class TurnPlan:
    """Everything one turn needs besides the messages."""

    turn_id: str
    system_prompt: str
    tools: list[dict[str, Any]]
    tools_hash: str | None
    tool_context: ToolContext
    max_rounds: int = 8
    history_messages: int = 0
    """Optional cap on the messages of earlier turns (0: the whole session)."""
    history_token_budget: int = 0
    """Optional cap on the tokens of history (0: only the model's context window limits it)."""
    deadline: float = 600.0
    max_rounds_note: str = "Stopped after {rounds} rounds of tool calls."
    used_call_ids: set[str] = field(default_factory=set)
    """Tool-call ids already in the conversation; a provider that reuses one (``call_001`` every turn)
    gets it renamed, so each call has one id everywhere: history, inspector, export."""


def error_info(error: EngineError) -> ErrorInfo:
    return ErrorInfo(kind=error.kind, message=error.message, hint=error.hint, detail=error.detail)


def _deadline_error(plan: TurnPlan) -> TurnDeadlineExceeded:
    return TurnDeadlineExceeded(
        _("The turn took longer than its {seconds} s deadline and was stopped.").format(
            seconds=f"{plan.deadline:g}"
        ),
        hint=_("Raise [model] turn_deadline, or look for a slow tool in the inspector."),
    )


async def run_turn(
    provider: ProviderClient, registry: ToolRegistry, messages: list[Message], plan: TurnPlan
) -> AsyncIterator[TurnEvent]:
    """Run one turn over ``messages`` (the current session, ending with the user's message)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + plan.deadline
    total = Usage()
    added: list[Message] = []
    budget = token_budget(
        await provider.context_window(),
        max_tokens=provider.settings.max_tokens,
        overhead=[plan.system_prompt, json.dumps(plan.tools)] if plan.tools else [plan.system_prompt],
        cap=plan.history_token_budget,
    )
    for round_number in range(1, plan.max_rounds + 1):
        chosen = choose_history(messages, max_messages=plan.history_messages, token_budget=budget)
        history = chosen.messages
        request = RoundRecord(
            system_prompt=plan.system_prompt,
            message_ids=[message.id for message in history],
            tools_hash=plan.tools_hash,
            params=provider.request_params(),
            started_at=utcnow(),
            omitted=chosen.omitted,
        )
        assistant = AssistantMessage(
            partial=True,
            turn_id=plan.turn_id,
            round=round_number,
            model=request.params.get("model"),
            request=request,
        )
        messages.append(assistant)
        added.append(assistant)
        yield RoundStarted(plan.turn_id, round_number, assistant)

        payload = [{"role": "system", "content": plan.system_prompt}, *(m.to_openai() for m in history)]
        try:
            async for event in _stream_round(
                provider, payload, plan.tools or None, assistant, deadline, plan
            ):
                yield event
        except EngineError as failure:
            error = _explained(failure, history, plan, request.params, provider.settings.context_window)
            assistant.partial = False
            assistant.error = error_info(error)
            yield TurnFailed(error, assistant)
            yield TurnFinished(plan.turn_id, "error", tuple(added), total, note=error.message)
            return
        if assistant.usage:
            total = total + assistant.usage
            yield UsageReported(round_number, assistant.usage)
        yield RoundFinished(round_number, assistant)

        if not assistant.tool_calls:
            reason = "length" if assistant.finish_reason == "length" else "stop"
            yield TurnFinished(plan.turn_id, reason, tuple(added), total)
            return

        try:
            async for event in _run_tools(registry, assistant, messages, added, deadline, plan):
                yield event
        except TurnDeadlineExceeded as error:
            yield TurnFailed(error, assistant)
            yield TurnFinished(plan.turn_id, "error", tuple(added), total, note=error.message)
            return

    note = plan.max_rounds_note.format(rounds=plan.max_rounds)
    yield TurnFinished(plan.turn_id, "max_rounds", tuple(added), total, note=note)


async def _stream_round(
    provider: ProviderClient,
    payload: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    assistant: AssistantMessage,
    deadline: float,
    plan: TurnPlan,
) -> AsyncIterator[TurnEvent]:
    """Stream one model reply into ``assistant``; the per-turn deadline bounds every wait."""
    round_number = assistant.round or 0
    # "required" forces a call in the first round only: afterwards the model must be free to answer.
    choice = "auto" if round_number > 1 and provider.settings.tool_choice == "required" else None
    stream = provider.stream_completion(payload, tools, tool_choice=choice)
    try:
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    item = await anext(stream)
            except StopAsyncIteration:
                break
            except TimeoutError:
                raise _deadline_error(plan) from None
            if isinstance(item, StreamText):
                piece = clean_text(item.text)  # a lone surrogate must not reach the file or the terminal
                assistant.content += piece
                yield TextDelta(round_number, piece)
            elif isinstance(item, StreamRetry):
                if assistant.request:
                    assistant.request.attempts = item.attempt + 1
                yield Retrying(round_number, item.attempt, item.delay, item.error)
            elif isinstance(item, StreamResult):
                _apply_result(assistant, item)
                assistant.tool_calls = _unique_ids(assistant.tool_calls, plan.used_call_ids)
    finally:
        await stream.aclose()


LOCAL_PROVIDERS = frozenset({"ollama", "ollama_chat", "hosted_vllm", "lm_studio", "llamafile"})
"""litellm routes to servers whose context size is the user's setting (named in overflow hints)."""


def _explained(
    error: EngineError,
    history: Sequence[Message],
    plan: TurnPlan,
    params: dict[str, Any],
    configured_window: int,
) -> EngineError:
    """A context overflow told apart: this message alone too long, or the history too long."""
    if not isinstance(error, ContextWindowExceeded):
        return error
    turn_start = max(
        (index for index, message in enumerate(history) if isinstance(message, UserMessage)), default=0
    )
    turn_tokens = len(plan.system_prompt) // 4 + sum(estimate_tokens(m) for m in history[turn_start:])
    alone = turn_start == 0 or bool(error.context_tokens and turn_tokens >= error.context_tokens)
    model = str(params.get("model") or "")
    local = bool(params.get("api_base")) or model.split("/", 1)[0] in LOCAL_PROVIDERS
    return explain_context_overflow(
        error, model=model, alone=alone, local=local, configured_window=configured_window
    )


def _unique_ids(calls: list[ToolCall], used: set[str]) -> list[ToolCall]:
    unique: list[ToolCall] = []
    for call in calls:
        call_id, suffix = call.id, 1
        while call_id in used:
            suffix += 1
            call_id = f"{call.id}-{suffix}"
        used.add(call_id)
        unique.append(call if call_id == call.id else replace(call, id=call_id))
    return unique


def _apply_result(assistant: AssistantMessage, result: StreamResult) -> None:
    assistant.partial = False
    assistant.content = result.content or assistant.content
    if result.raw.get("tool_call_format") == "json-in-content":
        assistant.content = result.content  # the calls written as text are now tool_calls
    assistant.tool_calls = list(result.tool_calls)
    assistant.finish_reason = result.finish_reason
    assistant.usage = result.usage
    assistant.model = result.model or assistant.model
    if assistant.request:
        assistant.request.raw_reply = result.raw
        assistant.request.first_token_ms = result.first_token_ms
        assistant.request.duration_ms = result.duration_ms
        assistant.request.attempts = result.attempts


async def _run_tools(
    registry: ToolRegistry,
    assistant: AssistantMessage,
    messages: list[Message],
    added: list[Message],
    deadline: float,
    plan: TurnPlan,
) -> AsyncIterator[TurnEvent]:
    """Run every call of the reply at once; results are stored in the order the model asked for them."""
    round_number = assistant.round or 0
    calls = assistant.tool_calls
    for call in calls:
        yield ToolCallStarted(round_number, call)
    tasks = {
        asyncio.create_task(registry.execute(call, plan.tool_context), name=f"tool:{call.name}"): call
        for call in calls
    }
    finished: list[ToolMessage] = []
    pending: set[asyncio.Task[ToolMessage]] = set(tasks)
    loop = asyncio.get_running_loop()
    try:
        while pending:
            done, pending = await asyncio.wait(
                pending, timeout=max(0.0, deadline - loop.time()), return_when=asyncio.FIRST_COMPLETED
            )
            if not done:
                raise _deadline_error(plan)
            for task in done:
                result = task.result()
                result.turn_id = plan.turn_id
                result.round = round_number
                finished.append(result)
                messages.append(result)
                added.append(result)
                yield ToolCallFinished(round_number, result)
    finally:
        for task in pending:
            task.cancel()
        _reorder_tail(messages, finished, calls)
        _reorder_tail(added, finished, calls)


def _reorder_tail(messages: list[Message], finished: Sequence[ToolMessage], calls: Sequence[Any]) -> None:
    """Put this round's tool results in call order (they were appended as they completed)."""
    if len(finished) < 2:
        return
    order = {call.id: index for index, call in enumerate(calls)}
    tail = messages[-len(finished) :]
    if all(isinstance(message, ToolMessage) for message in tail):
        tail.sort(key=lambda message: order.get(message.tool_call_id, len(order)))  # type: ignore[union-attr]
        messages[-len(finished) :] = tail
