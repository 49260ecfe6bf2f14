"""``tui-chat serve`` as a user runs it: a real process, its token, its warnings, and the startup path."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from scripted_server import ScriptedServer, slow_stream

from tui_chat.engine.errors import ConfigError
from tui_chat.serve.auth import TOKEN_ENV, TOKEN_FILE, bearer_matches, resolve_token
from tui_chat.serve.server import bind_warning

ROOT = Path(__file__).resolve().parent.parent


def test_the_token_is_generated_once_kept_0600_and_reused(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = resolve_token(data_dir, environ={})
    assert first.source == "generated" and len(first.value) >= 40
    path = data_dir / TOKEN_FILE
    assert first.path == path and path.stat().st_mode & 0o777 == 0o600
    again = resolve_token(data_dir, environ={})
    assert again.source == "file" and again.value == first.value
    assert [p.name for p in data_dir.iterdir()] == [TOKEN_FILE]  # no temp file left behind


def test_a_loose_token_file_is_tightened_with_a_warning(tmp_path: Path) -> None:
    token = resolve_token(tmp_path, environ={})
    assert token.path is not None
    token.path.chmod(0o644)
    again = resolve_token(tmp_path, environ={})
    assert again.value == token.value and "readable by other users" in again.warning
    assert token.path.stat().st_mode & 0o777 == 0o600


def test_the_environment_token_wins_and_an_empty_one_is_refused(tmp_path: Path) -> None:
    token = resolve_token(tmp_path, environ={TOKEN_ENV: "  a-long-secret-from-the-env  "})
    assert token.value == "a-long-secret-from-the-env" and token.source == "env"
    assert not (tmp_path / TOKEN_FILE).exists()
    assert "shorter" in resolve_token(tmp_path, environ={TOKEN_ENV: "short"}).warning
    with pytest.raises(ConfigError, match="empty"):
        resolve_token(tmp_path, environ={TOKEN_ENV: " "})


def test_bearer_matching() -> None:
    expected = b"s3cret-token"
    assert bearer_matches("Bearer s3cret-token", expected)
    assert bearer_matches("bearer   s3cret-token ", expected)
    for header in (
        None,
        "",
        "Bearer",
        "Bearer s3cret",
        "Basic s3cret-token",
        "s3cret-token",
        "Bearer s3cret-tokenX",
    ):
        assert not bearer_matches(header, expected), header
    assert not bearer_matches("Bearer caf\udce9", expected)  # undecodable bytes in the header


def test_only_loopback_binds_are_quiet() -> None:
    for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"):
        assert bind_warning(host) == ""
    for host in ("0.0.0.0", "::", "192.168.1.10", "example.org"):
        assert "not a loopback address" in bind_warning(host)


def _request(url: str, token: str | None, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _start(env: dict[str, str], *extra: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "serve", "--port", "0", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = [process.stdout.readline()]
    while not lines[-1].startswith(("token", "send it as")) and lines[-1]:
        lines.append(process.stdout.readline())
    if lines[-1].startswith("token (printed"):
        lines += [process.stdout.readline(), process.stdout.readline()]
    return process, lines


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    return process.returncode, err


def test_serve_prints_the_token_once_answers_and_stops_on_sigterm(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(TOKEN_ENV, None)

    process, lines = _start(env)
    try:
        assert lines[0].startswith("tui-chat serve: listening on http://127.0.0.1:"), lines
        url = lines[0].split()[4]
        assert lines[1].startswith("token (printed this once")
        token = lines[2].strip()
        token_file = Path(os.environ["TUI_CHAT_DATA_DIR"]) / TOKEN_FILE
        assert token_file.read_text().strip() == token
        assert _request(f"{url}/chat/stats", None)[0] == 401
        status, body = _request(f"{url}/chat/message", token, {"message": "hola", "userId": "ana"})
        assert status == 200 and body["response"] == "You said: hola"
    finally:
        code, err = _stop(process)
    assert code == 0, err
    assert "not a loopback" not in err and token not in err  # the access log never shows the token

    process, lines = _start(env)
    try:
        assert lines[1].strip() == f"token: in {token_file}" and not any(token in line for line in lines)
        assert _request(f"{lines[0].split()[4]}/chat/stats", token)[0] == 200
    finally:
        code, err = _stop(process)
    assert code == 0, err


def test_starting_and_answering_without_a_model_call_never_imports_litellm(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    code = f"""
        import asyncio, json, sys, urllib.request
        from pathlib import Path
        from tui_chat.config import Config, ModelSettings
        from tui_chat.engine.services import build_services
        from tui_chat.serve.backend import ChatBackend
        from tui_chat.serve.server import start_server

        async def main():
            model = ModelSettings(name="openai/scripted", api_base="{scripted_server.base_url}")
            config = Config(model=model)
            services = build_services(config, Path({str(tmp_path / "data")!r}))
            running = await start_server(ChatBackend(services), token="t" * 20, port=0)
            def call():
                request = urllib.request.Request(running.url + "/chat/start", data=b'{{"userId": "ana"}}',
                                                 headers={{"Authorization": "Bearer " + "t" * 20}})
                return json.load(urllib.request.urlopen(request))
            body = await asyncio.to_thread(call)
            await running.close()
            loaded = sorted(m for m in sys.modules if m.split(".")[0] == "litellm")
            print(json.dumps([body["success"], loaded]))

        asyncio.run(main())
    """
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout) == [True, []]


def test_sigterm_during_a_turn_stops_the_server_and_keeps_the_reply_marked_interrupted(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(slow_stream([f"w{i} " for i in range(400)], interval=0.05))
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\n')
    env = {**os.environ, "PYTHONPATH": str(ROOT), TOKEN_ENV: "a-token-for-this-test"}
    process, lines = _start(env)
    url = lines[0].split()[4]
    request = urllib.request.Request(
        f"{url}/chat/message",
        data=json.dumps({"message": "long", "userId": "ana"}).encode(),
        headers={"Authorization": "Bearer a-token-for-this-test", "Accept": "text/event-stream"},
    )
    with urllib.request.urlopen(request, timeout=60) as stream:
        conversation_id = ""
        for raw in stream:
            line = raw.decode()
            if line.startswith("data:") and not conversation_id:
                conversation_id = json.loads(line[5:])["conversationId"]
            if line.startswith("event: delta"):
                break
        code, err = _stop(process)  # running turns get a short grace, then are cancelled
    assert code == 0, err
    path = Path(os.environ["TUI_CHAT_DATA_DIR"]) / "conversations" / f"{conversation_id}.json"
    data = json.loads(path.read_text())
    reply = [m for s in data["sessions"] for m in s["messages"] if m["role"] == "assistant"][-1]
    assert reply.get("interrupted") is True and not reply.get("partial")
    assert reply["content"].startswith("w0 ") and not reply["content"].endswith("w399 ")
