"""User tool modules run in the tool host, a child process spoken to over MCP: every fault stays there.

Real parts: the host is `python -m tui_chat.engine.tools.host` over stdio, the tools are files in a
temporary folder, turns go over HTTP to the scripted model server. One host serves the whole module
(starting one costs ~1 s); tests that kill it see it come back.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, text, tool_calls

from tui_chat.config import Config, ModelSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.models import ToolCall, ToolMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.configured import host_source
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

CONTEXT = ToolContext(user_id="u", conversation_id="c", session_id="s", turn_id="t")

FAULTS = '''
import asyncio, ctypes, os, sys, threading, time
from tui_chat import tool

@tool
def noisy(text: str) -> str:
    """Print to both streams, then answer."""
    print("to stdout:", text)
    print("to stderr:", text, file=sys.stderr)
    return text.upper()

@tool
def raw_write() -> str:
    """Write below Python, straight to the descriptors."""
    os.write(1, b"raw fd 1\\n")
    os.write(2, b"raw fd 2\\n")
    return "written"

@tool
def die(code: int = 7) -> str:
    """Exit the process without cleanup."""
    print("last words")
    sys.stdout.flush()
    os._exit(code)

@tool
def segv() -> str:
    """Read address 0."""
    return ctypes.string_at(0)

@tool
def interrupt() -> str:
    """Raise KeyboardInterrupt."""
    raise KeyboardInterrupt

@tool
def leave() -> str:
    """Raise SystemExit."""
    raise SystemExit(4)

@tool
def fail(reason: str) -> str:
    """Raise an exception."""
    print("about to fail")
    raise ValueError(reason)

@tool(timeout=0.3)
def hang() -> str:
    """Sleep far past the timeout in a thread that cannot be stopped."""
    time.sleep(60)
    return "woke up"

@tool(timeout=0.3)
async def polite_hang() -> str:
    """Await far past the timeout; cancellation stops it."""
    await asyncio.sleep(60)
    return "woke up"

@tool
def big() -> str:
    """A 10 MB result."""
    return "x" * 10_000_000

@tool
def chatter(lines: int) -> int:
    """Print a lot."""
    for number in range(lines):
        print(f"line {number:06d} " + "." * 90)
    return lines

@tool
def slow_echo(text: str, seconds: float) -> str:
    """Print, wait, print again: concurrent calls must keep their output apart."""
    print("start", text)
    time.sleep(seconds)
    print("end", text)
    return text

@tool
def pid() -> int:
    """The host's process id."""
    return os.getpid()
'''

BROKEN = """
import definitely_not_a_module_for_tui_chat
"""


@pytest.fixture(scope="module")
def tool_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tools")
    (folder / "faults.py").write_text(textwrap.dedent(FAULTS))
    (folder / "broken.py").write_text(BROKEN)
    return folder


@pytest.fixture(scope="module")
def registry(tool_dir: Path) -> Iterator[ToolRegistry]:
    registry = ToolRegistry(default_timeout=10)
    source = host_source(
        [str(tool_dir / "faults.py"), str(tool_dir / "broken.py")], tool_dir / "data", cancel_grace=0.5
    )
    registry.add_source(source)
    yield registry
    registry.close()


async def run(registry: ToolRegistry, name: str, arguments: str = "{}", call_id: str = "") -> ToolMessage:
    return await registry.execute(
        ToolCall(id=call_id or f"call-{name}", name=name, arguments=arguments), CONTEXT
    )


async def host_pid(registry: ToolRegistry) -> int:
    message = await run(registry, "pid")
    assert message.ok, message.error
    return message.result["data"]


async def test_the_modules_tools_are_listed_with_their_file_and_timeout(registry, tool_dir):
    await registry.wait_ready(30)
    names = [spec.name for spec in registry.specs()]
    assert {"noisy", "die", "segv", "hang", "big"} <= set(names)
    noisy = registry.get("noisy")
    assert noisy is not None and noisy.source == str(tool_dir / "faults.py")
    assert noisy.parameters["required"] == ["text"]
    assert registry.get("hang").timeout == 0.3
    assert registry.sources[0].status.state == "ready"


async def test_a_module_that_fails_to_import_is_a_load_error_and_the_others_work(registry, tool_dir):
    await registry.wait_ready(30)
    (error,) = registry.load_errors
    assert error.source == str(tool_dir / "broken.py")
    assert "ModuleNotFoundError" in error.message and "definitely_not_a_module_for_tui_chat" in error.message
    assert (await run(registry, "noisy", '{"text": "still here"}')).result == {
        "success": True,
        "data": "STILL HERE",
    }


async def test_what_a_tool_prints_is_captured_with_the_call_and_not_mixed_into_the_result(registry, capfd):
    message = await run(registry, "noisy", '{"text": "hello"}')

    assert message.ok and message.error_kind is None
    assert message.result == {"success": True, "data": "HELLO"}
    assert message.output == "to stdout: hello\nto stderr: hello\n"
    out, err = capfd.readouterr()
    assert "hello" not in out and "hello" not in err


async def test_writes_below_python_go_to_the_host_log_not_to_our_terminal(registry, tool_dir, capfd):
    message = await run(registry, "raw_write")

    assert message.ok
    out, err = capfd.readouterr()
    assert "raw fd" not in out + err
    log = (tool_dir / "data" / "logs" / "tool-host.log").read_text()
    assert "raw fd 1\n" in log and "raw fd 2\n" in log


async def test_an_exception_gives_its_traceback_and_output(registry):
    message = await run(registry, "fail", '{"reason": "no luck"}')

    assert message.error == "ValueError: no luck"
    assert message.error_kind == "exception"
    assert "raise ValueError(reason)" in (message.traceback or "")
    assert message.output == "about to fail\n"
    assert message.result == {"success": False, "error": "ValueError: no luck"}


async def test_keyboard_interrupt_and_system_exit_are_error_results_and_the_host_lives_on(registry):
    before = await host_pid(registry)

    interrupted = await run(registry, "interrupt")
    left = await run(registry, "leave")

    assert interrupted.error == "KeyboardInterrupt raised in 'interrupt' (it would have ended the process)"
    assert left.error == "SystemExit: 4 raised in 'leave' (it would have ended the process)"
    assert interrupted.error_kind == left.error_kind == "crashed"
    assert await host_pid(registry) == before


async def test_os_exit_is_a_crashed_call_naming_the_status_and_the_host_restarts(registry):
    before = await host_pid(registry)

    message = await run(registry, "die")

    assert message.error == "the tool host exited with status 7 while running 'die'"
    assert message.error_kind == "crashed"
    assert message.result == {"success": False, "error": message.error}
    assert "last words" in message.output
    after = await host_pid(registry)
    assert after != before


async def test_a_segfault_is_a_crashed_call_with_the_fault_traceback_as_output(registry):
    message = await run(registry, "segv")

    assert message.error == (
        "the tool host was killed by signal 11 (SIGSEGV, segmentation fault) while running 'segv'"
    )
    assert message.error_kind == "crashed"
    assert "Segmentation fault" in message.output and "segv" in message.output
    assert (await run(registry, "noisy", '{"text": "back"}')).ok


async def test_a_hung_sync_tool_is_cancelled_then_the_host_is_killed_and_restarted(registry):
    before = await host_pid(registry)

    message = await run(registry, "hang")

    assert message.error_kind == "timeout"
    assert message.error == (
        "'hang' timed out after 0.3 s and was cancelled; it did not stop within 0.5 s, "
        "so the tool host was restarted"
    )
    assert await host_pid(registry) != before  # the thread running time.sleep is gone with its process


async def test_an_async_tool_that_honours_cancellation_times_out_without_a_restart(registry):
    before = await host_pid(registry)

    message = await run(registry, "polite_hang")

    assert message.error_kind == "timeout"
    assert message.error == "'polite_hang' timed out after 0.3 s and was cancelled"
    assert await host_pid(registry) == before


async def test_a_cancelled_call_whose_thread_keeps_running_gets_the_host_restarted(registry):
    before = await host_pid(registry)
    hang = registry.get("hang")
    registry_timeout = hang.timeout
    call = registry.execute(ToolCall(id="call-cancelled", name="hang", arguments="{}"), CONTEXT)

    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.1):  # the turn is cancelled (Esc) before the tool's own timeout
            await call

    assert registry_timeout == 0.3
    async with asyncio.timeout(30):
        while True:
            message = await run(registry, "pid")  # may be the call that sees the restart: cancelled
            assert message.ok or message.error_kind == "cancelled", message.error
            if message.ok and message.result["data"] != before:
                break
            await asyncio.sleep(0.05)


async def test_a_10_mb_result_is_kept_whole_and_truncated_for_the_model(registry):
    message = await run(registry, "big")

    assert message.ok
    assert message.result["data"] == "x" * 10_000_000
    assert message.truncated and len(message.content) <= registry.max_result_chars


async def test_a_flood_of_output_is_capped_keeping_head_and_tail(registry):
    message = await run(registry, "chatter", '{"lines": 20000}')

    assert message.ok and message.result["data"] == 20000
    assert len(message.output) < 70_000
    assert message.output.startswith("line 000000 ")
    assert "line 019999 " in message.output
    assert "characters of output not kept" in message.output


async def test_concurrent_calls_keep_their_output_apart(registry):
    first, second = await asyncio.gather(
        run(registry, "slow_echo", '{"text": "A", "seconds": 0.3}', call_id="a"),
        run(registry, "slow_echo", '{"text": "B", "seconds": 0.1}', call_id="b"),
    )

    assert first.output == "start A\nend A\n"
    assert second.output == "start B\nend B\n"


async def test_bad_arguments_and_unknown_tools_never_reach_the_host(registry):
    invalid = await run(registry, "noisy", '{"text": 3}')
    not_json = await run(registry, "noisy", "{text")
    unknown = await run(registry, "no_such_tool")

    assert invalid.error_kind == not_json.error_kind == "invalid_arguments"
    assert not invalid.arguments_valid
    assert unknown.error_kind == "unknown_tool"


async def test_faults_in_a_turn_are_sent_back_to_the_model_and_saved_with_their_output(
    registry: ToolRegistry, scripted_server: ScriptedServer, model_settings: ModelSettings, tmp_path: Path
):
    chat = ChatService(Config(model=model_settings), ConversationStore(tmp_path / "data"), registry)
    scripted_server.script(
        tool_calls([("noisy", '{"text": "one"}')]),
        tool_calls([("die", '{"code": 3}')]),
        text("The tool crashed."),
    )
    conversation = chat.new_conversation()

    events = [event async for event in chat.send(conversation, "go")]

    assert type(events[-1]).__name__ == "TurnFinished" and events[-1].reason == "stop"
    sent = scripted_server.requests[2].body["messages"]
    tool_results = [json.loads(m["content"]) for m in sent if m["role"] == "tool"]
    assert tool_results == [
        {"success": True, "data": "ONE"},
        {"success": False, "error": "the tool host exited with status 3 while running 'die'"},
    ]
    offered = {tool["function"]["name"] for tool in scripted_server.requests[0].body["tools"]}
    assert {"noisy", "die"} <= offered
    saved = json.loads(ConversationStore(tmp_path / "data").path_of(conversation.id).read_text())
    tools = [m for s in saved["sessions"] for m in s["messages"] if m["role"] == "tool"]
    assert tools[0]["output"] == "to stdout: one\nto stderr: one\n"
    assert tools[1]["error_kind"] == "crashed"
    assert "last words" in tools[1]["output"]
