"""Fork a conversation at a tool call: "what would the model have said had the tool answered this?"

The fork is a new conversation: a copy of the original up to the round that made the call, with that
call's result replaced (and its arguments, when they were edited), marked ``forked_from`` the
original at that message. The other results of the same round are kept, so every call the model made
still has its answer; everything after the round is left out. The original is not touched: only the
new file is written (``Workspace.fork``).
"""

from __future__ import annotations

import dataclasses

from tui_chat.engine.format_fields import new_id
from tui_chat.engine.models import AssistantMessage, Conversation, Message, Session, ToolMessage, utcnow
from tui_chat.i18n import _

FORK_MARK = "⑂ "


class ForkError(ValueError):
    """The call to fork at is not in the conversation."""


def _copy(conversation: Conversation) -> Conversation:
    return Conversation.from_dict(conversation.to_dict())


def fork_at(
    conversation: Conversation, recorded: ToolMessage, replacement: ToolMessage, fork_id: str
) -> Conversation:
    """The fork, in memory: ``replacement`` (a re-run of ``recorded``) answers the call instead."""
    fork = _copy(conversation)
    found = [
        (number, index)
        for number, session in enumerate(fork.sessions)
        for index, message in enumerate(session.messages)
        if message.id == recorded.id
    ]
    if not found:
        raise ForkError(
            _("Message {message} is not in conversation {conversation}.").format(
                message=recorded.id, conversation=conversation.id
            )
        )
    number, position = found[0]
    session = fork.sessions[number]
    messages = session.messages
    asked = next(
        (
            i
            for i in range(position - 1, -1, -1)
            if isinstance(messages[i], AssistantMessage)
            and any(call.id == recorded.tool_call_id for call in messages[i].tool_calls)  # type: ignore[union-attr]
        ),
        None,
    )
    # Keep the round's other results (each call needs an answer), then stop.
    end = position + 1
    if asked is not None:
        assistant = messages[asked]
        assert isinstance(assistant, AssistantMessage)
        call_ids = {call.id for call in assistant.tool_calls}
        end = asked + 1
        while (
            end < len(messages)
            and isinstance(messages[end], ToolMessage)
            and messages[end].tool_call_id in call_ids
        ):  # type: ignore[union-attr]
            end += 1
        assistant.tool_calls = [
            dataclasses.replace(call, arguments=replacement.arguments)
            if call.id == recorded.tool_call_id
            else call
            for call in assistant.tool_calls
        ]
    answer = dataclasses.replace(
        replacement,
        id=new_id("m"),
        tool_call_id=recorded.tool_call_id,
        name=recorded.name,
        turn_id=recorded.turn_id,
        round=recorded.round,
    )
    kept: list[Message] = [answer if m.id == recorded.id else m for m in messages[:end]]
    now = utcnow()
    fork.sessions = [
        *fork.sessions[:number],
        Session(id=session.id, started_at=session.started_at, reason=session.reason, messages=kept),
    ]
    fork.id = fork_id
    fork.title = FORK_MARK + (conversation.title or conversation.id)
    fork.title_is_custom = True
    fork.created_at = now
    fork.last_activity = now
    fork.forked_from = {"conversation_id": conversation.id, "message_id": recorded.id}
    return fork


def edited_result(recorded: ToolMessage, arguments: str, value: object) -> ToolMessage:
    """A result written by hand to continue from: ``value`` as the tool's return value (normalised
    the way the registry does, so ``{"success": false, "error": …}`` is a failure)."""
    import json

    from tui_chat.engine.tools.execution import normalise_result

    result = normalise_result(value)
    failed = result.get("success") is False
    return ToolMessage(
        tool_call_id=recorded.tool_call_id,
        name=recorded.name,
        arguments=arguments,
        result=result,
        content=json.dumps(result, ensure_ascii=False, separators=(",", ":")),
        duration_ms=0.0,
        error=str(result.get("error") or _("the tool reported failure")) if failed else None,
        error_kind="failed" if failed else None,
        turn_id=recorded.turn_id,
        round=recorded.round,
    )
