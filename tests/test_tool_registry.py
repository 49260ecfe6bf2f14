"""Running tool calls: every failure becomes a result the model can read; the turn goes on."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any, Literal

import pytest

from tui_chat.engine.models import ToolCall
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry
from tui_chat.engine.tools.schema import tool
from tui_chat.engine.tools.spec import DuplicateToolError

CONTEXT = ToolContext(user_id="ana", conversation_id="c-1", session_id="s-1", turn_id="t-1")

SEED_DEFINITION = {
    "name": "buscar",
    "description": "Busca información",
    "parameters": {
        "type": "object",
        "properties": {"consulta": {"type": "string"}, "categoria": {"type": "string"}},
        "required": ["consulta"],
    },
}


def call(name: str, arguments: Any = "{}", call_id: str = "call-1") -> ToolCall:
    return ToolCall(call_id, name, arguments if isinstance(arguments, str) else json.dumps(arguments))


@tool
def add(a: int, b: int = 1) -> int:
    """Add two numbers."""
    return a + b


@tool
def notify(kind: Literal["email", "sms"], to: str) -> str:
    """Notify someone."""
    return f"{kind}:{to}"


@pytest.fixture
def registry() -> ToolRegistry:
    registry = ToolRegistry()
    registry.add(add)
    registry.add(notify)
    return registry


async def test_a_decorated_function_is_called_with_keyword_arguments(registry):
    message = await registry.execute(call("add", {"a": 2, "b": 3}), CONTEXT)

    assert message.ok
    assert message.result == {"success": True, "data": 5}
    assert message.content == '{"success":true,"data":5}'


async def test_the_message_copies_the_call_and_times_it(registry):
    tool_call = call("add", '{"a": 2}', call_id="call-42")

    message = await registry.execute(tool_call, CONTEXT)

    assert (message.tool_call_id, message.name, message.arguments) == ("call-42", "add", '{"a": 2}')
    assert message.started_at is not None and message.started_at <= message.created_at
    assert message.duration_ms >= 0
    assert message.turn_id == "t-1"


async def test_definitions_are_the_openai_tools_list(registry):
    definitions = registry.definitions()

    assert [d["function"]["name"] for d in definitions] == ["add", "notify"]
    assert definitions[0] == {
        "type": "function",
        "function": {
            "name": "add",
            "description": "Add two numbers.",
            "parameters": {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "integer", "default": 1}},
                "required": ["a"],
                "additionalProperties": False,
            },
        },
    }


async def test_specs_and_get_describe_registered_tools(registry):
    spec = registry.get("add")

    assert [s.name for s in registry.specs()] == ["add", "notify"]
    assert spec.handler is add and spec.call_style == "keywords" and not spec.is_async
    assert registry.get("nope") is None


async def test_an_unknown_tool_is_an_error_result_listing_the_available_ones(registry):
    message = await registry.execute(call("buscar"), CONTEXT)

    assert not message.ok
    assert message.error == "function 'buscar' is not implemented; available functions: add, notify"
    assert message.result == {"success": False, "error": message.error}


async def test_arguments_that_are_not_json_are_reported_with_the_position(registry):
    message = await registry.execute(call("add", '{"a": 2,'), CONTEXT)

    assert not message.ok and not message.arguments_valid
    assert "not valid JSON" in message.error
    assert "column 9" in message.error


async def test_arguments_that_are_not_an_object_are_rejected(registry):
    message = await registry.execute(call("add", "[1, 2]"), CONTEXT)

    assert message.error == "the arguments must be a JSON object, not an array"
    assert not message.arguments_valid


async def test_empty_arguments_count_as_an_empty_object():
    registry = ToolRegistry()

    @tool
    def ping() -> str:
        return "pong"

    registry.add(ping)

    message = await registry.execute(call("ping", ""), CONTEXT)

    assert message.result == {"success": True, "data": "pong"}


async def test_a_missing_required_argument_is_named(registry):
    message = await registry.execute(call("add", {"b": 2}), CONTEXT)

    assert not message.arguments_valid
    assert message.error == "invalid arguments for 'add': 'a' is a required property"


async def test_every_schema_problem_is_named(registry):
    message = await registry.execute(call("notify", {"kind": "fax", "to": 7, "cc": "x"}), CONTEXT)

    assert not message.arguments_valid
    assert "'cc' was unexpected" in message.error
    assert "kind: 'fax' is not one of ['email', 'sms']" in message.error
    assert "to: 7 is not of type 'string'" in message.error


async def test_a_handler_exception_is_reported_with_its_type_and_traceback():
    registry = ToolRegistry()

    @tool
    def divide(a: int, b: int) -> float:
        return a / b

    registry.add(divide)

    message = await registry.execute(call("divide", {"a": 1, "b": 0}), CONTEXT)

    assert message.arguments_valid
    assert message.error == "ZeroDivisionError: division by zero"
    assert "return a / b" in message.traceback
    assert "engine/tools/execution.py" not in message.traceback  # only the tool author's frames
    assert "Traceback" not in message.content


async def test_sys_exit_in_a_handler_is_an_error_result_not_the_end_of_the_app():
    registry = ToolRegistry()

    @tool
    def quit_app() -> None:
        raise SystemExit(3)

    registry.add(quit_app)

    message = await registry.execute(call("quit_app"), CONTEXT)

    assert message.error == "SystemExit: 3 raised in 'quit_app' (it would have ended the process)"
    assert message.error_kind == "crashed"


async def test_keyboard_interrupt_in_a_sync_handler_is_an_error_result_not_the_end_of_the_turn():
    registry = ToolRegistry()

    @tool
    def interrupt() -> None:
        raise KeyboardInterrupt

    registry.add(interrupt)

    message = await registry.execute(call("interrupt"), CONTEXT)

    assert message.error == "KeyboardInterrupt raised in 'interrupt' (it would have ended the process)"
    assert message.error_kind == "crashed"


async def test_a_hung_sync_handler_times_out_without_blocking_the_loop():
    registry = ToolRegistry(default_timeout=5)
    release = threading.Event()
    returned = threading.Event()

    @tool(timeout=0.2)
    def hang() -> None:
        release.wait(10)
        returned.set()

    registry.add(hang)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticking = asyncio.create_task(ticker())
    message = await registry.execute(call("hang"), CONTEXT)
    handler_still_hung = not returned.is_set()
    ticking.cancel()
    release.set()

    assert message.error == "'hang' timed out after 0.2 s"
    assert handler_still_hung  # the result came at the timeout, not when the handler gave up
    assert ticks >= 5  # the event loop kept running while the handler hung


async def test_the_registry_default_timeout_applies_when_the_tool_has_none():
    registry = ToolRegistry(default_timeout=0.1)

    @tool
    async def sleepy() -> None:
        await asyncio.sleep(10)

    registry.add(sleepy)

    message = await registry.execute(call("sleepy"), CONTEXT)

    assert message.error == "'sleepy' timed out after 0.1 s"


async def test_a_timeout_error_raised_by_the_handler_is_not_mistaken_for_ours():
    registry = ToolRegistry()

    @tool
    def fetch() -> None:
        raise TimeoutError("upstream took too long")

    registry.add(fetch)

    message = await registry.execute(call("fetch"), CONTEXT)

    assert message.error == "TimeoutError: upstream took too long"


async def test_sync_handlers_run_off_the_event_loop_thread():
    registry = ToolRegistry()

    @tool
    def which_thread() -> bool:
        return threading.current_thread() is threading.main_thread()

    registry.add(which_thread)

    message = await registry.execute(call("which_thread"), CONTEXT)

    assert message.result == {"success": True, "data": False}


async def test_async_handlers_are_awaited_and_get_the_context_when_they_ask():
    registry = ToolRegistry()

    @tool
    async def whoami(context: ToolContext) -> dict:
        return {"user": context.user_id, "conversation": context.conversation_id}

    registry.add(whoami)

    message = await registry.execute(call("whoami"), CONTEXT)

    assert registry.get("whoami").is_async
    assert message.result == {"success": True, "data": {"user": "ana", "conversation": "c-1"}}


async def test_cancelling_the_turn_propagates_cancelled_error():
    registry = ToolRegistry()
    started = asyncio.Event()

    @tool
    async def wait_forever() -> None:
        started.set()
        await asyncio.sleep(10)

    registry.add(wait_forever)
    task = asyncio.create_task(registry.execute(call("wait_forever"), CONTEXT))
    await started.wait()
    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task


async def test_a_seed_style_result_dict_is_kept_and_its_error_reported():
    registry = ToolRegistry()
    registry.register(
        "buscar", lambda args, context: {"success": False, "error": "sin conexión"}, SEED_DEFINITION
    )

    message = await registry.execute(call("buscar", {"consulta": "x"}), CONTEXT)

    assert message.result == {"success": False, "error": "sin conexión"}
    assert message.error == "sin conexión"


async def test_non_json_values_fall_back_to_their_string_form():
    registry = ToolRegistry()

    class Point:
        def __str__(self) -> str:
            return "Point(1, 2)"

    @tool
    def where() -> dict:
        return {"at": Point(), "tags": {"b"}}

    registry.add(where)

    message = await registry.execute(call("where"), CONTEXT)

    assert message.result == {"success": True, "data": {"at": "Point(1, 2)", "tags": ["b"]}}


async def test_a_long_result_is_truncated_for_the_model_but_kept_whole():
    registry = ToolRegistry(max_result_chars=200)

    @tool
    def dump() -> str:
        return "x" * 1000

    registry.add(dump)

    message = await registry.execute(call("dump"), CONTEXT)

    assert message.truncated
    assert len(message.content) == 200
    assert message.content.endswith("… [truncated: 167 of 1,026 chars]")
    assert message.content.startswith('{"success":true,"data":"xxx')
    assert message.result["data"] == "x" * 1000


async def test_a_short_result_is_not_truncated(registry):
    message = await registry.execute(call("add", {"a": 1}), CONTEXT)

    assert not message.truncated


async def test_register_calls_the_handler_with_the_args_dict_and_context():
    registry = ToolRegistry()
    seen: list[tuple[dict, ToolContext]] = []

    def handler(args: dict, context: ToolContext) -> dict:
        seen.append((args, context))
        return {"resultados": []}

    spec = registry.register("buscar", handler, SEED_DEFINITION, timeout=3, source="seed")

    message = await registry.execute(call("buscar", {"consulta": "ríos"}), CONTEXT)

    assert seen == [({"consulta": "ríos"}, CONTEXT)]
    assert message.result == {"success": True, "data": {"resultados": []}}
    assert (spec.call_style, spec.timeout, spec.source, spec.wants_context) == (
        "args_dict",
        3.0,
        "seed",
        True,
    )


async def test_register_validates_arguments_against_the_explicit_schema():
    registry = ToolRegistry()
    registry.register("buscar", lambda args, context: args, SEED_DEFINITION)

    message = await registry.execute(call("buscar", {"categoria": "x"}), CONTEXT)

    assert message.error == "invalid arguments for 'buscar': 'consulta' is a required property"


def test_register_rejects_a_handler_that_cannot_take_args_and_context():
    registry = ToolRegistry()

    with pytest.raises(TypeError, match=r"must accept \(args, context\)"):
        registry.register("buscar", lambda args: args, SEED_DEFINITION)


def test_register_accepts_the_openai_wrapped_definition():
    registry = ToolRegistry()

    spec = registry.register("buscar", lambda a, c: a, {"type": "function", "function": SEED_DEFINITION})

    assert spec.parameters == SEED_DEFINITION["parameters"]


def test_a_second_tool_with_a_taken_name_is_refused_naming_both_sources():
    registry = ToolRegistry()
    registry.register("buscar", lambda a, c: a, SEED_DEFINITION, source="first.py")

    with pytest.raises(DuplicateToolError, match=r"from second\.py is already registered from first\.py"):
        registry.register("buscar", lambda a, c: a, SEED_DEFINITION, source="second.py")
    assert registry.get("buscar").source == "first.py"


async def test_an_invalid_parameter_schema_is_reported_when_called():
    registry = ToolRegistry()
    broken = {
        **SEED_DEFINITION,
        "parameters": {"type": "object", "properties": {"consulta": {"type": "text"}}},
    }
    registry.register("buscar", lambda a, c: a, broken)

    message = await registry.execute(call("buscar", {"consulta": "x"}), CONTEXT)

    assert message.error.startswith("the tool 'buscar' has an invalid parameter schema")


def test_definitions_are_copies_that_cannot_change_the_registry(registry):
    registry.definitions()[0]["function"]["parameters"]["properties"].clear()

    assert registry.definitions()[0]["function"]["parameters"]["properties"]
