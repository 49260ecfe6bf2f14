"""Which messages are sent to the model: the whole session within the budget, the optional last-N cap,
tool pairs kept whole, and the marker and notes when anything is left out."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest
from scripted_server import ScriptedServer

from tui_chat import cli
from tui_chat.config import Config, ModelSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.history import choose_history, select_history, token_budget
from tui_chat.engine.models import AssistantMessage, ErrorInfo, ToolCall, ToolMessage, UserMessage
from tui_chat.engine.provider.client import ProviderClient
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.ui.widgets.chat_view import ChatTexts, build_items


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


def test_token_budget_drops_the_oldest_turns_first() -> None:
    messages = [UserMessage("x" * 400), AssistantMessage(content="y" * 400), UserMessage("short")]
    sent = select_history(messages, max_messages=10, token_budget=300)
    assert [m.content for m in sent] == ["x" * 400, "y" * 400, "short"]
    sent = select_history(messages, max_messages=10, token_budget=120)
    assert [m.content for m in sent] == ["short"]  # an answer is never sent without its question
    sent = select_history(messages, max_messages=10, token_budget=10)
    assert [m.content for m in sent] == ["short"]


# --- the whole session within the context window (issue 10 item 1), on the real path -------------


def make_chat(tmp_path: Path, settings: ModelSettings, **session: object) -> ChatService:
    config = Config(model=settings)
    for key, value in session.items():
        setattr(config.session, key, value)
    return ChatService(config, ConversationStore(tmp_path / "data"), ToolRegistry())


def chat_turns(chat: ChatService, texts: list[str]) -> object:
    async def go() -> object:
        conversation = chat.new_conversation()
        for message in texts:
            async for _ in chat.send(conversation, message):
                pass
        return conversation

    return asyncio.run(go())


def test_the_eighth_request_still_carries_the_first_turn(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    conversation = chat_turns(chat, [f"turn {n}" for n in range(1, 9)])
    assert len(scripted_server.requests) == 8
    sent = scripted_server.requests[7].body["messages"]
    contents = [m["content"] for m in sent if m["role"] != "system"]
    assert contents[:2] == ["turn 1", "You said: turn 1"]
    assert len(contents) == 15 and contents[-1] == "turn 8"
    last = conversation.messages()[-1]  # type: ignore[attr-defined]
    assert last.request.omitted == 0


def test_history_messages_is_an_optional_cap_and_the_record_counts_what_it_left_out(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings, history_messages=4)
    conversation = chat_turns(chat, [f"turn {n}" for n in range(1, 6)])
    sent = [m["content"] for m in scripted_server.requests[4].body["messages"][1:]]
    assert sent == ["You said: turn 3", "turn 4", "You said: turn 4", "turn 5"]  # the seed's last N
    last = conversation.messages()[-1]  # type: ignore[attr-defined]
    assert last.request.omitted == 5
    reloaded = ConversationStore(tmp_path / "data").load(conversation.id)  # type: ignore[attr-defined]
    assert reloaded.messages()[-1].request.omitted == 5


def test_a_context_window_budget_cuts_the_oldest_and_the_chat_marks_the_cut(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    model_settings.context_window = 1000
    model_settings.max_tokens = 200
    long = " ".join(f"w{i:03d}" for i in range(160))  # ~200 tokens a message, echoed back as long again
    chat = make_chat(tmp_path, model_settings, system_prompt="Be brief.")
    conversation = chat_turns(chat, [f"{n} {long}" for n in range(1, 5)])
    sent = scripted_server.requests[3].body["messages"]
    characters = sum(len(m["content"]) for m in sent)
    assert characters // 4 <= 1000 - 200
    assert sent[-1]["content"].startswith("4 ")
    assert not any(m["content"].startswith(("1 ", "You said: 1 ")) for m in sent)
    assert sent[1]["role"] == "user"  # a budget cuts between turns, never inside one
    last = conversation.messages()[-1]  # type: ignore[attr-defined]
    omitted = last.request.omitted
    assert omitted >= 2 and len(sent) - 1 + omitted == 7
    items = build_items(conversation, ChatTexts())  # type: ignore[arg-type]
    notices = [(index, item.text) for index, item in enumerate(items) if item.kind == "cut"]
    assert [note for _, note in notices] == [f"{omitted} earlier messages not sent to the model"]
    after = items[notices[0][0] + 1].message
    assert after is not None and after.id == last.request.message_ids[0]


def test_token_budget_reserves_the_reply_and_the_overhead() -> None:
    assert token_budget(None, max_tokens=1000) == 0
    assert token_budget(None, max_tokens=1000, cap=500) == 500
    assert token_budget(8192, max_tokens=1000) == int(7192 * 0.9)
    assert token_budget(8192, max_tokens=1000, overhead=["x" * 4000]) == int((7192 - 1004) * 0.9)
    assert token_budget(8192, max_tokens=1000, cap=100) == 100
    assert token_budget(512, max_tokens=1000) == 1
    messages = [UserMessage("a" * 400), AssistantMessage(content="b" * 400), UserMessage("now")]
    assert choose_history(messages, token_budget=1).omitted == 2
    assert choose_history(messages).omitted == 0


def test_litellm_knows_the_window_of_hosted_models_and_the_config_sets_local_ones() -> None:
    known = asyncio.run(ProviderClient(ModelSettings(name="gpt-4o-mini")).context_window())
    assert known is not None and known >= 100_000
    local = ModelSettings(name="openai/qwen", api_base="http://127.0.0.1:9/v1")
    assert asyncio.run(ProviderClient(local).context_window()) is None
    local.context_window = 512
    assert asyncio.run(ProviderClient(local).context_window()) == 512


def test_ask_says_on_stderr_when_an_idle_reset_starts_a_new_session(
    scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(os.environ["TUI_CHAT_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\n')
    run = lambda *argv: cli.run(cli.build_parser().parse_args(list(argv)))  # noqa: E731
    assert run("ask", "hello") == 0
    assert "idle" not in capsys.readouterr().err
    store = ConversationStore(Path(os.environ["TUI_CHAT_DATA_DIR"]))
    conversation = store.load(store.list_conversations()[0].id)
    conversation.last_activity -= timedelta(minutes=30)
    store.save(conversation)
    assert run("ask", "-c", "still there?") == 0
    err = capsys.readouterr().err
    assert "idle for over 20 minutes" in err and "not sent to the model" in err
    roles = [m["role"] for m in scripted_server.requests[1].body["messages"]]
    assert roles == ["system", "user"]
