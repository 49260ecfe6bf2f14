"""Which messages are sent to the model: the current session, the last N, tool pairs kept whole."""

from __future__ import annotations

from tui_chat.engine.history import select_history
from tui_chat.engine.models import AssistantMessage, ErrorInfo, ToolCall, ToolMessage, UserMessage


def tool_result(call_id: str) -> ToolMessage:
    return ToolMessage(call_id, "f", "{}", {"success": True, "data": 1}, '{"success":true}', 1.0)


def roles(messages: list) -> list[str]:
    return [m.role for m in messages]


def test_welcome_and_failed_replies_are_not_sent() -> None:
    messages = [
        AssistantMessage(content="Hello! How can I help?", welcome=True),
        UserMessage("hi"),
        AssistantMessage(error=ErrorInfo("connection", "cannot connect")),
        UserMessage("again"),
    ]
    sent = select_history(messages, max_messages=10)
    assert [m.content for m in sent] == ["hi", "again"]


def test_last_n_messages_of_earlier_turns() -> None:
    messages = []
    for index in range(8):
        messages += [UserMessage(f"q{index}"), AssistantMessage(content=f"a{index}")]
    messages.append(UserMessage("now"))
    sent = select_history(messages, max_messages=4)
    assert [m.content for m in sent] == ["a6", "q7", "a7", "now"]


def test_never_starts_between_a_tool_call_and_its_results() -> None:
    call_a, call_b = ToolCall("c1", "f", "{}"), ToolCall("c2", "f", "{}")
    messages = [
        UserMessage("q0"),
        AssistantMessage(tool_calls=[call_a, call_b]),
        tool_result("c1"),
        tool_result("c2"),
        AssistantMessage(content="a0"),
        UserMessage("q1"),
    ]
    sent = select_history(messages, max_messages=3)
    assert roles(sent) == ["assistant", "user"]
    assert sent[0].content == "a0"


def test_the_whole_current_turn_is_always_sent() -> None:
    calls = [ToolCall(f"c{i}", "f", "{}") for i in range(12)]
    messages = [UserMessage("old"), AssistantMessage(content="old answer"), UserMessage("now")]
    messages.append(AssistantMessage(tool_calls=calls))
    messages += [tool_result(call.id) for call in calls]
    sent = select_history(messages, max_messages=10)
    assert sent[0].content == "now"
    assert len(sent) == 14


def test_calls_without_results_are_dropped_but_their_text_kept() -> None:
    messages = [
        UserMessage("q"),
        AssistantMessage(content="Let me look.", tool_calls=[ToolCall("c1", "f", "{}")], interrupted=True),
        UserMessage("never mind"),
    ]
    sent = select_history(messages, max_messages=10)
    assert roles(sent) == ["user", "assistant", "user"]
    assert sent[1].to_openai() == {"role": "assistant", "content": "Let me look."}


def test_token_budget_drops_the_oldest_first() -> None:
    messages = [UserMessage("x" * 400), AssistantMessage(content="y" * 400), UserMessage("short")]
    sent = select_history(messages, max_messages=10, token_budget=120)
    assert [m.content for m in sent] == ["y" * 400, "short"]
    sent = select_history(messages, max_messages=10, token_budget=10)
    assert [m.content for m in sent] == ["short"]
