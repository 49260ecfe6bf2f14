"""`tui-chat tools run` and `tui-chat replay`: tools run by hand and recorded calls re-run against the
current tool code, on the real path (a tool module in tmp_path loaded through the config, a conversation
recorded from the scripted model over HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, text, tool_calls

from tests.conftest import write_cli_config
from tests.ui.workbench_fixtures import TOOLS_MODULE
from tui_chat import cli
from tui_chat.engine.models import ToolMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.workbench.arguments import check_arguments
from tui_chat.engine.workbench.replay import context_for, recorded_calls, result_diff
from tui_chat.engine.workbench.tool_outcome import error_kind_of


@pytest.fixture
def tools_file(tmp_path: Path, scripted_server: ScriptedServer) -> Path:
    tools = tmp_path / "my_tools.py"
    tools.write_text(TOOLS_MODULE)
    write_cli_config(scripted_server, tools, examples=False)
    return tools


def run(*argv: str) -> int:
    return cli.run(cli.build_parser().parse_args(list(argv)))


def store() -> ConversationStore:
    return ConversationStore(Path(os.environ["TUI_CHAT_DATA_DIR"]))


def test_tools_run_prints_the_result_and_exits_0(
    tools_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("tools", "run", "add", "--args", '{"a": 40}') == 0
    assert capsys.readouterr().out.splitlines()[-1] == "42"  # b's default, 2
    assert run("tools", "run", "convert", "--args", '{"value": 100, "unit": "f"}', "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True and data["result"] == {"success": True, "data": {"unit": "f", "value": 212.0}}
    assert data["error_kind"] is None and data["duration_ms"] >= 0


def test_tools_run_exits_1_with_the_reason_on_a_schema_mismatch_an_exception_or_an_unknown_tool(
    tools_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("tools", "run", "add", "--args", '{"a": "forty"}') == 1
    err = capsys.readouterr().err
    assert "invalid arguments" in err and "'forty' is not of type 'integer'" in err
    assert run("tools", "run", "convert", "--args", '{"value": 1, "unit": "k"}', "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and data["error_kind"] == "invalid_arguments"
    assert run("tools", "run", "add", "--args", "{not json") == 1
    assert "not valid JSON" in capsys.readouterr().err
    assert run("tools", "run", "explode", "--args", '{"reason": "boom"}') == 1
    err = capsys.readouterr().err
    assert "ValueError: boom" in err and "line" in err and "raise ValueError(reason)" in err
    assert run("tools", "run", "missing") == 1
    assert "unknown tool" in capsys.readouterr().err
    assert run("tools") == 0  # listing the tools still works beside the subcommand


def _record_conversation(scripted_server: ScriptedServer) -> str:
    scripted_server.script(
        tool_calls([("add", '{"a": 1, "b": 2}'), ("convert", '{"value": 212, "unit": "c"}')]),
        text("3, and 100 °C."),
        tool_calls([("add", '{"a": 5}')]),
        text("7."),
    )
    assert run("ask", "compute") == 0
    assert run("ask", "--cid", "last", "again") == 0
    (summary,) = store().list_conversations()
    return summary.id


def test_replay_exits_0_when_every_call_gives_the_recorded_result(
    tools_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation_id = _record_conversation(scripted_server)
    capsys.readouterr()
    before = store().path_of(conversation_id).read_bytes()
    assert run("replay", conversation_id) == 0
    out = capsys.readouterr().out
    assert out.count("✓ same") == 3 and "3 call(s): 3 same, 0 differ." in out
    assert run("replay", "last") == 0  # IDs as every command takes them: 'last' or a unique prefix
    assert "3 call(s)" in capsys.readouterr().out
    assert run("replay", conversation_id, "--tool", "add", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [call["name"] for call in data["calls"]] == ["add", "add"]
    assert all(call["same"] for call in data["calls"]) and data["same"] is True
    first = data["calls"][0]
    assert first["arguments"] == '{"a": 1, "b": 2}'
    assert first["recorded"]["result"] == first["now"]["result"] == {"success": True, "data": 3}
    assert store().path_of(conversation_id).read_bytes() == before  # nothing in the conversation changes


def test_replay_exits_1_with_the_new_result_when_the_tool_changed_on_disk(
    tools_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation_id = _record_conversation(scripted_server)
    tools_file.write_text(TOOLS_MODULE.replace("return a + b", "return a * b + 1000"))
    capsys.readouterr()
    assert run("replay", conversation_id) == 1
    out = capsys.readouterr().out
    assert out.count("✗ differs") == 2 and out.count("✓ same") == 1  # convert did not change
    assert '-  "data": 3,' in out and '+  "data": 1002,' in out
    assert run("replay", conversation_id, "--json") == 1
    data = json.loads(capsys.readouterr().out)
    assert data["same"] is False
    changed = data["calls"][0]
    assert changed["same"] is False and changed["now"]["result"] == {"success": True, "data": 1002}
    assert changed["recorded"]["result"] == {"success": True, "data": 3}
    assert '+  "data": 1002' in changed["diff"]


def test_the_commands_exit_with_their_status_as_a_real_process(
    tools_file: Path, scripted_server: ScriptedServer
) -> None:
    environment = dict(os.environ, PYTHONPATH=str(Path(cli.__file__).parents[2]))
    command = [sys.executable, "-m", "tui_chat", "tools", "run", "add", "--args", '{"a": [1]}']
    done = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "is not of type 'integer'" in done.stderr
    assert "Traceback" not in done.stderr
    missing = [sys.executable, "-m", "tui_chat", "replay", "c-nope"]
    done = subprocess.run(missing, env=environment, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_arguments_are_checked_with_the_position_of_a_json_error_and_the_path_of_a_schema_error() -> None:
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "integer"}}},
        "required": ["items"],
    }
    (problem,) = check_arguments(schema, '{\n  "items": [1,\n}')
    assert problem.where == "line 3, column 1" and "not valid JSON" in problem.message
    (problem,) = check_arguments(schema, '{"items": [1, "x"]}')
    assert problem.where == "items/1" and "'x' is not of type 'integer'" in problem.message
    assert "'items' is a required property" in str(check_arguments(schema, "{}")[0])
    assert "not list" in str(check_arguments(schema, "[]")[0])
    assert check_arguments(schema, '{"items": []}') == []


def test_error_kind_falls_back_to_what_older_messages_hold() -> None:
    def message(**fields: object) -> ToolMessage:
        return ToolMessage("c", "t", "{}", {}, "{}", 1.0, **fields)  # type: ignore[arg-type]

    assert error_kind_of(message()) is None
    assert error_kind_of(message(error="x", error_kind="crashed")) == "crashed"
    assert error_kind_of(message(error="function 'x' is not implemented; available")) == "unknown_tool"
    assert error_kind_of(message(error="'slow' timed out after 0.3 s")) == "timeout"
    assert error_kind_of(message(error="bad", arguments_valid=False)) == "invalid_arguments"
    assert error_kind_of(message(error="ValueError: x", traceback="Traceback…")) == "exception"
    assert error_kind_of(message(error="")) == "failed"  # an empty error still is a failure


def test_a_re_run_uses_the_recorded_context_and_the_diff_is_empty_when_equal(
    tools_file: Path, scripted_server: ScriptedServer
) -> None:
    conversation = store().load(_record_conversation(scripted_server))
    calls = recorded_calls(conversation)
    assert [call.name for call in calls] == ["add", "convert", "add"]
    context = context_for(conversation, calls[2])
    assert context.conversation_id == conversation.id and context.user_id == conversation.user_id
    assert context.session_id == conversation.sessions[-1].id and context.turn_id == calls[2].turn_id
    assert result_diff({"a": 1}, {"a": 1}) == ""


SEED_STYLE_MODULE = '''
from tui_chat import tool


@tool
async def greet(name: str, context) -> str:
    """Greet someone.

    Args:
        name: who
    """
    return f"hello {name} from {context.user_id}"


def lookup(args, context):
    return {"success": True, "data": args["key"] * 2}


def register(registry):
    registry.register(
        "lookup",
        lookup,
        {"name": "lookup", "description": "Look up.", "parameters": {"type": "object",
         "properties": {"key": {"type": "string"}}, "required": ["key"]}},
    )
'''


def test_an_exported_test_calls_async_context_and_seed_style_tools_the_way_they_are_written(
    tmp_path: Path,
) -> None:
    import asyncio

    from tui_chat.engine.tools.loader import load_tool_modules
    from tui_chat.engine.tools.registry import ToolContext, ToolRegistry
    from tui_chat.engine.workbench.call_export import call_as_test
    from tui_chat.engine.workbench.replay import run_tool

    module = tmp_path / "seed_tools.py"
    module.write_text(SEED_STYLE_MODULE)
    registry = ToolRegistry()
    load_tool_modules(registry, [str(module)])
    context = ToolContext("ada", "c-1", "s-1", "t-1")
    greet = asyncio.run(run_tool(registry, "greet", '{"name": "Bo"}', context))
    lookup = asyncio.run(run_tool(registry, "lookup", '{"key": "ab"}', context))
    sources = [call_as_test(message, registry.get(message.name), context) for message in (greet, lookup)]
    assert "asyncio.run(greet(**arguments, context=context))" in sources[0]
    assert "expected = 'hello Bo from ada'" in sources[0]
    assert "lookup(arguments, context)" in sources[1] and "'data': 'abab'" in sources[1]
    test_file = tmp_path / "test_exported.py"
    test_file.write_text("\n\n".join(sources))
    root = str(Path(cli.__file__).parents[2])
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)]
    environment = {"PYTHONPATH": f"{tmp_path}:{root}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr
