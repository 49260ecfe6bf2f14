"""The CLI with tools out of process: `ask --json` stays JSON, `tools` lists every source, `tools serve`.

Real processes: the ``tui-chat`` command, its tool host, ``mcp-server-time``, and an MCP client from the
SDK talking to ``tools serve``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, text, tool_calls

ROOT = Path(__file__).resolve().parent.parent
TIME_SERVER = str(Path(sys.executable).parent / "mcp-server-time")

PRINTING = '''
import os, sys
from tui_chat import tool

@tool
def shout(word: str) -> str:
    """Print on every stream, then answer."""
    print("PRINTED-ON-STDOUT", word)
    print("PRINTED-ON-STDERR", word, file=sys.stderr)
    os.write(1, b"RAW-FD-1\\n")
    return word.upper()
'''


def write_config(tmp_path: Path, scripted_server: ScriptedServer, extra: str = "") -> Path:
    tools = tmp_path / "printing_tools.py"
    tools.write_text(PRINTING)
    path = Path(os.environ["TUI_CHAT_CONFIG"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\ntimeout = 5.0\n'
        f'max_retries = 0\n\n[tools]\nmodules = ["{tools}"]\nexamples = false\n{extra}'
    )
    return tools


def tui_chat(*argv: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "tui_chat", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment,
        check=False,
    )


def test_ask_json_stays_valid_json_when_a_tool_prints(tmp_path: Path, scripted_server: ScriptedServer):
    write_config(tmp_path, scripted_server)
    scripted_server.script(tool_calls([("shout", '{"word": "hey"}')]), text("Done."))

    completed = tui_chat("ask", "--json", "--new", "shout hey")

    assert completed.returncode == 0, completed.stderr
    turn = json.loads(completed.stdout)  # nothing the tool printed got in the way
    (tool_message,) = [m for m in turn["messages"] if m["role"] == "tool"]
    assert tool_message["result"] == {"success": True, "data": "HEY"}
    assert tool_message["output"] == "PRINTED-ON-STDOUT hey\nPRINTED-ON-STDERR hey\n"
    # ask shows what the tool printed on stderr, marked as the tool's; writes below Python stay in the log
    assert "  │ PRINTED-ON-STDOUT hey\n  │ PRINTED-ON-STDERR hey\n" in completed.stderr
    assert "RAW-FD" not in completed.stdout + completed.stderr
    log = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "logs" / "tool-host.log"
    assert "RAW-FD-1" in log.read_text()


def test_tools_json_lists_every_source_with_status_and_a_failing_server_with_its_stderr(
    tmp_path: Path, scripted_server: ScriptedServer
):
    failing = "import sys; sys.stderr.write('no licence key\\\\n'); sys.exit(2)"
    tools = write_config(
        tmp_path,
        scripted_server,
        f'\n[mcp.servers.time]\ncommand = "{TIME_SERVER}"\n'
        f'\n[mcp.servers.broken]\ncommand = "{sys.executable}"\nargs = ["-c", "{failing}"]\n',
    )

    completed = tui_chat("tools", "--json")

    assert completed.returncode == 1, completed.stderr  # a source is down: say so in the status
    data = json.loads(completed.stdout)
    by_name = {tool["name"]: tool for tool in data["tools"]}
    assert by_name["shout"]["source"] == str(tools) and by_name["shout"]["status"] == "ready"
    assert by_name["shout"]["parameters"]["required"] == ["word"]
    assert by_name["time__get_current_time"]["server"] == "time"
    assert by_name["time__get_current_time"]["source"] == "mcp:time"
    sources = {source["name"]: source for source in data["sources"]}
    assert sources["tools"]["state"] == "ready" and sources["time"]["state"] == "ready"
    assert sources["broken"]["state"] in ("failed", "restarting")
    assert sources["broken"]["message"] == "the MCP server 'broken' exited with status 2 while starting"
    assert "no licence key" in sources["broken"]["stderr_tail"]

    listing = tui_chat("tools")
    assert "shout  (" in listing.stdout and "word: string" in listing.stdout
    assert "time__get_current_time  (MCP server 'time')" in listing.stdout
    assert "exited with status 2" in listing.stderr and "no licence key" in listing.stderr


def test_tools_log_shows_the_host_log_without_escape_sequences(
    tmp_path: Path, scripted_server: ScriptedServer
):
    write_config(tmp_path, scripted_server)
    logs = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "logs"
    logs.mkdir(parents=True)
    (logs / "tool-host.log").write_text("started\n\x1b[31mred\x1b[0m\n")

    completed = tui_chat("tools", "log")

    assert completed.returncode == 0
    assert (
        "started" in completed.stdout
        and "\\x1b[31mred" in completed.stdout
        and "\x1b" not in completed.stdout
    )


@pytest.mark.parametrize("module_from", ["config", "option"])
async def test_tools_serve_is_an_mcp_stdio_server_for_any_client(
    tmp_path: Path, scripted_server: ScriptedServer, module_from: str
):
    from mcp.client.session import ClientSession
    from mcp.client.stdio import StdioServerParameters, stdio_client

    tools = write_config(tmp_path, scripted_server)
    args = ["-m", "tui_chat", "tools", "serve"]
    if module_from == "option":
        Path(os.environ["TUI_CHAT_CONFIG"]).write_text("[tools]\nexamples = false\n")
        args += ["--module", str(tools)]
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    parameters = StdioServerParameters(command=sys.executable, args=args, env=environment)
    with open(tmp_path / "serve-stderr.txt", "w") as errors:
        async with (
            stdio_client(parameters, errlog=errors) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            listed = await session.list_tools()
            result = await session.call_tool("shout", {"word": "mcp"})

    assert [tool.name for tool in listed.tools] == ["shout"]
    assert listed.tools[0].input_schema["required"] == ["word"]
    assert not result.is_error
    assert json.loads(result.content[0].text) == {"success": True, "data": "MCP"}
    assert result.meta["tui_chat"]["output"] == "PRINTED-ON-STDOUT mcp\nPRINTED-ON-STDERR mcp\n"
    assert "RAW-FD-1" in (tmp_path / "serve-stderr.txt").read_text()  # below Python: the server's stderr


def test_tools_serve_without_modules_is_a_usage_error(tmp_path: Path):
    Path(os.environ["TUI_CHAT_CONFIG"]).parent.mkdir(parents=True, exist_ok=True)
    Path(os.environ["TUI_CHAT_CONFIG"]).write_text("[tools]\nexamples = false\n")

    completed = tui_chat("tools", "serve")

    assert completed.returncode == 2
    assert "no tool modules to serve" in completed.stderr


def test_commands_that_need_no_tools_never_import_mcp_or_start_a_host(
    tmp_path: Path, scripted_server: ScriptedServer
):
    write_config(tmp_path, scripted_server, '\n[mcp.servers.time]\ncommand = "mcp-server-time"\n')
    code = """
        import sys
        from tui_chat import cli
        from tui_chat.config import load_config
        from tui_chat.engine.services import build_services
        for argv in (["list"], ["list", "--json"], ["stats"]):
            cli.run(cli.build_parser().parse_args(argv))
        services = build_services(load_config(), cli.default_data_dir())
        import threading
        print(sorted(m for m in sys.modules if m.split(".")[0] in ("mcp", "mcp_types", "watchfiles")))
        print([t.name for t in threading.enumerate() if t.name.startswith("tui-chat")])
    """
    environment = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [sys.executable, "-c", "\n".join(line[8:] for line in code.splitlines())],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.splitlines()[-2:] == ["[]", "[]"]
