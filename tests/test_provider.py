"""ProviderClient over the real path: litellm → openai SDK → httpx → the scripted HTTP server."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import time
from email.utils import formatdate
from typing import Any

import pytest
from scripted_server import (
    Reply,
    ScriptedServer,
    broken_stream,
    context_window_exceeded,
    error,
    function_call,
    malformed_json,
    malformed_sse,
    slow_stream,
    stall,
    text,
    tool_calls,
)

from tui_chat.config import ModelSettings
from tui_chat.engine.errors import (
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    ContextWindowExceeded,
    MalformedResponse,
    MissingCredentials,
    ProviderError,
    ProviderOverloaded,
    ProviderTimeout,
    RateLimited,
)
from tui_chat.engine.models import ToolCall
from tui_chat.engine.provider.client import ProviderClient
from tui_chat.engine.provider.errors import map_provider_error
from tui_chat.engine.provider.exception_facts import parse_retry_after
from tui_chat.engine.provider.litellm_import import import_litellm
from tui_chat.engine.provider.request import PLACEHOLDER_KEY, resolve_route
from tui_chat.engine.provider.stream_events import StreamResult, StreamRetry, StreamText

MESSAGES = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather of a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]
CALLS = [("get_weather", '{"city": "Madrid"}'), ("get_time", '{"tz": "Europe/Madrid", "format": "24h"}')]


@pytest.fixture(scope="module", autouse=True)
def litellm_loaded() -> None:
    """Pay the ~3 s import once, up front, so timing assertions measure requests only."""
    import_litellm()


class FakeSleep:
    """Records the delays the retry loop asks for instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def collect(
    client: ProviderClient, tools: list[dict[str, Any]] | None = None
) -> tuple[list[StreamText | StreamRetry], StreamResult]:
    events: list[StreamText | StreamRetry] = []
    result: StreamResult | None = None
    async for event in client.stream_completion(MESSAGES, tools):
        if isinstance(event, StreamResult):
            assert result is None, "only one result"
            result = event
        else:
            assert result is None, "nothing after the result"
            events.append(event)
    assert result is not None
    return events, result


async def fail(
    client: ProviderClient, tools: list[dict[str, Any]] | None = None
) -> tuple[ProviderError, list]:
    """Run a stream that must fail; return the error and the events seen before it."""
    events: list[Any] = []
    with pytest.raises(ProviderError) as caught:
        async for event in client.stream_completion(MESSAGES, tools):
            events.append(event)
    return caught.value, events


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- happy paths ---------------------------------------------------------------------------------------


async def test_plain_text_stream_and_what_the_server_received(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    model_settings.temperature = 0.0
    model_settings.max_tokens = 321
    scripted_server.script(text("Hello there, friend!", chunk_size=3, usage=(42, 7)))

    events, result = await collect(ProviderClient(model_settings))

    pieces = [event.text for event in events if isinstance(event, StreamText)]
    assert len(pieces) == 7 and "".join(pieces) == "Hello there, friend!"
    assert result.content == "Hello there, friend!"
    assert result.tool_calls == []
    assert result.finish_reason == "stop"
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (42, 7)
    assert result.usage.cost is None  # litellm does not know "openai/scripted"
    assert result.model == "scripted"
    assert result.attempts == 1
    assert result.first_token_ms is not None and 0 <= result.first_token_ms <= result.duration_ms
    assert result.raw == {
        "role": "assistant",
        "content": "Hello there, friend!",
        "finish_reason": "stop",
        "usage": {"prompt_tokens": 42, "completion_tokens": 7},
        "model": "scripted",
    }
    json.dumps(result.raw)

    (request,) = scripted_server.requests
    body = request.body
    assert body["model"] == "scripted"
    assert body["messages"] == MESSAGES
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    assert body["temperature"] == 0 and "temperature" in body
    assert body["max_tokens"] == 321
    assert "tools" not in body and "tool_choice" not in body
    assert request.headers["authorization"] == f"Bearer {PLACEHOLDER_KEY}"


async def test_request_params_show_what_is_sent_without_the_key(
    monkeypatch: pytest.MonkeyPatch, model_settings: ModelSettings
) -> None:
    monkeypatch.setenv("MY_SECRET_KEY", "sk-very-secret")
    model_settings.api_key_env = "MY_SECRET_KEY"
    model_settings.temperature = 0.0
    params = ProviderClient(model_settings).request_params()
    assert params == {
        "model": "openai/scripted",
        "api_base": model_settings.api_base,
        "temperature": 0.0,
        "max_tokens": 1000,
        "timeout": 5,
        "stream": True,
    }
    assert "sk-very-secret" not in repr(params)
    assert "sk-very-secret" not in repr(resolve_route(model_settings))


@pytest.mark.parametrize("style", ["sequential", "interleaved", "same_index", "no_index", "repeated_id"])
async def test_parallel_tool_calls_in_every_provider_style(
    scripted_server: ScriptedServer, model_settings: ModelSettings, style: str
) -> None:
    scripted_server.script(tool_calls(CALLS, style=style, fragment_size=3))

    events, result = await collect(ProviderClient(model_settings), TOOLS)

    assert events == []
    assert result.tool_calls == [
        ToolCall("call_001", "get_weather", '{"city": "Madrid"}'),
        ToolCall("call_002", "get_time", '{"tz": "Europe/Madrid", "format": "24h"}'),
    ]
    assert result.finish_reason == "tool_calls"
    assert result.content == ""
    assert result.raw["tool_calls"] == [call.to_openai() for call in result.tool_calls]
    assert result.raw["content"] is None
    body = scripted_server.requests[0].body
    assert body["tools"] == TOOLS
    assert body["tool_choice"] == "auto"


async def test_single_tool_call(scripted_server: ScriptedServer, model_settings: ModelSettings) -> None:
    scripted_server.script(tool_calls([("get_weather", '{"city": "Lima"}')]))
    _, result = await collect(ProviderClient(model_settings), TOOLS)
    assert result.tool_calls == [ToolCall("call_001", "get_weather", '{"city": "Lima"}')]


async def test_content_and_tool_calls_in_one_reply(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(tool_calls(CALLS[:1], content="Let me check."))
    events, result = await collect(ProviderClient(model_settings), TOOLS)
    assert "".join(event.text for event in events) == "Let me check."
    assert result.content == "Let me check."
    assert [call.name for call in result.tool_calls] == ["get_weather"]
    assert result.finish_reason == "tool_calls"


async def test_legacy_function_call_becomes_a_tool_call(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(function_call("get_weather", '{"city": "Quito"}'))
    _, result = await collect(ProviderClient(model_settings), TOOLS)
    assert result.tool_calls == [ToolCall("call_1", "get_weather", '{"city": "Quito"}')]
    assert result.finish_reason == "tool_calls"
    assert result.raw["finish_reason"] == "function_call"
    assert result.raw["function_call"] == {"name": "get_weather", "arguments": '{"city": "Quito"}'}


async def test_known_model_gets_a_cost_from_the_bundled_price_map(
    monkeypatch: pytest.MonkeyPatch, scripted_server: ScriptedServer
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-openai")
    settings = ModelSettings(name="gpt-4o-mini", api_base=scripted_server.base_url, timeout=5)
    scripted_server.script(text("ok", usage=(1000, 500)))
    _, result = await collect(ProviderClient(settings))

    prompt_cost, completion_cost = import_litellm().cost_per_token(
        model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=500
    )
    assert result.usage.cost == pytest.approx(prompt_cost + completion_cost)
    assert result.usage.cost > 0
    request = scripted_server.requests[0]
    assert request.body["model"] == "gpt-4o-mini"
    assert request.headers["authorization"] == "Bearer sk-test-openai"


# --- credentials and routing ---------------------------------------------------------------------------


async def test_api_key_env_is_read_and_sent(
    monkeypatch: pytest.MonkeyPatch, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    monkeypatch.setenv("MY_LLM_KEY", "sk-from-my-var")
    model_settings.api_key_env = "MY_LLM_KEY"
    await collect(ProviderClient(model_settings))
    assert scripted_server.requests[0].headers["authorization"] == "Bearer sk-from-my-var"


async def test_seed_openrouter_variables_route_through_openrouter(
    monkeypatch: pytest.MonkeyPatch, scripted_server: ScriptedServer
) -> None:
    monkeypatch.setenv("OPENROUTER_BASE_URL", scripted_server.base_url)
    monkeypatch.setenv("OPENROUTER_API_KEY", "sk-or-test")
    settings = ModelSettings(name="openai/gpt-4o-mini", timeout=5)
    assert ProviderClient(settings).request_params()["model"] == "openrouter/openai/gpt-4o-mini"

    await collect(ProviderClient(settings))

    request = scripted_server.requests[0]
    assert request.body["model"] == "openai/gpt-4o-mini"  # OpenRouter's own model name
    assert request.headers["authorization"] == "Bearer sk-or-test"


def test_route_resolution_rules() -> None:
    def route(name: str, env: dict[str, str], **settings: Any) -> tuple[str, str | None, str | None]:
        resolved = resolve_route(ModelSettings(name=name, **settings), env)
        return resolved.model, resolved.api_base, resolved.api_key

    openrouter = {"OPENROUTER_BASE_URL": "https://or.example/api/v1", "OPENAI_API_KEY": "sk-openai"}
    assert route("meta-llama/llama-3.1-8b", openrouter) == (
        "openrouter/meta-llama/llama-3.1-8b",
        "https://or.example/api/v1",
        "sk-openai",  # the seed's OPENAI_API_KEY || OPENROUTER_API_KEY
    )
    assert route("gpt-4o-mini", openrouter)[0] == "openrouter/gpt-4o-mini"
    assert route("ollama_chat/llama3.1", openrouter) == ("ollama_chat/llama3.1", None, None)
    assert route("openai/x", openrouter, api_base="http://127.0.0.1:8080/v1") == (
        "openai/x",
        "http://127.0.0.1:8080/v1",
        None,  # litellm reads OPENAI_API_KEY itself
    )
    # A local OpenAI-compatible server with no key anywhere gets the placeholder.
    assert route("openai/qwen", {}, api_base="http://127.0.0.1:8080/v1")[2] == PLACEHOLDER_KEY
    assert route("openai/qwen", {"OPENAI_API_BASE": "http://127.0.0.1:8080/v1"}) == (
        "openai/qwen",
        None,
        "no-key",
    )
    # Without a base URL there is nothing local to talk to: no placeholder.
    assert route("openai/gpt-4o", {}) == ("openai/gpt-4o", None, None)
    assert route("gpt-4o-mini", {}) == ("gpt-4o-mini", None, None)


async def test_missing_key_fails_without_touching_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise AssertionError("network used")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket.socket, "connect_ex", no_network)
    sleep = FakeSleep()

    problem, events = await fail(
        ProviderClient(ModelSettings(name="gpt-4o-mini", max_retries=2), sleep=sleep)
    )

    assert isinstance(problem, MissingCredentials)
    assert "OPENAI_API_KEY" in problem.hint
    assert "gpt-4o-mini" in problem.message
    assert events == [] and sleep.delays == [] and attempts == []


async def test_api_key_env_naming_an_unset_variable(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    model_settings.api_key_env = "NOT_SET_ANYWHERE"
    problem, _ = await fail(ProviderClient(model_settings))
    assert isinstance(problem, MissingCredentials)
    assert "NOT_SET_ANYWHERE" in problem.message
    assert scripted_server.requests == []


# --- errors and retries ----------------------------------------------------------------------------------


async def test_401_is_not_retried(scripted_server: ScriptedServer, model_settings: ModelSettings) -> None:
    scripted_server.script(error(401, message="Incorrect API key provided: sk-***"), text("never sent"))
    sleep = FakeSleep()
    problem, events = await fail(ProviderClient(model_settings, sleep=sleep))
    assert isinstance(problem, AuthenticationFailed)
    assert "Incorrect API key provided" in problem.message
    assert "401" in problem.message
    assert "AuthenticationError" in problem.detail
    assert len(scripted_server.requests) == 1
    assert events == [] and sleep.delays == []


async def test_429_retry_after_is_honoured(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(error(429, message="slow down", headers={"Retry-After": "7"}), text("Done."))
    sleep = FakeSleep()
    events, result = await collect(ProviderClient(model_settings, sleep=sleep))
    retry = events[0]
    assert isinstance(retry, StreamRetry)
    assert (retry.attempt, retry.delay) == (1, 7.0)
    assert isinstance(retry.error, RateLimited) and retry.error.retry_after == 7.0
    assert sleep.delays == [7.0]
    assert result.content == "Done." and result.attempts == 2
    assert len(scripted_server.requests) == 2


async def test_429_really_waits(scripted_server: ScriptedServer, model_settings: ModelSettings) -> None:
    scripted_server.script(error(429, headers={"Retry-After": "1"}), text("ok"))
    started = time.monotonic()
    _, result = await collect(ProviderClient(model_settings))
    elapsed = time.monotonic() - started
    assert result.content == "ok"
    assert elapsed >= 0.9  # it slept the Retry-After second for real (how much longer is load, not behaviour)
    assert len(scripted_server.requests) == 2


async def test_429_asking_for_too_long_a_wait_is_not_retried(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(error(429, headers={"Retry-After": "3600"}))
    sleep = FakeSleep()
    problem, events = await fail(ProviderClient(model_settings, sleep=sleep))
    assert isinstance(problem, RateLimited)
    assert "3600 s" in problem.message
    assert events == [] and sleep.delays == []
    assert len(scripted_server.requests) == 1


def test_retry_after_as_an_http_date() -> None:
    now = time.time()
    assert parse_retry_after({"retry-after": formatdate(now + 30, usegmt=True)}, now=now) == pytest.approx(
        30, abs=1
    )
    assert parse_retry_after({"retry-after": "2.5"}) == 2.5
    assert parse_retry_after({"retry-after-ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


@pytest.mark.parametrize("status", [500, 502, 503, 529])
async def test_5xx_is_retried_with_backoff_then_fails(
    scripted_server: ScriptedServer, model_settings: ModelSettings, status: int
) -> None:
    scripted_server.script(*[error(status, message="upstream is on fire")] * 3, text("not reached"))
    sleep = FakeSleep()
    problem, events = await fail(ProviderClient(model_settings, sleep=sleep))
    assert isinstance(problem, ProviderOverloaded)
    assert "upstream is on fire" in problem.message
    assert [(event.attempt, event.delay) for event in events] == [(1, 0.5), (2, 1.0)]
    assert sleep.delays == [0.5, 1.0]
    assert len(scripted_server.requests) == 3  # max_retries=2


async def test_503_then_success(scripted_server: ScriptedServer, model_settings: ModelSettings) -> None:
    scripted_server.script(error(503), text("back"))
    events, result = await collect(ProviderClient(model_settings, sleep=FakeSleep()))
    assert isinstance(events[0], StreamRetry) and isinstance(events[0].error, ProviderOverloaded)
    assert result.content == "back" and result.attempts == 2


async def test_connection_refused(model_settings: ModelSettings) -> None:
    port = closed_port()
    model_settings.api_base = f"http://127.0.0.1:{port}/v1"
    sleep = FakeSleep()
    problem, events = await fail(ProviderClient(model_settings, sleep=sleep))
    assert isinstance(problem, ConnectionFailed)
    assert problem.message == f"Cannot connect to http://127.0.0.1:{port} — is the server running?"
    assert len(events) == 2 and sleep.delays == [0.5, 1.0]


async def test_unknown_host(model_settings: ModelSettings) -> None:
    model_settings.api_base = "http://no-such-host.invalid:8080/v1"
    model_settings.max_retries = 0
    problem, _ = await fail(ProviderClient(model_settings))
    assert isinstance(problem, ConnectionFailed)
    assert problem.message == "No such host: no-such-host.invalid."


async def test_timeout_when_the_server_stalls(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    model_settings.timeout = 0.4
    model_settings.max_retries = 1
    scripted_server.script(stall(3), stall(3))
    started = time.monotonic()
    problem, events = await fail(ProviderClient(model_settings, sleep=FakeSleep()))
    elapsed = time.monotonic() - started
    assert isinstance(problem, ProviderTimeout)
    assert len(events) == 1 and isinstance(events[0].error, ProviderTimeout)
    assert len(scripted_server.requests) == 2
    # Each attempt waited for its 0.4 s timeout; had it waited out the 3 s stall, the reply would have come.
    assert elapsed >= 0.8


async def test_context_window_exceeded_is_not_retried(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(context_window_exceeded())
    problem, events = await fail(ProviderClient(model_settings, sleep=FakeSleep()))
    assert isinstance(problem, ContextWindowExceeded)
    assert "too long" in problem.message and "maximum context length" in problem.detail
    assert events == [] and len(scripted_server.requests) == 1


async def test_other_400_is_a_bad_request(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(error(400, message="Invalid schema for function 'get_weather'"))
    problem, _ = await fail(ProviderClient(model_settings, sleep=FakeSleep()), TOOLS)
    assert isinstance(problem, BadRequest)
    assert "Invalid schema for function 'get_weather'" in problem.message
    assert len(scripted_server.requests) == 1


async def test_unknown_provider_is_a_bad_request_with_a_model_hint() -> None:
    problem, _ = await fail(ProviderClient(ModelSettings(name="no-such-model-xyz"), sleep=FakeSleep()))
    assert isinstance(problem, BadRequest)
    assert "no-such-model-xyz" in problem.message
    assert "provider prefix" in problem.hint


@pytest.mark.parametrize("reply", [malformed_json(), malformed_sse()], ids=["json", "sse"])
async def test_malformed_replies(
    scripted_server: ScriptedServer, model_settings: ModelSettings, reply: Any
) -> None:
    scripted_server.script(reply)
    problem, events = await fail(ProviderClient(model_settings, sleep=FakeSleep()))
    assert isinstance(problem, MalformedResponse)
    assert events == [] and len(scripted_server.requests) == 1


async def test_no_retry_once_text_was_yielded(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(broken_stream("Partial answer"), text("must not be requested"))
    sleep = FakeSleep()
    problem, events = await fail(ProviderClient(model_settings, sleep=sleep))
    assert isinstance(problem, ConnectionFailed) and problem.retryable
    assert "closed in the middle of the reply" in problem.message
    assert "".join(event.text for event in events) == "Partial answer"
    assert sleep.delays == [] and len(scripted_server.requests) == 1


async def test_inactivity_timeout_mid_stream_is_not_retried(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    model_settings.timeout = 0.3
    first_token_then_silence = Reply(
        deltas=({"role": "assistant", "content": "Hel"}, {"content": "lo"}),
        message={"role": "assistant", "content": "Hello"},
        interval=2,
    )
    scripted_server.script(first_token_then_silence, text("must not be requested"))
    problem, events = await fail(ProviderClient(model_settings, sleep=FakeSleep()))
    assert isinstance(problem, ProviderTimeout)
    assert [event.text for event in events] == ["Hel"]
    assert len(scripted_server.requests) == 1


async def test_no_retry_once_a_tool_call_delta_arrived(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    reply = dataclasses.replace(tool_calls(CALLS[:1]), cut=True)
    scripted_server.script(reply, text("must not be requested"))
    problem, events = await fail(ProviderClient(model_settings, sleep=FakeSleep()), TOOLS)
    assert isinstance(problem, ConnectionFailed)
    assert events == [] and len(scripted_server.requests) == 1


# --- cancellation ----------------------------------------------------------------------------------------


async def test_cancelling_a_slow_stream_closes_the_connection(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(slow_stream([f"t{n} " for n in range(100)], interval=0.1))
    first_text = asyncio.Event()

    async def consume() -> None:
        async for event in ProviderClient(model_settings).stream_completion(MESSAGES, None):
            if isinstance(event, StreamText):
                first_text.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first_text.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(scripted_server.wait_for_disconnect, 1.0)
    assert scripted_server.disconnects == 1


async def test_cancelling_while_waiting_for_headers_closes_the_connection(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(stall(4))

    async def consume() -> None:
        async for _ in ProviderClient(model_settings).stream_completion(MESSAGES, None):
            pass

    task = asyncio.create_task(consume())
    while not scripted_server.requests:
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(scripted_server.wait_for_disconnect, 1.0)


async def test_closing_the_generator_early_closes_the_connection(
    scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    scripted_server.script(slow_stream(["a", "b", "c", "d", "e", "f"], interval=0.2))
    stream = ProviderClient(model_settings).stream_completion(MESSAGES, None)
    first = await anext(stream)
    assert first == StreamText("a")
    await stream.aclose()
    assert await asyncio.to_thread(scripted_server.wait_for_disconnect, 1.0)


# --- mapping of exceptions no scripted reply produces -------------------------------------------------


class AuthenticationError(Exception):
    status_code = 403


class MidStreamFallbackError(Exception):
    status_code = 503


class AnthropicKeyError(Exception):
    llm_provider = "anthropic"


@pytest.mark.parametrize(
    ("exc", "expected", "text"),
    [
        (TimeoutError(), ProviderTimeout, "in time"),
        (AuthenticationError("forbidden"), AuthenticationFailed, "not allowed"),
        (MidStreamFallbackError("stream broke"), ProviderOverloaded, "overloaded"),
        (AnthropicKeyError("Missing Anthropic API Key"), MissingCredentials, "ANTHROPIC_API_KEY"),
        (RuntimeError("boom"), ProviderError, "boom"),
    ],
    ids=["timeout", "403", "mid-stream", "anthropic-key", "unknown"],
)
def test_map_provider_error_by_class_name(exc: Exception, expected: type[ProviderError], text: str) -> None:
    mapped = map_provider_error(exc)
    assert type(mapped) is expected
    assert text in str(mapped)
    assert type(exc).__name__ in mapped.detail


def test_engine_errors_pass_through_unchanged() -> None:
    original = RateLimited("slow down", retry_after=3)
    assert map_provider_error(original) is original
