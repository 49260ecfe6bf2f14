"""Hostile bytes and files: each is listed as damaged with its reason, its bytes never change, and
list / stats / show / ask keep working beside it (through the store and the CLI, in-process)."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, text, tool_calls

from tui_chat import cli
from tui_chat.engine.errors import DamagedConversation
from tui_chat.engine.models import AssistantMessage, ToolMessage, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore

GOOD = (Path(__file__).parent / "store" / "v1" / "chat-ana-20260301-090000-abcd.json").read_bytes()
BAD_ID = "chat-x"


def envelope(conversation_id: str, context: str = "{}", messages: str = "") -> bytes:
    return (
        f'{{"format_version": 1, "id": "{conversation_id}", "title": "t", "title_is_custom": false,'
        f' "user_id": "local", "model": "m", "created_at": "2026-03-01T09:00:00.000Z",'
        f' "last_activity": "2026-03-01T09:00:00.000Z", "context": {context}, "tool_definitions": {{}},'
        f' "sessions": [{{"id": "s", "started_at": "2026-03-01T09:00:00.000Z", "reason": "new",'
        f' "messages": [{messages}]}}]}}'
    ).encode()


def user(message_id: str) -> str:
    return (
        f'{{"id": "{message_id}", "role": "user", "created_at": "2026-03-01T09:00:00.000Z", "content": "x"}}'
    )


def write_bytes(raw: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(raw)


def fifo(path: Path) -> None:
    os.mkfifo(path)


def to_dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


def folder(path: Path) -> None:
    path.mkdir()
    (path / "inside.txt").write_text("x")


def unreadable(path: Path) -> None:
    path.write_bytes(GOOD.replace(b"chat-ana-20260301-090000-abcd", BAD_ID.encode()))
    path.chmod(0)  # tests run as root, so the open is also refused by hand (see the fixture)


HOSTILE: dict[str, tuple[Callable[[Path], None], str]] = {
    "deep-nesting": (write_bytes(envelope(BAD_ID, "[" * 10_000 + "]" * 10_000)), "recursion limit"),
    "huge-integer": (write_bytes(envelope(BAD_ID, '{"n": ' + "7" * 5_000 + "}")), "number out of range"),
    "duplicated-ids": (write_bytes(envelope(BAD_ID, messages=f"{user('m-1')}, {user('m-1')}")), "twice"),
    "fifo": (fifo, "not a regular file (a named pipe (FIFO))"),
    "symlink-to-dev-zero": (to_dev_zero, "not a regular file (a character device)"),
    "directory": (folder, "not a regular file (a folder)"),
    "unreadable": (unreadable, "cannot be read: Permission denied"),
    "invalid-utf8": (write_bytes(envelope(BAD_ID).replace(b'"t"', b'"t\xff\xfe"')), "not UTF-8 text (byte"),
    "raw-surrogate-bytes": (write_bytes(envelope(BAD_ID).replace(b'"t"', b'"\xed\xa0\xbd"')), "not UTF-8"),
    "truncated": (write_bytes(envelope(BAD_ID)[:150]), "invalid JSON at line 1, column 150: EOF"),
    "not-an-object": (write_bytes(b"[1, 2, 3]"), "schema mismatch"),
}


@pytest.fixture(params=sorted(HOSTILE))
def hostile(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path, str]:
    """The case's name, the hostile path (inside the test's data dir) and the reason expected."""
    data_dir = Path(os.environ["TUI_CHAT_DATA_DIR"])
    path = data_dir / "conversations" / f"{BAD_ID}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / "chat-ana-20260301-090000-abcd.json").write_bytes(GOOD)
    make, reason = HOSTILE[request.param]
    make(path)
    if request.param == "unreadable":
        real_open = os.open

        def refuse(file, flags, *args, **kwargs):
            if Path(file) == path:
                raise PermissionError(errno.EACCES, "Permission denied", str(file))
            return real_open(file, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)
    return request.param, path, reason


def fingerprint(path: Path) -> object:
    status = os.lstat(path)
    if os.path.islink(path):
        return ("link", os.readlink(path))
    if path.is_dir():
        return ("dir", sorted(os.listdir(path)))
    if not path.is_file():
        return ("special", status.st_mode)
    with open(path, "rb") as file:  # the real open: the unreadable case only refuses os.open
        return ("file", file.read(), status.st_mode)


def test_the_store_lists_the_file_as_damaged_and_never_changes_it(hostile: tuple[str, Path, str]) -> None:
    _, path, reason = hostile
    before = fingerprint(path)
    store = ConversationStore(path.parent.parent)
    listed = {summary.id: summary for summary in store.list_conversations()}
    assert reason in (listed[BAD_ID].damaged or ""), listed[BAD_ID].damaged
    assert listed["chat-ana-20260301-090000-abcd"].damaged is None
    assert store.totals().damaged == 1 and store.totals().conversations == 2
    with pytest.raises(DamagedConversation) as caught:
        store.load(BAD_ID)
    assert reason in caught.value.detail
    good = store.load("chat-ana-20260301-090000-abcd")
    store.save(good)
    with pytest.raises(DamagedConversation):
        store.delete(BAD_ID)
    assert store.search("biblioteca")
    assert fingerprint(path) == before
    store.close()
    assert fingerprint(path) == before


def test_list_stats_show_and_ask_keep_working_beside_it(
    hostile: tuple[str, Path, str],
    scripted_server: ScriptedServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, path, reason = hostile
    before = fingerprint(path)
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\nmax_retries = 0\n'
    )

    def run(*argv: str) -> int:
        with pytest.raises(SystemExit) as exited:
            cli.main(list(argv))
        return exited.value.code

    assert run("list") == 0
    out = capsys.readouterr().out
    assert BAD_ID in out and "chat-ana-20260301-090000-abcd" in out
    assert run("list", "--json") == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert reason in rows[BAD_ID]["damaged"]
    assert run("stats") == 0
    capsys.readouterr()
    assert run("show", "chat-ana-20260301-090000-abcd") == 0
    assert "biblioteca" in capsys.readouterr().out
    assert run("show", BAD_ID) == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err
    scripted_server.script(text("sigo aquí"), text("y aquí"))
    assert run("ask", "--conversation", "chat-ana-20260301-090000-abcd", "¿sigues?") == 0
    assert "sigo aquí" in capsys.readouterr().out
    assert run("ask", "--continue", "¿y ahora?") == 0  # the latest readable conversation
    assert "y aquí" in capsys.readouterr().out
    assert run("ask", "--conversation", BAD_ID, "hola") == 1
    err = capsys.readouterr().err
    assert reason in err and "Traceback" not in err
    assert fingerprint(path) == before


def test_lone_surrogates_from_the_model_and_a_tool_are_stored_listed_and_searchable(
    tmp_path: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    tools = tmp_path / "echo_tools.py"
    tools.write_text(
        "from tui_chat import tool\n\n@tool\ndef eco(texto: str) -> str:\n"
        '    """Echo it back, cut in the middle of an emoji.\n\n    Args:\n        texto: what\n    """\n'
        '    return texto + " \\ud83d"\n'
    )
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\nmax_retries = 0\n'
        f'\n[tools]\nmodules = ["{tools}"]\n'
    )
    scripted_server.script(tool_calls([("eco", '{"texto": "pato"}')]), text("un pato \ud83d y fin"))
    with pytest.raises(SystemExit) as exited:
        cli.main(["ask", "--context", '{"nota": "\\ud83d"}', "dime \ud83d algo"])
    assert exited.value.code == 0
    capsys.readouterr()
    store = ConversationStore(Path(os.environ["TUI_CHAT_DATA_DIR"]))
    [summary] = store.list_conversations()
    assert summary.damaged is None and "\ufffd" in summary.title
    conversation = store.load(summary.id)
    messages = conversation.messages()
    question = next(m for m in messages if isinstance(m, UserMessage))
    result = next(m for m in messages if isinstance(m, ToolMessage))
    answer = [m for m in messages if isinstance(m, AssistantMessage)][-1]
    assert question.content == "dime \ufffd algo"
    assert conversation.context == {"nota": "\ufffd"}
    assert "pato \ufffd" in json.dumps(result.result, ensure_ascii=False)
    assert answer.content == "un pato \ufffd y fin"
    raw = store.path_of(summary.id).read_bytes()
    assert "un pato \ufffd y fin".encode() in raw and b"\\ud83d" not in raw
    assert {hit.message_id for hit in store.search("pato")} >= {result.id, answer.id}
    for argv in (["list"], ["stats"], ["show", summary.id], ["export", summary.id]):
        with pytest.raises(SystemExit) as exited:
            cli.main(argv)
        assert exited.value.code == 0, argv
