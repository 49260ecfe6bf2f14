"""The turn loop through ChatService, on the real path: litellm over HTTP to the scripted server.

Each test asserts on what the server received as well as on what the engine returned and saved.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from scripted_server import ScriptedServer, error, slow_stream, text, tool_calls

from tui_chat import tool
from tui_chat.config import Config, ModelSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.events import (
    RoundFinished,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
    TurnStarted,
)
from tui_chat.engine.models import AssistantMessage, Conversation, ToolMessage, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry


@tool
def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city name.
        unit: celsius or fahrenheit.
    """
    return {"city": city, "temperature": 21, "unit": unit}


def make_chat(
    tmp_path: Path, settings: ModelSettings, clock: Callable[[], datetime] | None = None, **session: Any
) -> ChatService:
    config = Config(model=settings)
    for key, value in session.items():
        setattr(config.session, key, value)
    registry = ToolRegistry()
    registry.add(get_weather)
    store = ConversationStore(tmp_path / "data")
    return ChatService(config, store, registry, **({"clock": clock} if clock else {}))


async def collect(events: Any) -> list[TurnEvent]:
    return [event async for event in events]


def sent_messages(server: ScriptedServer, index: int) -> list[dict[str, Any]]:
    return server.requests[index].body["messages"]


async def test_two_round_tool_conversation(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    model_settings.temperature = 0.0
    chat = make_chat(tmp_path, model_settings)
    scripted_server.script(
        tool_calls([("get_weather", '{"city": "Madrid"}')]),
        text("It is 21 °C in Madrid."),
    )
    conversation = chat.new_conversation(context={"name": "Ana"})
    events = await collect(chat.send(conversation, "Weather in Madrid?"))

    kinds = [type(event).__name__ for event in events]
    assert kinds[0] == "TurnStarted"
    assert kinds.count("RoundFinished") == 2
    assert kinds[-1] == "TurnFinished"
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.reason == "stop"
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "It is 21 °C in Madrid."

    first, second = scripted_server.requests
    assert first.body["temperature"] == 0
    assert first.body["stream"] is True
    assert [t["function"]["name"] for t in first.body["tools"]] == ["get_weather"]
    system = first.body["messages"][0]
    assert system["role"] == "system" and '"name": "Ana"' in system["content"]
    assert [m["role"] for m in first.body["messages"]] == ["system", "user"]
    roles = [m["role"] for m in second.body["messages"]]
    assert roles == ["system", "user", "assistant", "tool"]
    call = second.body["messages"][2]["tool_calls"][0]
    tool_message = second.body["messages"][3]
    assert tool_message["tool_call_id"] == call["id"]
    assert json.loads(tool_message["content"]) == {
        "success": True,
        "data": {"city": "Madrid", "temperature": 21, "unit": "celsius"},
    }

    raw = json.loads(chat.store.path_of(conversation.id).read_text())
    schema = json.loads((resources.files("tui_chat.engine.store") / "session_schema.json").read_text())
    jsonschema.validate(raw, schema)

    saved = chat.store.load(conversation.id)
    messages = saved.messages()
    assert [m.role for m in messages] == ["assistant", "user", "assistant", "tool", "assistant"]
    assert messages[0].welcome
    result = messages[3]
    assert isinstance(result, ToolMessage) and result.ok and result.round == 1
    final = messages[4]
    assert isinstance(final, AssistantMessage) and final.usage and final.usage.prompt_tokens > 0
    assert final.request is not None and final.request.message_ids == [m.id for m in messages[1:4]]
    assert saved.tool_definitions[final.request.tools_hash][0]["function"]["name"] == "get_weather"


async def test_parallel_calls_run_concurrently_and_results_keep_call_order(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    spans: dict[str, tuple[float, float]] = {}

    async def slow(args: dict[str, Any], context: ToolContext) -> str:
        start = time.perf_counter()
        await asyncio.sleep(0.3 if args["n"] == 1 else 0.1)
        spans[str(args["n"])] = (start, time.perf_counter())
        return f"done {args['n']}"

    chat = make_chat(tmp_path, model_settings)
    chat.registry.register(
        "slow",
        slow,
        {
            "name": "slow",
            "description": "sleeps",
            "parameters": {"type": "object", "properties": {"n": {"type": "integer"}}},
        },
    )
    scripted_server.script(
        tool_calls([("slow", '{"n": 1}'), ("slow", '{"n": 2}')], style="interleaved"), text("ok")
    )
    conversation = chat.new_conversation()
    events = await collect(chat.send(conversation, "go"))
    finished_order = [e.result.arguments for e in events if isinstance(e, ToolCallFinished)]
    assert finished_order == ['{"n": 2}', '{"n": 1}']  # the quicker one is reported first
    (s1, e1), (s2, e2) = spans["1"], spans["2"]
    assert s2 < e1 and s1 < e2, "the two calls did not overlap"
    tool_messages = scripted_server.requests[1].body["messages"][3:]
    calls = scripted_server.requests[1].body["messages"][2]["tool_calls"]
    assert [m["tool_call_id"] for m in tool_messages] == [c["id"] for c in calls]


async def test_malformed_arguments_go_back_to_the_model_as_an_error(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    scripted_server.script(tool_calls([("get_weather", '{"city": "Madr')]), text("Sorry, let me retry."))
    conversation = chat.new_conversation()
    events = await collect(chat.send(conversation, "weather?"))
    result = next(e.result for e in events if isinstance(e, ToolCallFinished))
    assert not result.ok and "JSON" in (result.error or "")
    sent = json.loads(sent_messages(scripted_server, 1)[-1]["content"])
    assert sent["success"] is False and "JSON" in sent["error"]


async def test_round_limit_stops_with_a_note(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    chat.config.tools.max_rounds = 2
    scripted_server.script(*(tool_calls([("get_weather", '{"city": "Oslo"}')]) for _ in range(3)))
    events = await collect(chat.send(chat.new_conversation(), "loop"))
    finished = events[-1]
    assert isinstance(finished, TurnFinished) and finished.reason == "max_rounds"
    assert "2 rounds" in finished.note
    assert len(scripted_server.requests) == 2


async def test_provider_error_keeps_the_user_message(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    scripted_server.script(error(401, message="Incorrect API key provided"))
    conversation = chat.new_conversation()
    events = await collect(chat.send(conversation, "hello?"))
    failed = next(e for e in events if isinstance(e, TurnFailed))
    assert failed.error.kind == "authentication"
    assert isinstance(events[-1], TurnFinished) and events[-1].reason == "error"
    saved = chat.store.load(conversation.id).messages()
    assert isinstance(saved[1], UserMessage) and saved[1].content == "hello?"
    assert (
        isinstance(saved[2], AssistantMessage) and saved[2].error and saved[2].error.kind == "authentication"
    )
    assert len(scripted_server.requests) == 1  # a 401 is never retried

    scripted_server.script(text("Now it works."))
    retried = await collect(chat.retry(conversation))
    assert isinstance(retried[-1], TurnFinished) and retried[-1].reason == "stop"
    assert [m["role"] for m in sent_messages(scripted_server, 1)] == ["system", "user"]


async def test_cancelling_keeps_the_partial_reply_marked_interrupted(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    scripted_server.script(slow_stream([f"word{i} " for i in range(200)], interval=0.02))
    conversation = chat.new_conversation()
    received: list[str] = []

    async def consume() -> None:
        async for event in chat.send(conversation, "tell me a long story"):
            if isinstance(event, TextDelta):
                received.append(event.text)

    task = asyncio.create_task(consume())
    while len(received) < 5:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(scripted_server.wait_for_disconnect, 2.0)
    reply = chat.store.load(conversation.id).messages()[-1]
    assert isinstance(reply, AssistantMessage) and reply.interrupted and not reply.partial
    assert reply.content.startswith("word0 word1")


async def test_idle_reset_starts_a_new_session(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    sessions_seen: list[str] = []

    def whoami(args: dict[str, Any], context: ToolContext) -> str:
        sessions_seen.append(context.session_id)
        return context.session_id

    now = [datetime(2025, 3, 14, 12, 0, tzinfo=UTC)]
    chat = make_chat(tmp_path, model_settings, lambda: now[0], idle_reset_minutes=20)  # moved by hand
    chat.registry.register(
        "whoami", whoami, {"name": "whoami", "description": "session id", "parameters": {"type": "object"}}
    )
    conversation = chat.new_conversation()
    scripted_server.script(tool_calls([("whoami", "{}")]), text("first answer"))
    await collect(chat.send(conversation, "first question"))
    now[0] += timedelta(minutes=19)
    assert not chat.needs_new_session(conversation)
    now[0] += timedelta(minutes=2)
    assert chat.needs_new_session(conversation)

    scripted_server.script(tool_calls([("whoami", "{}")]), text("second answer"))
    events = await collect(chat.send(conversation, "second question"))
    started = events[0]
    assert isinstance(started, TurnStarted) and started.session_started and started.welcome is not None

    after_reset = sent_messages(scripted_server, 2)
    assert [m["role"] for m in after_reset] == ["system", "user"]
    assert after_reset[1]["content"] == "second question"
    assert "first" not in json.dumps(after_reset)
    assert len(set(sessions_seen)) == 2

    saved = chat.store.load(conversation.id)
    assert [s.reason for s in saved.sessions] == ["new", "idle_reset"]
    assert saved.sessions[0].messages[1].content == "first question"  # kept on disk
    assert saved.sessions[1].messages[0].welcome


async def test_spanish_texts_and_custom_welcome(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings, language="es")
    conversation = chat.new_conversation()
    assert (
        conversation.messages()[0].content == "¡Hola! Soy tu asistente virtual. ¿En qué puedo ayudarte hoy?"
    )
    await collect(chat.send(conversation, "hola"))
    system = sent_messages(scripted_server, 0)[0]["content"]
    assert system.startswith("Eres un asistente virtual") and "No hay contexto adicional" in system
    assert "HISTORIAL" not in system

    chat.config.session.welcome_message = "Bienvenido."
    assert chat.new_conversation().messages()[0].content == "Bienvenido."


async def test_turn_deadline_stops_a_hung_tool(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    release = threading.Event()
    returned = threading.Event()

    def hang(args: dict[str, Any], context: ToolContext) -> str:
        release.wait(5)
        returned.set()
        return "late"

    chat = make_chat(tmp_path, model_settings)
    chat.config.model.turn_deadline = 0.5
    chat.registry.register(
        "hang", hang, {"name": "hang", "description": "never returns", "parameters": {"type": "object"}}
    )
    scripted_server.script(tool_calls([("hang", "{}")]))
    events = await collect(chat.send(chat.new_conversation(), "go"))
    handler_still_hung = not returned.is_set()
    release.set()
    assert handler_still_hung  # the turn ended at its deadline, not when the tool gave up
    failed = next(e for e in events if isinstance(e, TurnFailed))
    assert failed.error.kind == "deadline"


def test_conversation_json_round_trip_keeps_everything(tmp_path: Path) -> None:
    conversation = Conversation(id="chat-local-1", title="t", user_id="local", model="m")
    conversation.current_session.messages.append(UserMessage("hi"))
    again = Conversation.from_dict(json.loads(json.dumps(conversation.to_dict())))
    assert again.to_dict() == conversation.to_dict()


async def test_events_report_tool_calls_before_results(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    scripted_server.script(tool_calls([("nope", "{}")]), text("That tool does not exist."))
    events = await collect(chat.send(chat.new_conversation(), "call nope"))
    started = next(i for i, e in enumerate(events) if isinstance(e, ToolCallStarted))
    finished = next(i for i, e in enumerate(events) if isinstance(e, ToolCallFinished))
    rounds = [i for i, e in enumerate(events) if isinstance(e, RoundFinished)]
    assert rounds[0] < started < finished < rounds[1]
    result = events[finished].result
    assert not result.ok and "not implemented" in (result.error or "")


async def test_a_reused_tool_call_id_is_renamed_so_each_call_has_its_own(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    chat = make_chat(tmp_path, model_settings)
    conversation = chat.new_conversation()
    for city in ("Madrid", "Oslo"):  # the scripted server numbers calls call_001… in every reply
        scripted_server.script(tool_calls([("get_weather", f'{{"city": "{city}"}}')]), text("ok"))
        await collect(chat.send(conversation, city))
    calls = [c.id for m in conversation.messages() if isinstance(m, AssistantMessage) for c in m.tool_calls]
    results = [m.tool_call_id for m in conversation.messages() if isinstance(m, ToolMessage)]
    assert len(set(calls)) == 2 and calls == results
    last = sent_messages(scripted_server, 3)
    assert last[-2]["tool_calls"][0]["id"] == last[-1]["tool_call_id"] == calls[1]
