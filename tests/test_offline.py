"""No call path reaches the network except the configured provider (here: 127.0.0.1).

litellm fetches a price list at import and a HuggingFace tokenizer when it must count tokens itself
(a stream without usage, a Llama-family model name). An audit hook in a fresh interpreter records every
name lookup and connection while a full turn with a tool call runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tui_chat.engine.provider.litellm_import import OFFLINE_ENVIRONMENT

TESTS = Path(__file__).resolve().parent

SCRIPT = """
import asyncio, dataclasses, json, sys, tempfile
from pathlib import Path

contacts = []

def audit(event, args):
    if event == "socket.getaddrinfo":
        contacts.append(str(args[0]))
    elif event == "socket.connect" and isinstance(args[1], tuple):
        contacts.append(str(args[1][0]))

sys.addaudithook(audit)
sys.path.insert(0, TESTS)
from scripted_server import ScriptedServer, text, tool_calls
from tui_chat.config import Config, ModelSettings
from tui_chat.engine.services import build_services

async def main():
    with ScriptedServer() as server:
        no_usage = dataclasses.replace(text("Found nothing about llamas."), usage=None)
        server.script(tool_calls([("buscar_informacion", '{"consulta": "llama"}')]), no_usage)
        model = ModelSettings(name="openai/meta-llama/llama-3.1-8b-instruct", api_base=server.base_url)
        services = build_services(Config(model=model), Path(tempfile.mkdtemp()))
        conversation = services.chat.new_conversation()
        events = [type(e).__name__ async for e in services.chat.send(conversation, "llamas?")]
        print(json.dumps({"events": events, "contacts": sorted(set(contacts))}))

asyncio.run(main())
"""


def test_a_full_turn_contacts_only_the_configured_server(tmp_path: Path) -> None:
    env = {name: value for name, value in os.environ.items() if name not in OFFLINE_ENVIRONMENT}
    env.pop("HF_HUB_OFFLINE", None)
    code = f"TESTS = {str(TESTS)!r}\n" + textwrap.dedent(SCRIPT)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["events"][-1] == "TurnFinished"
    assert "ToolCallFinished" in report["events"]
    assert set(report["contacts"]) <= {"127.0.0.1"}, report["contacts"]
