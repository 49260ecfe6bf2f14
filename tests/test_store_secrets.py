"""Secrets never persist: a 401 whose body echoes the key, and a tool that prints a token, leave no
key in any file under the data dir (the index WAL included), in an export, or on stderr."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, error, text, tool_calls

from tui_chat import cli
from tui_chat.engine.redact import redact, secret_values, watch_env
from tui_chat.engine.store.conversation_store import ConversationStore

KEY = "sk-live-0123456789abcdefSECRET"
TOKEN = "ghp_tokentokentoken42"


def every_file(folder: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_a_401_that_echoes_the_key_leaves_no_key_anywhere(
    tmp_path: Path,
    scripted_server: ScriptedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SCRIPTED_LLM_KEY", KEY)  # named by [model] api_key_env: no telling suffix
    monkeypatch.setenv("MY_SERVICE_TOKEN", TOKEN)
    tools = tmp_path / "leaky_tools.py"
    tools.write_text(
        "import os\nfrom tui_chat import tool\n\n@tool\ndef leak() -> str:\n"
        '    """Return the service token (a badly written tool)."""\n'
        '    return "token=" + os.environ["MY_SERVICE_TOKEN"]\n'
    )
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\nmax_retries = 0\n'
        f'api_key_env = "SCRIPTED_LLM_KEY"\n\n[tools]\nmodules = ["{tools}"]\n'
    )
    scripted_server.script(
        tool_calls([("leak", "{}")]),
        text(f"The token is {TOKEN}."),
        error(401, message=f"Incorrect API key provided: {KEY}. You can find your key at ..."),
    )

    def run(*argv: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exited:
            cli.main(list(argv))
        out, err = capsys.readouterr()
        return exited.value.code, out, err

    code, out, err = run("ask", f"{KEY}: give me the token")  # the key in the title too
    assert code == 0  # (the reply itself is printed as the model sent it: stdout is the CLI's call)
    code, out, err = run("ask", "--continue", "Again")
    assert code == 1
    assert scripted_server.requests[-1].headers.get("authorization") == f"Bearer {KEY}"  # it was used
    assert KEY not in err and "sk-…(hidden)" in err  # stderr: the provider's text, redacted

    data_dir = Path(os.environ["TUI_CHAT_DATA_DIR"])
    files = every_file(data_dir)
    assert any(path.name == "index.sqlite3-wal" for path in files)
    for path, raw in files.items():
        assert KEY.encode() not in raw and TOKEN.encode() not in raw, path
    conversation_file = next(p for p in files if p.suffix == ".json" and p.parent.name == "conversations")
    assert b"sk-\xe2\x80\xa6(hidden)" in files[conversation_file]  # the error text is kept, marked

    [summary] = ConversationStore(data_dir).list_conversations()
    for fmt in ("md", "json"):
        code, out, _ = run("export", summary.id, "--format", fmt)
        assert code == 0 and KEY not in out and TOKEN not in out and "(hidden)" in out
    assert ConversationStore(data_dir).search("hidden")  # the marked text is what is indexed


def test_redact_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-proj-abcdefghijkl")
    monkeypatch.setenv("SOME_SERVICE_SECRET", "s3cr3t-value")
    monkeypatch.setenv("SHORT_TOKEN", "abc")  # under 8 characters: left alone
    monkeypatch.setenv("PLAIN_VARIABLE", "not-a-secret-at-all")
    monkeypatch.setenv("CUSTOM_NAME", "custom-key-value-1")
    watch_env("CUSTOM_NAME")
    assert set(secret_values()) >= {"sk-proj-abcdefghijkl", "s3cr3t-value", "custom-key-value-1"}
    line = "key sk-proj-abcdefghijkl, s3cr3t-value, abc, not-a-secret-at-all, custom-key-value-1"
    assert redact(line) == "key sk-…(hidden), s3c…(hidden), abc, not-a-secret-at-all, cus…(hidden)"
