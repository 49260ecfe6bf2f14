"""Small local models (issue 10 item 5), replaying bytes recorded from a real llama.cpp server.

The recordings (../shared/recordings/llama-server-b11434/) are sent by the scripted server as they
were received, so the path is the real one: litellm → openai SDK → httpx → HTTP → our client.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from scripted_server import Reply, ScriptedServer, text

from tui_chat import tool
from tui_chat.config import Config, ModelSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.events import TextDelta, TurnEvent, TurnFailed, TurnFinished
from tui_chat.engine.models import AssistantMessage, Conversation, ToolMessage
from tui_chat.engine.provider.json_calls import could_be_call, parse_content_calls
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry

RECORDINGS = next(
    (
        parent / "shared" / "recordings" / "llama-server-b11434"
        for parent in Path(__file__).resolve().parents
        if (parent / "shared" / "recordings").is_dir()
    ),
    Path("/work/shared/recordings/llama-server-b11434"),
)
"""``../shared/recordings`` seen from the repository (a worktree sits one level deeper than main)."""


def recorded(name: str) -> Reply:
    """A recorded SSE stream, event for event (the server adds only the HTTP framing)."""
    events = [
        line[len("data: ") :]
        for line in (RECORDINGS / f"{name}.sse.txt").read_text().splitlines()
        if line.startswith("data: ")
    ]
    return Reply(deltas=(), raw_events=tuple(events))


def recorded_error(name: str) -> Reply:
    body, status_line = (RECORDINGS / f"{name}.http.txt").read_text().split("\n--- http ")
    return Reply(status=int(status_line.split()[0]), body=body.strip().encode(), usage=None)


@tool
def get_weather(city: str) -> dict[str, Any]:
    """Current weather for a city.

    Args:
        city: The city name
    """
    return {"city": city, "sky": "sunny"}


@tool
def get_time(tz: str) -> dict[str, Any]:
    """Current local time in a time zone.

    Args:
        tz: IANA time zone name
    """
    return {"tz": tz, "time": "12:00"}


def make_chat(tmp_path: Path, server: ScriptedServer, **model: Any) -> ChatService:
    settings = ModelSettings(name="openai/qwen", api_base=server.base_url, timeout=5, max_retries=0, **model)
    registry = ToolRegistry()
    registry.add(get_weather)
    registry.add(get_time)
    return ChatService(Config(model=settings), ConversationStore(tmp_path / "data"), registry)


def turn(chat: ChatService, *texts: str) -> tuple[Conversation, list[TurnEvent]]:
    async def go() -> tuple[Conversation, list[TurnEvent]]:
        conversation = chat.new_conversation()
        events: list[TurnEvent] = []
        for message in texts:
            events = [event async for event in chat.send(conversation, message)]
        return conversation, events

    return asyncio.run(go())


def test_json_in_content_runs_the_call_of_the_recorded_fenced_reply(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(recorded("tool1"), text("It is sunny in Paris."))
    chat = make_chat(tmp_path, scripted_server, tool_call_format="json-in-content")
    conversation, events = turn(chat, "What is the weather in Paris?")
    (result,) = [m for m in conversation.messages() if isinstance(m, ToolMessage)]
    assert (result.name, json.loads(result.arguments)) == ("get_weather", {"city": "Paris"})
    assert result.ok and result.result["data"] == {"city": "Paris", "sky": "sunny"}
    # The JSON was never shown as text: only the final answer streamed.
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "It is sunny in Paris."
    first = next(m for m in conversation.messages() if isinstance(m, AssistantMessage) and m.tool_calls)
    assert first.content == "" and first.request.raw_reply["content"].startswith("```json")
    assert first.request.raw_reply["tool_call_format"] == "json-in-content"
    second = scripted_server.requests[1].body["messages"]
    assert second[-2]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert second[-1]["role"] == "tool" and "sunny" in second[-1]["content"]
    assert events[-1].reason == "stop"  # type: ignore[union-attr]


def test_json_in_content_with_two_tools_offered(tmp_path: Path, scripted_server: ScriptedServer) -> None:
    scripted_server.script(recorded("tool2"), text("Sunny, and it is noon."))
    chat = make_chat(tmp_path, scripted_server, tool_call_format="json-in-content")
    conversation, _ = turn(chat, "What is the weather in Tokyo, and what time is it in Asia/Tokyo?")
    results = [m for m in conversation.messages() if isinstance(m, ToolMessage)]
    assert [(r.name, json.loads(r.arguments)) for r in results] == [("get_weather", {"city": "Tokyo"})]
    assert {t["function"]["name"] for t in scripted_server.requests[0].body["tools"]} == {
        "get_weather",
        "get_time",
    }


def test_without_the_opt_in_the_recorded_reply_stays_text(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(recorded("tool1"))
    conversation, _ = turn(make_chat(tmp_path, scripted_server), "What is the weather in Paris?")
    assert not any(isinstance(m, ToolMessage) for m in conversation.messages())
    assert conversation.messages()[-1].content.startswith("```json")
    assert len(scripted_server.requests) == 1


@pytest.mark.parametrize("choice", ["required", "none", "auto"])
def test_tool_choice_reaches_the_server(tmp_path: Path, scripted_server: ScriptedServer, choice: str) -> None:
    turn(make_chat(tmp_path, scripted_server, tool_choice=choice), "hi")
    assert scripted_server.requests[0].body["tool_choice"] == choice


def test_the_recorded_context_overflow_quotes_the_server_and_says_the_message_alone_is_too_long(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(recorded_error("context-exceeded"))
    _, events = turn(make_chat(tmp_path, scripted_server), "a very long paste")
    (failed,) = [e for e in events if isinstance(e, TurnFailed)]
    said = str(failed.error)
    assert failed.error.kind == "context_window"
    assert "This message alone is too long" in said and "3525 tokens" in said and "512" in said
    assert "''s" not in said and "--ctx-size" in said


def test_a_context_overflow_after_earlier_turns_says_the_history_is_too_long(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(text("one"), text("two"), recorded_error("context-exceeded"))
    _, events = turn(make_chat(tmp_path, scripted_server), "first", "second", "third")
    (failed,) = [e for e in events if isinstance(e, TurnFailed)]
    said = str(failed.error)
    assert "The history is too long" in said and "3525 tokens" in said
    assert "context_window = 512" in said and "--ctx-size" in said
    assert isinstance(events[-1], TurnFinished)


OFFERED = {"get_weather", "get_time"}


@pytest.mark.parametrize(
    "content",
    [
        '{"name": "get_weather", "arguments": {"city": "Paris"}}',
        '```json\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n```',
        '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>',
        '[{"type": "function", "function": {"name": "get_weather", '
        '"arguments": "{\\"city\\": \\"Paris\\"}"}}]',
        '{"name": "get_weather", "parameters": {"city": "Paris"}}',
    ],
)
def test_every_written_shape_becomes_a_call(content: str) -> None:
    found = parse_content_calls(content, OFFERED)
    assert found is not None and found.text == ""
    ((call),) = found.calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Paris"})


def test_several_calls_and_surrounding_text() -> None:
    content = (
        'Let me check.\n<tool_call>{"name": "get_weather", "arguments": {"city": "Tokyo"}}</tool_call>\n'
        '<tool_call>{"name": "get_time", "arguments": {"tz": "Asia/Tokyo"}}</tool_call>'
    )
    found = parse_content_calls(content, OFFERED)
    assert found is not None and found.text == "Let me check."
    assert [c.name for c in found.calls] == ["get_weather", "get_time"]
    assert len({c.id for c in found.calls}) == 2
    bare = '{"name": "get_weather", "arguments": {"city": "A"}}\n{"name": "get_time", "arguments": {}}'
    found = parse_content_calls(bare, OFFERED)
    assert found is not None and [c.name for c in found.calls] == ["get_weather", "get_time"]


@pytest.mark.parametrize(
    "content",
    [
        '{"name": "rm_rf", "arguments": {}}',  # not an offered tool
        '```json\n{"city": "Paris"}\n```',  # JSON, but not a call
        '```json\n{"name": "get_weather", "arguments": {"city": \n```',  # broken JSON
        "The weather is nice.",
        '```python\nprint({"name": "get_weather"})\n```',
    ],
)
def test_anything_else_stays_text(content: str) -> None:
    assert parse_content_calls(content, OFFERED) is None


def test_only_a_reply_that_may_still_be_a_call_is_held_back() -> None:
    assert could_be_call("") and could_be_call("``") and could_be_call("```json\n{") and could_be_call(" {")
    assert could_be_call("<tool") and not could_be_call("```python") and not could_be_call("Sure")


WEATHER_MODULE = '''
from tui_chat import tool

@tool
def get_weather(city: str) -> dict:
    """Current weather for a city.

    Args:
        city: The city name
    """
    return {"city": city, "sky": "sunny"}
'''


def test_ask_runs_a_json_in_content_call_from_the_config(
    tmp_path: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    from tui_chat import cli

    module = tmp_path / "weather.py"
    module.write_text(WEATHER_MODULE)
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[model]\nname = "openai/qwen"\napi_base = "{scripted_server.base_url}"\nmax_retries = 0\n'
        f'tool_call_format = "json-in-content"\ntool_choice = "required"\n\n'
        f'[tools]\nexamples = false\nmodules = ["{module}"]\n'
    )
    scripted_server.script(recorded("tool1"), text("Sunny."))
    assert cli.run(cli.build_parser().parse_args(["ask", "Weather in Paris?"])) == 0
    captured = capsys.readouterr()
    assert captured.out == "Sunny.\n"
    assert '▸ get_weather({"city": "Paris"})' in captured.err and "✓ get_weather" in captured.err
    assert scripted_server.requests[0].body["tool_choice"] == "required"
    assert scripted_server.requests[1].body["tool_choice"] == "auto"  # free to answer with the result


def test_a_held_back_reply_that_breaks_off_is_still_kept(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    from scripted_server import broken_stream

    scripted_server.script(broken_stream('```json\n{"name": "get_weather", "argu'))
    chat = make_chat(tmp_path, scripted_server, tool_call_format="json-in-content")
    conversation, events = turn(chat, "weather?")
    assert any(isinstance(e, TurnFailed) for e in events)
    assert "".join(e.text for e in events if isinstance(e, TextDelta)).startswith('```json\n{"name"')
    assert conversation.messages()[-1].content.startswith('```json\n{"name": "get_weather"')


def test_an_overflow_despite_a_configured_window_asks_for_a_smaller_one(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(text("one"), recorded_error("context-exceeded"))
    chat = make_chat(tmp_path, scripted_server, context_window=512, max_tokens=100)
    _, events = turn(chat, "first", "second")
    (failed,) = [e for e in events if isinstance(e, TurnFailed)]
    said = str(failed.error)
    assert "The history is too long" in said and "context_window lower (e.g. 384)" in said
