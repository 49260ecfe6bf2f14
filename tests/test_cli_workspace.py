"""The CLI and the REST server go through the engine's one API, the Workspace, and never reach the store.

Two guards: the source of every ``tui_chat/cli`` and ``tui_chat/serve`` module is checked for a way
into the store around the Workspace (an import of the store package, of ``engine.services`` or
``engine.chat`` that build and wrap it, ``ConversationStore``, ``.store``, ``services.chat``), and the
reading commands run in a fresh interpreter to show that the workspace they use loads neither tool
modules nor the provider (litellm) nor mcp. The Workspace additions the CLI relies on are tested in
tests/test_workspace_lookup.py, those the server relies on in tests/test_workspace_serve.py.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

from scripted_server import ScriptedServer, text

import tui_chat.cli
import tui_chat.serve
from tui_chat.config import Config, ModelSettings, ToolSettings
from tui_chat.engine.workspace import build_workspace

ROOT = Path(__file__).resolve().parent.parent
CLI_DIR = Path(tui_chat.cli.__file__).parent
SERVE_DIR = Path(tui_chat.serve.__file__).parent
HEAVY = ("litellm", "mcp", "openai", "textual")
STORE_MODULE = re.compile(r"tui_chat\.engine\.(store|services|chat)(\.\w+)*$")
"""The store package, and the modules that build or wrap it (the Workspace builds them for the CLI)."""
ENGINE_WAYS_IN = ("store", "services", "chat")


def store_reaches(source: str) -> list[str]:
    """Every way ``source`` reaches the store around the Workspace, as ``line: what``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if STORE_MODULE.match(a.name)]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if STORE_MODULE.match(module) or (
                module == "tui_chat.engine" and any(a.name in ENGINE_WAYS_IN for a in node.names)
            ):
                found.append(f"{line}: from {module} import …")
        elif isinstance(node, ast.Attribute):
            if node.attr == "store":
                found.append(f"{line}: .store")
            elif node.attr == "chat" and _named(node.value, "services"):
                found.append(f"{line}: services.chat")
        elif isinstance(node, ast.Name) and node.id == "ConversationStore":
            found.append(f"{line}: ConversationStore")
        elif isinstance(node, ast.Constant) and STORE_MODULE.match(str(node.value)):
            found.append(f"{line}: {node.value!r}")  # importlib.import_module("tui_chat.engine.store…")
    return found


def _named(node: ast.expr, name: str) -> bool:
    """``name`` or ``<anything>.name`` (``services.chat`` and ``self.services.chat`` alike)."""
    return (isinstance(node, ast.Name) and node.id == name) or (
        isinstance(node, ast.Attribute) and node.attr == name
    )


def test_no_cli_module_reaches_the_store() -> None:
    modules = sorted(CLI_DIR.glob("*.py"))
    assert {"ask.py", "browse.py", "common.py"} <= {path.name for path in modules}
    offenders = {
        path.name: reaches for path in modules if (reaches := store_reaches(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"CLI modules reaching the store instead of the Workspace: {offenders}"


def test_no_serve_module_reaches_the_store() -> None:
    """The server is one more front end: its engine door (serve/backend.py) holds a Workspace."""
    modules = sorted(SERVE_DIR.glob("*.py"))
    assert {"backend.py", "routes.py", "server.py"} <= {path.name for path in modules}
    offenders = {
        path.name: reaches for path in modules if (reaches := store_reaches(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, f"serve modules reaching the store instead of the Workspace: {offenders}"
    assert "Workspace" in (SERVE_DIR / "backend.py").read_text(encoding="utf-8")


def test_the_store_check_notices_each_way_in() -> None:
    ways_in = {
        "import tui_chat.engine.store.conversation_store": "import tui_chat.engine.store",
        "from tui_chat.engine.store.index import SearchHit": "from tui_chat.engine.store",
        "from tui_chat.engine import store": "from tui_chat.engine import",
        "summaries = services.store.list_conversations()": ".store",
        "stream = services.chat.send(conversation, text)": "services.chat",
        "stream = self.services.chat.send(conversation, text)": "services.chat",
        "fresh = self.services.chat.new_conversation(user_id=user_id)": "services.chat",
        "opened = ConversationStore(path)": "ConversationStore",
        "from tui_chat.engine.services import build_services": "from tui_chat.engine.services",
        "from tui_chat.engine.chat import ChatService": "from tui_chat.engine.chat",
        "module = importlib.import_module('tui_chat.engine.store.index')": "'tui_chat.engine.store.index'",
    }
    for source, expected in ways_in.items():
        (reach,) = store_reaches(source)
        assert expected in reach, (source, reach)
    assert store_reaches("rows = await workspace.list(query, limit=limit)") == []


TOOL_MODULE = """
from pathlib import Path

Path(__file__).with_name("imported.marker").write_text("the tool module was imported")

from tui_chat import tool


@tool
def shout(text: str) -> str:
    \"\"\"Upper-case it.

    Args:
        text: what to shout
    \"\"\"
    return text.upper()
"""


def test_reading_commands_load_no_tools_and_import_neither_the_provider_nor_mcp(
    tmp_path: Path, scripted_server: ScriptedServer, model_settings: ModelSettings
) -> None:
    tools = tmp_path / "tools" / "my_tools.py"
    tools.parent.mkdir()
    tools.write_text(TOOL_MODULE)
    marker = tools.with_name("imported.marker")
    data_dir = tmp_path / "data"
    scripted_server.script(text("Hello from the model."))

    async def one_conversation() -> str:  # written the real way: a turn over HTTP, through a workspace
        config = Config(model=model_settings, tools=ToolSettings(examples=False))
        workspace = build_workspace(config, data_dir)
        conversation = workspace.new()
        await workspace.send(conversation, "hello").wait()
        workspace.close()
        return conversation.id

    conversation_id = asyncio.run(one_conversation())
    config_path = tmp_path / "config" / "config.toml"
    config_path.parent.mkdir(parents=True, exist_ok=True)
    config_path.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\n\n'
        f'[tools]\nmodules = ["{tools}"]\n'
    )
    commands = [
        ["list"],
        ["list", "--json", "--limit", "1"],
        ["show", "last"],
        ["show", "--json", conversation_id[:-2]],
        ["export", conversation_id, "--format", "json"],
        ["export", "last", "-o", str(tmp_path / "out.md")],
        ["stats"],
        ["tools"],  # loads the tool modules: the marker shows that this check can see a load
    ]
    code = f"""
        import contextlib, io, json, os, sys
        from tui_chat import cli
        heavy = {HEAVY!r}
        marker = {str(marker)!r}
        report = []
        for argv in {commands!r}:
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                code = cli.run(cli.build_parser().parse_args(["--data-dir", {str(data_dir)!r}, *argv]))
            report.append({{
                "argv": argv,
                "code": code,
                "out": out.getvalue(),
                "heavy": sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy}}),
                "tools_loaded": os.path.exists(marker),
            }})
        print(json.dumps(report))
    """
    environment = dict(os.environ, PYTHONPATH=str(ROOT), TUI_CHAT_CONFIG=str(config_path))
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    *reading, tools_run = json.loads(completed.stdout)
    for run in reading:
        assert run["code"] == 0, run
        assert run["heavy"] == [] and run["tools_loaded"] is False, run
    assert conversation_id in reading[0]["out"] and "hello" in reading[0]["out"]
    assert json.loads(reading[3]["out"])["id"] == conversation_id
    assert "Hello from the model." in reading[2]["out"]
    assert "Hello from the model." in (tmp_path / "out.md").read_text()
    assert tools_run["tools_loaded"] is True and "shout" in tools_run["out"]
