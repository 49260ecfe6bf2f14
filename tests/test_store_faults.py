"""Disk faults: a full disk, a read-only data dir and EACCES give a StoreWriteFailed naming the path
and what to do, leave nothing half-written, and never drop the user's message."""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scripted_server import ScriptedServer

from tui_chat import cli
from tui_chat.engine.errors import StoreWriteFailed
from tui_chat.engine.models import Conversation, Session, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def conversation(conversation_id: str = "chat-disk") -> Conversation:
    return Conversation(
        id=conversation_id, title="Disk", user_id="local", model="m", created_at=T0, last_activity=T0,
        sessions=[Session(id="s-1", started_at=T0, messages=[UserMessage("hola", id="m-0", created_at=T0)])],
    )  # fmt: skip


def _mount(folder: Path, *options: str) -> bool:
    folder.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", ",".join(options), "tmpfs", str(folder)],
                          capture_output=True)  # fmt: skip
    return done.returncode == 0


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 512 kB tmpfs (tests run as root); skipped where mounting is not allowed."""
    folder = tmp_path / "tiny"
    if not _mount(folder, "size=512k", "mode=0700"):
        pytest.skip("cannot mount a tmpfs here; test_a_patched_enospc covers the same path")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 512)
    except OSError as error:
        assert error.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def stray_files(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_a_full_disk_keeps_the_old_file_and_the_new_message(tiny_disk: Path) -> None:
    store = ConversationStore(tiny_disk / "data")
    talk = conversation()
    store.save(talk)
    before = store.path_of(talk.id).read_bytes()
    filler = fill(tiny_disk)
    talk.current_session.messages.append(UserMessage("x" * 20_000, id="m-1", created_at=T0))
    with pytest.raises(StoreWriteFailed) as caught:
        store.save(talk)
    assert str(store.path_of(talk.id)) in caught.value.message
    assert "disk is full" in str(caught.value) and caught.value.errno == errno.ENOSPC
    assert store.path_of(talk.id).read_bytes() == before
    assert stray_files(store.conversations_dir) == []
    assert [m.id for m in talk.messages()] == ["m-0", "m-1"]  # the object still holds it
    assert store.list_conversations()[0].id == talk.id  # reading still works
    filler.unlink()
    store.save(talk)
    assert [m.id for m in ConversationStore(tiny_disk / "data").load(talk.id).messages()] == ["m-0", "m-1"]


def test_a_patched_enospc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same without a mount: os.write fails half-way through the temp file."""
    store = ConversationStore(tmp_path / "data")
    talk = conversation()
    store.save(talk)
    before = store.path_of(talk.id).read_bytes()
    real_write = os.write

    def short_then_full(fd: int, data: bytes) -> int:
        if len(data) > 100:
            real_write(fd, bytes(data[:100]))
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", short_then_full)
    talk.current_session.messages.append(UserMessage("y" * 500, id="m-1", created_at=T0))
    with pytest.raises(StoreWriteFailed, match="disk is full"):
        store.save(talk)
    assert store.path_of(talk.id).read_bytes() == before and stray_files(store.conversations_dir) == []


def configure(server: ScriptedServer) -> None:
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f'[model]\nname = "openai/scripted"\napi_base = "{server.base_url}"\nmax_retries = 0\n')


def ask(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(list(argv))
    return exited.value.code, capsys.readouterr().err


def test_ask_on_a_full_disk_prints_the_message_back(
    tiny_disk: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    configure(scripted_server)
    data = tiny_disk / "data"
    ConversationStore(data).save(conversation())
    before = (data / "conversations" / "chat-disk.json").read_bytes()
    fill(tiny_disk)
    message = "mensaje importante " * 400
    code, err = ask(capsys, "--data-dir", str(data), "ask", "--conversation", "chat-disk", message)
    assert code == 1 and "Traceback" not in err
    assert "disk is full" in err and "chat-disk.json" in err
    assert f"your message was not saved; here it is:\n{message}" in err
    assert (data / "conversations" / "chat-disk.json").read_bytes() == before
    assert scripted_server.requests == []  # nothing was sent for a message that could not be kept


def test_a_read_only_data_dir_still_lists_and_says_why_it_cannot_save(
    tmp_path: Path, scripted_server: ScriptedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "ro"
    if not _mount(folder, "size=1m", "mode=0700"):
        pytest.skip(
            "cannot mount a tmpfs here (needs root); "
            "test_permission_denied_names_the_path_and_what_to_do covers a refused save with a patched EACCES"
        )
    try:
        store = ConversationStore(folder / "data")
        store.save(conversation())
        store.close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        store = ConversationStore(folder / "data")
        assert [summary.id for summary in store.list_conversations()] == ["chat-disk"]
        talk = store.load("chat-disk")
        talk.current_session.messages.append(UserMessage("otra", id="m-1", created_at=T0))
        with pytest.raises(StoreWriteFailed, match="read-only") as caught:
            store.save(talk)
        assert "chat-disk.json" in caught.value.message
        store.close()
        configure(scripted_server)
        data = str(folder / "data")
        code, err = ask(capsys, "--data-dir", data, "ask", "--cid", "chat-disk", "hola otra vez")
        assert code == 1 and "Traceback" not in err and "read-only" in err, err
        assert "here it is:\nhola otra vez" in err
        with pytest.raises(SystemExit) as exited:
            cli.main(["--data-dir", str(folder / "data"), "list"])
        assert exited.value.code == 0 and "chat-disk" in capsys.readouterr().out
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_permission_denied_names_the_path_and_what_to_do(tmp_path: Path, monkeypatch) -> None:
    store = ConversationStore(tmp_path / "data")
    talk = conversation()
    store.save(talk)
    real_open = os.open

    def refuse_temp_files(path, flags, *args, **kwargs):
        if str(path).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse_temp_files)
    with pytest.raises(StoreWriteFailed) as caught:
        store.save(talk)
    assert "Permission denied" in caught.value.message and "chat-disk.json" in caught.value.message
    assert "check the owner and mode" in caught.value.hint
