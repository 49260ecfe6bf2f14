"""External MCP servers from ``[mcp.servers.NAME]``: real servers over stdio and streamable HTTP.

Real parts: ``mcp-server-time`` from PyPI over stdio; a streamable-HTTP server built with the SDK in
this test, served by uvicorn on 127.0.0.1; model turns over HTTP to the scripted server.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scripted_server import ScriptedServer, text, tool_calls

from tui_chat.config import Config, McpServerSettings, ModelSettings, parse_config
from tui_chat.engine.chat import ChatService
from tui_chat.engine.errors import ConfigError
from tui_chat.engine.models import ToolCall
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.configured import server_source
from tui_chat.engine.tools.mcp_listing import exposed_name
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

CONTEXT = ToolContext(user_id="u", conversation_id="c", session_id="s")
TIME_SERVER = str(Path(sys.executable).parent / "mcp-server-time")
SECRET = "s3cr3t-token-for-the-test"


def registry_with(tmp_path: Path, start_timeout: float = 15, **servers: McpServerSettings) -> ToolRegistry:
    registry = ToolRegistry(default_timeout=10)
    for name, settings in servers.items():
        registry.add_source(
            server_source(name, settings, tmp_path / "data", default_timeout=10, start_timeout=start_timeout)
        )
    return registry


@pytest.fixture(scope="module")
def time_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ToolRegistry]:
    folder = tmp_path_factory.mktemp("time")
    registry = registry_with(
        folder, time=McpServerSettings(command=TIME_SERVER, args=["--local-timezone", "UTC"])
    )
    yield registry
    registry.close()


async def test_mcp_server_time_is_listed_as_server__tool_with_its_server(time_registry):
    await time_registry.wait_ready(20)

    names = [spec.name for spec in time_registry.specs()]
    assert names == ["time__get_current_time", "time__convert_time"]
    spec = time_registry.get("time__get_current_time")
    assert spec.server == "time" and spec.source == "mcp:time" and spec.remote_name == "get_current_time"
    assert spec.parameters["required"] == ["timezone"]
    assert time_registry.sources[0].status.state == "ready"


async def test_a_scripted_turn_calls_mcp_server_time_and_sends_its_real_result_back(
    time_registry, scripted_server: ScriptedServer, model_settings: ModelSettings, tmp_path: Path
):
    chat = ChatService(Config(model=model_settings), ConversationStore(tmp_path / "data"), time_registry)
    scripted_server.script(
        tool_calls([("time__get_current_time", '{"timezone": "Europe/Madrid"}')]),
        text("It is late in Madrid."),
    )
    conversation = chat.new_conversation()

    events = [event async for event in chat.send(conversation, "What time is it in Madrid?")]

    assert events[-1].reason == "stop"
    offered = [tool["function"]["name"] for tool in scripted_server.requests[0].body["tools"]]
    assert "time__get_current_time" in offered
    (sent,) = [m for m in scripted_server.requests[1].body["messages"] if m["role"] == "tool"]
    result = json.loads(sent["content"])
    assert result["success"] is True
    assert result["data"]["timezone"] == "Europe/Madrid"
    assert result["data"]["datetime"].startswith(time.strftime("%Y"))  # a real clock, not a canned answer


async def test_an_error_the_server_reports_is_an_error_result(time_registry):
    message = await time_registry.execute(
        ToolCall(id="c1", name="time__get_current_time", arguments='{"timezone": "Nowhere/Never"}'), CONTEXT
    )

    assert message.error_kind == "exception"
    assert "Nowhere/Never" in message.error


# --- streamable HTTP -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HttpServer:
    """A streamable-HTTP MCP server (SDK lowlevel Server) in a uvicorn thread; checks a bearer token."""

    def __init__(self) -> None:
        import mcp_types as types
        import uvicorn
        from mcp.server.lowlevel import NotificationOptions, Server

        self.extra_tools: list[str] = []
        self.seen_authorization: list[str] = []

        async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
            schema = {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}}
            tools = [types.Tool(name="add", description="Add two numbers.", input_schema=schema)]
            tools.append(
                types.Tool(name="grow", description="Offer one more tool.", input_schema={"type": "object"})
            )
            tools += [
                types.Tool(name=name, description="Grown.", input_schema={"type": "object"})
                for name in self.extra_tools
            ]
            return types.ListToolsResult(tools=tools)

        async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
            request = ctx.request
            if request is not None:
                self.seen_authorization.append(request.headers.get("authorization", ""))
            arguments = params.arguments or {}
            if params.name == "add":
                total = arguments["a"] + arguments["b"]
                return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(total))])
            if params.name == "grow":
                self.extra_tools.append(f"grown_{len(self.extra_tools) + 1}")
                await ctx.session.send_tool_list_changed()
                return types.CallToolResult(content=[types.TextContent(type="text", text="grown")])
            return types.CallToolResult(
                content=[types.TextContent(type="text", text="unknown")], is_error=True
            )

        server = Server("test-http", on_list_tools=list_tools, on_call_tool=call_tool)
        server.create_initialization_options(NotificationOptions(tools_changed=True))
        app = server.streamable_http_app()
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/mcp"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error", lifespan="on")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> HttpServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    with HttpServer() as server:
        yield server


async def test_a_streamable_http_server_is_called_with_the_interpolated_header(
    http_server: HttpServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("DOCS_TOKEN", SECRET)
    settings = McpServerSettings(url=http_server.url, headers={"Authorization": "Bearer ${DOCS_TOKEN}"})
    registry = registry_with(tmp_path, docs=settings)
    try:
        await registry.wait_ready(20)
        assert [spec.name for spec in registry.specs()] == ["docs__add", "docs__grow"]

        message = await registry.execute(
            ToolCall(id="c1", name="docs__add", arguments='{"a": 2, "b": 40}'), CONTEXT
        )

        assert message.ok, message.error
        assert message.result == {"success": True, "data": 42}
        assert http_server.seen_authorization == [f"Bearer {SECRET}"]
    finally:
        registry.close()
    written = [
        path for path in tmp_path.rglob("*") if path.is_file() and SECRET.encode() in path.read_bytes()
    ]
    assert written == []


async def test_tools_list_changed_is_honoured_and_subscribers_are_told(
    http_server: HttpServer, tmp_path: Path
):
    registry = registry_with(tmp_path, docs=McpServerSettings(url=http_server.url))
    changed = asyncio.Event()
    try:
        await registry.wait_ready(20)
        registry.subscribe(changed.set)

        message = await registry.execute(ToolCall(id="c1", name="docs__grow", arguments="{}"), CONTEXT)
        assert message.ok, message.error

        async with asyncio.timeout(10):
            while "docs__grown_1" not in registry:
                changed.clear()
                await changed.wait()
        assert registry.get("docs__grown_1").server == "docs"
    finally:
        registry.close()


# --- failures ------------------------------------------------------------------------------------

FAULTY_SERVER = """
import asyncio, os, sys
import mcp_types as types
import anyio
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

async def list_tools(ctx, params):
    return types.ListToolsResult(tools=[
        types.Tool(name=name, description=name, input_schema={"type": "object"})
        for name in ("ok", "die", "hang")
    ])

async def call_tool(ctx, params):
    if params.name == "die":
        print("dying now", file=sys.stderr, flush=True)
        os._exit(5)
    if params.name == "hang":
        await asyncio.sleep(60)
    return types.CallToolResult(content=[types.TextContent(type="text", text=str(os.getpid()))])

async def main():
    server = Server("faulty", on_list_tools=list_tools, on_call_tool=call_tool)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())

anyio.run(main)
"""


async def test_an_external_server_that_crashes_in_a_call_is_reported_and_restarted(tmp_path: Path):
    script = tmp_path / "faulty_server.py"
    script.write_text(FAULTY_SERVER)
    settings = McpServerSettings(command=sys.executable, args=[str(script)], timeout=0.5)
    registry = registry_with(tmp_path, faulty=settings)
    try:
        await registry.wait_ready(20)
        first = await registry.execute(ToolCall(id="a", name="faulty__ok", arguments="{}"), CONTEXT)

        died = await registry.execute(ToolCall(id="b", name="faulty__die", arguments="{}"), CONTEXT)
        hung = await registry.execute(ToolCall(id="c", name="faulty__hang", arguments="{}"), CONTEXT)
        again = await registry.execute(ToolCall(id="d", name="faulty__ok", arguments="{}"), CONTEXT)

        assert died.error == "the MCP server 'faulty' exited with status 5 while running 'faulty__die'"
        assert died.error_kind == "crashed"
        assert "dying now" in registry.sources[0].status.stderr_tail
        assert hung.error_kind == "timeout"
        assert (
            hung.error
            == "'faulty__hang' timed out after 0.5 s and was cancelled (notifications/cancelled sent)"
        )
        assert again.ok and again.result["data"] != first.result["data"]  # a new process
    finally:
        registry.close()


async def test_a_server_that_fails_to_start_is_reported_with_its_stderr_and_retried_with_backoff(
    tmp_path: Path,
):
    failing = McpServerSettings(
        command=sys.executable,
        args=["-c", "import sys; print('bad credentials', file=sys.stderr); sys.exit(3)"],
    )
    registry = registry_with(tmp_path, broken=failing, time=McpServerSettings(command=TIME_SERVER))
    try:
        await registry.wait_ready(20)
        broken, time_source = registry.sources
        assert broken.status.state in ("failed", "restarting")
        assert broken.status.message == "the MCP server 'broken' exited with status 3 while starting"
        assert "bad credentials" in broken.status.stderr_tail
        assert "bad credentials" in (tmp_path / "data" / "logs" / "mcp-broken.log").read_text()

        message = await registry.execute(
            ToolCall(id="c1", name="time__get_current_time", arguments='{"timezone": "UTC"}'), CONTEXT
        )
        assert message.ok, message.error  # the other server is not held up

        async with asyncio.timeout(10):
            while broken.status.restarts < 2:
                await asyncio.sleep(0.01)
        # Each failure in a row waits twice as long: 1 s, 2 s, 4 s …
        status = broken.status
        assert status.next_attempt_in == 2.0 ** (status.restarts - 1)
        assert time_source.status.restarts == 0
    finally:
        registry.close()


async def test_a_server_that_never_answers_is_reported_as_timed_out_at_start(tmp_path: Path):
    silent = McpServerSettings(command=sys.executable, args=["-c", "import time; time.sleep(60)"])
    registry = registry_with(tmp_path, start_timeout=0.5, silent=silent)
    try:
        await registry.wait_ready(20)
        (source,) = registry.sources
        assert source.status.state in ("failed", "restarting")
        assert source.status.message == "the MCP server 'silent' did not answer within 0.5 s of starting"
        message = await registry.execute(ToolCall(id="c", name="silent__x", arguments="{}"), CONTEXT)
        assert message.error_kind == "unknown_tool"  # it never listed a tool
    finally:
        registry.close()


async def test_a_missing_environment_variable_is_a_start_failure_naming_the_key(tmp_path: Path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_TOKEN_FOR_TUI_CHAT", raising=False)
    settings = McpServerSettings(
        url="http://127.0.0.1:9/mcp", headers={"Authorization": "Bearer ${NO_SUCH_TOKEN_FOR_TUI_CHAT}"}
    )
    registry = registry_with(tmp_path, docs=settings)
    try:
        await registry.wait_ready(20)
        (source,) = registry.sources
        assert source.status.state in ("failed", "restarting")
        assert source.status.message == (
            "the MCP server 'docs' failed to start: ValueError: [mcp.servers.docs] headers.Authorization "
            "uses ${NO_SUCH_TOKEN_FOR_TUI_CHAT}, which is not set in the environment"
        )
    finally:
        registry.close()


def test_tool_names_are_made_valid_for_providers():
    assert exposed_name("time", "get_current_time") == "time__get_current_time"
    assert exposed_name("my-docs", "search.pages v2") == "my-docs__search_pages_v2"
    long = exposed_name("server", "t" * 100)
    assert len(long) == 64 and long.startswith("server__ttt")
    assert exposed_name("s", "a.b", taken={"s__a_b"}) == "s__a_b_2"


# --- config ---------------------------------------------------------------------------------------


def parse(text_: str) -> Config:
    return parse_config(text_, Path("config.toml"))


def test_mcp_servers_are_read_from_the_config():
    config = parse(
        """
        [mcp.servers.time]
        command = "mcp-server-time"
        args = ["--local-timezone", "UTC"]
        env = { TZ = "UTC" }
        [mcp.servers.docs]
        url = "http://127.0.0.1:8931/mcp"
        headers = { Authorization = "Bearer ${DOCS_TOKEN}" }
        timeout = 5
        """.replace("\n        ", "\n")
    )
    assert config.mcp.servers["time"] == McpServerSettings(
        command="mcp-server-time", args=["--local-timezone", "UTC"], env={"TZ": "UTC"}
    )
    docs = config.mcp.servers["docs"]
    assert docs.headers == {"Authorization": "Bearer ${DOCS_TOKEN}"} and docs.timeout == 5.0
    saved = config.to_toml_dict()["mcp"]["servers"]
    assert saved["docs"] == {
        "url": docs.url,
        "headers": docs.headers,
        "timeout": 5.0,
    }  # ${VAR} kept, not resolved


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            '[mcp.servers.x]\ncommand = "a"\nurl = "http://h/mcp"\n',
            "[mcp.servers.x] needs exactly one of 'command'",
        ),
        ("[mcp.servers.x]\nargs = []\n", "not neither"),
        (
            '[mcp.servers.x]\ncommand = "a"\nenv = { A = 1 }\n',
            "'mcp.servers.x.env' must be a table of strings",
        ),
        ('[mcp.servers.x]\ncommand = "a"\ncomand = "b"\n', "unknown key 'mcp.servers.x.comand'"),
        ('[mcp.servers."a b"]\ncommand = "a"\n', "a server name must be 1-32 letters"),
        ('[mcp.servers.x]\nurl = "ftp://h"\n', "'mcp.servers.x.url' must be an http:// or https:// URL"),
        ("[mcp]\nserver = {}\n", "unknown key 'mcp.server'"),
        ('[mcp.servers.x]\ncommand = "a"\ntimeout = -1\n', "'mcp.servers.x.timeout' must be at least 0"),
    ],
)
def test_config_errors_name_the_key_and_what_was_expected(toml: str, message: str):
    with pytest.raises(ConfigError) as caught:
        parse(toml)
    assert message in str(caught.value)
