"""CLI conventions (issue 10 item 6): ``ask`` picks a conversation only when told, IDs by prefix or
``last``, ``list --limit/--query`` in aligned columns, help on every flag, and no raw control
character in any human-readable output (JSON escapes them). In-process, over the scripted server."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, error, text, tool_calls
from test_terminal_text import INJECTION, raw_controls

from tests.conftest import write_cli_config
from tui_chat import cli
from tui_chat.engine.store.conversation_store import ConversationStore

TOOLS_MODULE = '''
from tui_chat import tool

@tool
def shout(text: str) -> str:
    """Repeat the text.

    Args:
        text: what to repeat
    """
    return text


@tool
def noisy(text: str) -> str:
    """Print, then answer.

    Args:
        text: what to print
    """
    print("tool says", text)
    return text
'''


@pytest.fixture
def config_file(tmp_path: Path, scripted_server: ScriptedServer) -> Path:
    tools = tmp_path / "my_tools.py"
    tools.write_text(TOOLS_MODULE)
    return write_cli_config(scripted_server, tools, examples=False)


def run(*argv: str) -> int:
    return cli.run(cli.build_parser().parse_args(list(argv)))


def main(*argv: str) -> int:
    with pytest.raises(SystemExit) as caught:
        cli.main(list(argv))
    return int(caught.value.code or 0)


def store() -> ConversationStore:
    return ConversationStore(Path(os.environ["TUI_CHAT_DATA_DIR"]))


def user_texts(conversation_id: str) -> list[str]:
    return [m.content for m in store().load(conversation_id).messages() if m.role == "user"]


def test_ask_starts_a_new_conversation_unless_told(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("ask", "one") == 0
    assert run("ask", "two") == 0
    assert len(store().list_conversations()) == 2
    latest = store().list_conversations()[0].id
    assert run("ask", "-c", "three") == 0
    assert run("ask", "--continue", "four") == 0
    assert user_texts(latest) == ["two", "three", "four"]
    oldest = store().list_conversations()[-1].id
    assert run("ask", "--cid", unique_prefix(oldest, [latest, oldest]), "five") == 0
    assert run("ask", "--conversation", "last", "six") == 0
    assert user_texts(oldest) == ["one", "five", "six"]
    assert len(store().list_conversations()) == 2
    assert main("ask", "-c", "--cid", oldest, "x") == 2
    assert "not allowed with" in capsys.readouterr().err


def unique_prefix(wanted: str, ids: list[str]) -> str:
    for length in range(1, len(wanted)):
        if sum(other.startswith(wanted[:length]) for other in ids) == 1:
            return wanted[:length]
    return wanted


def test_every_id_argument_takes_a_prefix_or_last_and_an_ambiguous_prefix_exits_2(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for message in ("first", "second", "third"):
        run("ask", message)
    ids = [s.id for s in store().list_conversations()]
    capsys.readouterr()
    assert run("show", "last") == 0
    assert "third" in capsys.readouterr().out
    assert run("export", unique_prefix(ids[2], ids), "-f", "json") == 0
    assert json.loads(capsys.readouterr().out)["id"] == ids[2]

    tail = ids[1].removeprefix("chat-local-")
    assert run("show", unique_prefix(tail, [i.removeprefix("chat-local-") for i in ids])) == 0
    assert "second" in capsys.readouterr().out
    common = "chat-local-"
    assert main("show", common) == 2
    err = capsys.readouterr().err
    assert "matches 3 conversations" in err and all(i in err for i in ids)
    assert main("export", "chat-nobody") == 2
    assert "There is no conversation chat-nobody" in capsys.readouterr().err


def test_list_limit_query_columns_and_plurals(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_server.script(tool_calls([("shout", '{"text": "a"}')]), text("done"))
    run("ask", "with a tool")
    for message in ("apples", "bananas", "apple pie"):
        run("ask", message)
    capsys.readouterr()
    assert run("list") == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4
    assert " 1 tool call " in lines[-1] and "5 messages" in lines[-1]
    assert "0 tool calls" in lines[0] and "3 messages" in lines[0]
    # Aligned: every column starts at the same offset on every line.
    assert len({line.index("tool call") for line in lines}) == 1
    assert len({line.index("openai/scripted") for line in lines}) == 1

    assert run("list", "--limit", "2") == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2 and "2 of 4 shown" in captured.err
    assert run("list", "--query", "APPLE") == 0
    assert [line.split("  ")[-1] for line in capsys.readouterr().out.splitlines()] == ["apple pie", "apples"]
    assert run("list", "-q", "apple", "-n", "1", "--json") == 0
    assert [row["title"] for row in json.loads(capsys.readouterr().out)] == ["apple pie"]
    assert run("list", "-q", "cherry") == 0
    assert "No conversation title contains 'cherry'" in capsys.readouterr().out
    assert main("list", "--limit", "0") == 2


def _walk(parser: argparse.ArgumentParser, path: str = "tui-chat") -> list[str]:
    missing: list[str] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                missing += _walk(sub, f"{path} {name}")
        elif isinstance(action, argparse._HelpAction | argparse._VersionAction):
            continue
        elif not action.help or action.help == argparse.SUPPRESS:
            missing.append(f"{path} {'/'.join(action.option_strings) or action.dest}")
    return missing


def test_every_flag_and_argument_has_help() -> None:
    assert _walk(cli.build_parser()) == []


def test_help_walk_notices_a_flag_without_help() -> None:
    parser = cli.build_parser()
    parser.add_argument("--bare", action="store_true")
    assert _walk(parser) == ["tui-chat --bare"]


def test_no_raw_control_character_reaches_any_cli_output(
    tmp_path: Path, config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """An injection in the reply, a tool result, the title and a provider error, through every output."""
    arguments = json.dumps({"text": INJECTION})
    scripted_server.script(tool_calls([("shout", arguments)]), text("reply " + INJECTION))
    outputs: dict[str, str] = {}

    def capture(name: str, *argv: str, code: int = 0) -> None:
        assert main(*argv) == code, name
        captured = capsys.readouterr()
        outputs[name] = captured.out + captured.err

    title = "t \x1b]0;pwned\x07\x1b[2J\x9b1m\u202eevil"
    capture("ask", "ask", title)
    assert store().list_conversations()[0].title == title
    scripted_server.script(error(400, message="bad " + INJECTION))
    capture("ask error", "ask", "-c", "again", code=1)
    scripted_server.script(tool_calls([("shout", arguments)]), text("json " + INJECTION))
    capture("ask --json", "ask", "--json", "-c", "more")
    capture("show", "show", "last")
    capture("show --json", "show", "--json", "last")
    capture("list", "list")
    capture("list --json", "list", "--json")
    capture("stats", "stats")
    capture("stats --json", "stats", "--json")
    capture("export md", "export", "last")
    capture("export json", "export", "last", "-f", "json")
    target = tmp_path / "out.md"
    capture("export md file", "export", "last", "-o", str(target))
    outputs["export md file contents"] = target.read_text()
    capture("tools", "tools")
    capture("tools --json", "tools", "--json")
    capture("not found", "show", INJECTION, code=2)

    for name, output in outputs.items():
        assert raw_controls(output) == [], name
    assert "␛[2J" in outputs["ask"] and "␛]52;c;" in outputs["show"]
    assert "<U+202E>evil" in outputs["list"] and "␛]0;pwned" in outputs["export md"]
    assert "bad ␛[2J" in outputs["ask error"]
    # JSON keeps the text exactly, escaped.
    turn = json.loads(outputs["ask --json"])
    assert turn["messages"][-1]["content"] == "json " + INJECTION
    assert json.loads(outputs["show --json"])["title"] == title
    assert json.loads(outputs["list --json"])[0]["title"] == title
    shown = json.loads(outputs["export json"])["sessions"][0]["messages"]
    assert any(m.get("content") == "reply " + INJECTION for m in shown)


def test_what_a_tool_prints_never_lands_in_the_reply_or_the_json(
    config_file: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    scripted_server.script(tool_calls([("noisy", '{"text": "\\u001b[2J hi"}')]), text("done"))
    assert run("ask", "--json", "go") == 0
    captured = capsys.readouterr()
    turn = json.loads(captured.out)
    assert turn["messages"][-1]["content"] == "done"
    assert "tool says" in captured.err and "␛[2J" in captured.err
    scripted_server.script(tool_calls([("noisy", '{"text": "again"}')]), text("fine"))
    assert run("ask", "go") == 0
    captured = capsys.readouterr()
    assert captured.out == "fine\n" and "tool says again" in captured.err
