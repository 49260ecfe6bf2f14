"""The headless CLI: every command, its output and its exit status.

Most commands run in-process through ``cli.run`` (fast); a few run as real processes to prove the
entry point, the exit codes and crash safety (kill -9 during a streaming reply). Those that reach a model
are forked from one host that has already imported litellm (tests/cli_host.py), so they do not pay
``import litellm`` each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_host import CliHost
from scripted_server import ScriptedServer, error, slow_stream, text, tool_calls

from tests.conftest import write_cli_config
from tui_chat import cli
from tui_chat.engine.models import AssistantMessage
from tui_chat.engine.store.conversation_store import ConversationStore

TOOLS_MODULE = '''
from tui_chat import tool

@tool
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: first
        b: second
    """
    return a + b
'''


@pytest.fixture
def config_file(tmp_path: Path, scripted_server: ScriptedServer) -> Path:
    tools = tmp_path / "my_tools.py"
    tools.write_text(TOOLS_MODULE)
    return write_cli_config(scripted_server, tools)


@pytest.fixture(scope="module", autouse=True)
def cli_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliHost]:
    """Started with the module's first test, so that its ``import litellm`` overlaps with the others."""
    host = CliHost(tmp_path_factory.mktemp("cli-host"))
    yield host
    host.close()


def run(*argv: str) -> int:
    return cli.run(cli.build_parser().parse_args(list(argv)))


def store() -> ConversationStore:
    return ConversationStore(Path(os.environ["TUI_CHAT_DATA_DIR"]))


def test_ask_streams_the_reply_and_continue_picks_the_latest_conversation(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_server.script(text("Hello there!"), text("Second answer."))
    assert run("ask", "Hi") == 0
    assert capsys.readouterr().out == "Hello there!\n"
    assert run("ask", "--continue", "And again") == 0
    assert "Second answer." in capsys.readouterr().out
    (summary,) = store().list_conversations()
    assert summary.title == "Hi"
    roles = [m["role"] for m in scripted_server.requests[1].body["messages"]]
    assert roles == ["system", "user", "assistant", "user"]


def test_ask_new_and_conversation_pick_where_the_message_goes(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run("ask", "first")
    first_id = store().list_conversations()[0].id
    run("ask", "--new", "second")
    assert len(store().list_conversations()) == 2
    run("ask", "--conversation", first_id, "third")
    conversation = store().load(first_id)
    assert [m.content for m in conversation.messages() if m.role == "user"] == ["first", "third"]


def test_ask_reads_stdin_and_prints_tool_calls_to_stderr(
    config_file: Path,
    scripted_server: ScriptedServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("what is 2+3?"))
    scripted_server.script(tool_calls([("add", '{"a": 2, "b": 3}')]), text("5"))
    assert run("ask", "-") == 0
    captured = capsys.readouterr()
    assert captured.out == "5\n"
    assert "▸ add" in captured.err and "✓ add" in captured.err
    assert scripted_server.requests[0].body["messages"][-1]["content"] == "what is 2+3?"


def test_ask_json_prints_the_whole_turn(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_server.script(tool_calls([("add", '{"a": 1, "b": 1}')]), text("2"))
    assert run("ask", "--json", "1+1") == 0
    turn = json.loads(capsys.readouterr().out)
    assert turn["reason"] == "stop"
    assert [m["role"] for m in turn["messages"]] == ["assistant", "tool", "assistant"]
    assert turn["messages"][1]["result"] == {"success": True, "data": 2}


def test_ask_provider_error_exits_1_and_keeps_the_message(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_server.script(error(401, message="bad key"))
    assert run("ask", "are you there?") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert "tui-chat:" in err and "Traceback" not in err
    conversation = store().load(store().list_conversations()[0].id)
    assert [m.content for m in conversation.messages() if m.role == "user"] == ["are you there?"]


def test_usage_errors_exit_2(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.build_parser().parse_args(["ask", "--new", "--conversation", "x", "hi"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        cli.main(["ask"])
    assert caught.value.code == 2
    assert "needs a MESSAGE" in capsys.readouterr().err


def test_list_show_export_stats(
    tmp_path: Path, config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_server.script(tool_calls([("add", '{"a": 2, "b": 2}')]), text("It is **4**."))
    run("ask", "2+2?")
    capsys.readouterr()
    conversation_id = store().list_conversations()[0].id

    assert run("list") == 0
    out = capsys.readouterr().out
    assert conversation_id in out and "2+2?" in out
    assert run("list", "--json") == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == conversation_id and row["tool_calls"] == 1

    assert run("show", conversation_id) == 0
    shown = capsys.readouterr().out
    assert "It is **4**." in shown and "add" in shown
    assert run("show", "--json", conversation_id) == 0
    assert json.loads(capsys.readouterr().out)["id"] == conversation_id

    target = tmp_path / "out.md"
    assert run("export", conversation_id, "-o", str(target)) == 0
    markdown = target.read_text()
    assert "**Tool call** `add`" in markdown and '"data": 4' in markdown
    assert run("export", conversation_id, "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["sessions"][0]["messages"][2]["tool_calls"][0]["name"] == "add"

    assert run("stats") == 0
    assert "add" in capsys.readouterr().out
    assert run("stats", "--json") == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["conversations"] == 1 and stats["tools"]["add"]["calls"] == 1


def test_show_unknown_conversation_is_a_clear_error(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["show", "chat-nobody"])
    assert caught.value.code == 2
    assert "chat-nobody" in capsys.readouterr().err


def test_tools_lists_schemas_and_load_errors(
    tmp_path: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("tools", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    names = [t["name"] for t in data["tools"]]
    assert {"add", "buscar_informacion", "enviar_notificacion"} <= set(names)
    add = next(t for t in data["tools"] if t["name"] == "add")
    assert add["parameters"]["required"] == ["a", "b"]

    broken = tmp_path / "broken.py"
    broken.write_text("def oops(:\n")
    config_file.write_text(config_file.read_text().replace("modules = [", f'modules = ["{broken}", '))
    assert run("tools") == 1
    captured = capsys.readouterr()
    assert "add" in captured.out and "broken.py" in captured.err


def test_config_path_init_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(os.environ["TUI_CHAT_CONFIG"])
    assert run("config", "path") == 0
    assert str(path) in capsys.readouterr().out
    assert run("config", "init") == 0
    assert path.exists() and "[model]" in path.read_text()
    with pytest.raises(cli.UsageError):
        run("config", "init")
    assert run("config", "show") == 0
    assert "temperature = 0.7" in capsys.readouterr().out


def test_broken_config_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(os.environ["TUI_CHAT_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[model]\ntemperature = 'hot'\n")
    with pytest.raises(SystemExit) as caught:
        cli.main(["list"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert str(path) in err and "model.temperature" in err and "Traceback" not in err


def _cli(*argv: str, **kwargs: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tui_chat", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[arg-type]
    )


def test_entry_point_exit_codes(
    config_file: Path, scripted_server: ScriptedServer, cli_host: CliHost
) -> None:
    scripted_server.script(text("pong"), error(401, message="bad key"))
    returncode, out, err = cli_host.start("ask", "ping").wait()
    assert (returncode, out) == (0, "pong\n"), err
    returncode, out, err = cli_host.start("ask", "again").wait()
    assert (returncode, out) == (1, "") and "tui-chat:" in err and "Traceback" not in err
    returncode, out, err = cli_host.start("ask", "-", stdin="from stdin").wait()
    assert (returncode, out) == (0, "You said: from stdin\n"), err
    process = _cli("--version")
    assert process.communicate(timeout=30)[0].startswith("tui-chat ")
    process = _cli("frobnicate")
    process.communicate(timeout=30)
    assert process.returncode == 2


def wait_for_streamed_reply(*, marked_partial: bool) -> Path:
    """Wait until a reply being streamed by another process is on disk (past its 12th token)."""
    conversations = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "conversations"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.1)
        for path in conversations.glob("*.json"):
            reply = json.loads(path.read_text())["sessions"][-1]["messages"][-1]
            if "token12 " in reply.get("content", "") and (reply.get("partial") or not marked_partial):
                return conversations
    raise AssertionError("no partial reply was saved while streaming")


def test_kill_9_during_a_streaming_reply_leaves_a_valid_file(
    config_file: Path, scripted_server: ScriptedServer, cli_host: CliHost
) -> None:
    scripted_server.script(slow_stream([f"token{i} " for i in range(400)], interval=0.02))
    process = cli_host.start("ask", "stream something long")
    conversations = wait_for_streamed_reply(marked_partial=True)
    os.kill(process.pid, signal.SIGKILL)
    assert process.wait(timeout=10)[0] == -signal.SIGKILL

    (summary,) = store().list_conversations()
    assert summary.damaged is None
    conversation = store().load(summary.id)
    reply = conversation.messages()[-1]
    assert isinstance(reply, AssistantMessage)
    assert reply.interrupted and reply.content.startswith("token0 token1")
    assert not list(conversations.glob("*.tmp")) and not list(conversations.glob(".*"))


def test_ctrl_c_during_a_streaming_reply_keeps_it_marked_interrupted_and_exits_130(
    config_file: Path, scripted_server: ScriptedServer, cli_host: CliHost
) -> None:
    scripted_server.script(slow_stream([f"token{i} " for i in range(400)], interval=0.02))
    process = cli_host.start("ask", "stream something long")
    wait_for_streamed_reply(marked_partial=False)
    os.kill(process.pid, signal.SIGINT)
    returncode, out, err = process.wait(timeout=30)
    assert returncode == 130 and "Traceback" not in err, err
    assert out.startswith("token0 token1 ")
    (summary,) = store().list_conversations()
    reply = store().load(summary.id).messages()[-1]
    assert isinstance(reply, AssistantMessage) and reply.interrupted and not reply.partial
    assert out.rstrip().startswith(reply.content.rstrip()[:40])


def test_ask_context_reaches_the_system_prompt_and_is_kept(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("ask", "--context", '{"name": "Ana", "plan": "pro"}', "hi") == 0
    system = scripted_server.requests[0].body["messages"][0]["content"]
    assert '"name": "Ana"' in system and '"plan": "pro"' in system
    assert store().load(store().list_conversations()[0].id).context == {"name": "Ana", "plan": "pro"}
    with pytest.raises(cli.UsageError, match="JSON object"):
        run("ask", "--context", "[1, 2]", "hi")
