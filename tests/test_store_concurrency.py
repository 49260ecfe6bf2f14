"""Several writers on one conversation lose nothing: a cross-process lock around read–merge–write,
and a merge by message id when the file changed behind a writer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scripted_server import ScriptedServer

from tui_chat.engine.models import AssistantMessage, Conversation, Session, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore

ROOT = Path(__file__).resolve().parent.parent
WRITER = Path(__file__).parent / "store" / "writer.py"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def seeded(store: ConversationStore, conversation_id: str = "chat-two-writers") -> Conversation:
    conversation = Conversation(
        id=conversation_id, title="Two writers", user_id="local", model="m", created_at=T0, last_activity=T0,
        sessions=[Session(id="s-1", started_at=T0, messages=[UserMessage("hola", id="m-0", created_at=T0)])],
    )  # fmt: skip
    store.save(conversation)
    return conversation


def run_writers(mode: str, data_dir: Path, conversation_id: str, rounds: int, tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    writers = [
        subprocess.Popen(
            [sys.executable, str(WRITER), mode, str(data_dir), conversation_id, tag, str(rounds), str(go)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("A", "B")
    ]
    while not all(Path(f"{go}.{tag}.ready").exists() for tag in ("A", "B")):
        assert all(writer.poll() is None for writer in writers), [w.stderr.read() for w in writers]
        time.sleep(0.01)
    go.touch()  # both start at once
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err


def test_two_processes_appending_through_the_store_lose_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = ConversationStore(data_dir)
    seeded(store)
    run_writers("store", data_dir, "chat-two-writers", 20, tmp_path)

    contents = [message.content for message in store.load("chat-two-writers").messages()]
    for tag in ("A", "B"):
        mine = [text for text in contents if text.startswith(f"{tag} ")]
        expected = [f"{tag} {kind} {n}{' (done)' if kind == 'answer' else ''}" for n in range(20)
                    for kind in ("question", "answer")]  # fmt: skip
        assert mine == expected  # all there, in order, each reply in its finished version
    assert contents[0] == "hola" and len(contents) == 81
    assert store.list_conversations()[0].message_count == 81
    assert len(store.search("question")) == 20  # the search limit; the index holds them all
    assert {hit.message_id for hit in store.search("done", limit=100)} == {
        message.id for message in store.load("chat-two-writers").messages() if message.role == "assistant"
    }


def test_two_ask_processes_on_one_conversation_lose_nothing(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    config = Path(os.environ["TUI_CHAT_CONFIG"])
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\nmax_retries = 0\n'
    )
    data_dir = Path(os.environ["TUI_CHAT_DATA_DIR"])
    store = ConversationStore(data_dir)
    seeded(store)
    run_writers("ask", data_dir, "chat-two-writers", 20, tmp_path)

    messages = store.load("chat-two-writers").messages()
    users = [m.content for m in messages if isinstance(m, UserMessage)]
    replies = [m.content for m in messages if isinstance(m, AssistantMessage) and not m.welcome]
    for tag in ("A", "B"):
        assert [text for text in users if text.startswith(tag)] == [f"{tag} q{n}" for n in range(20)]
        assert sorted(t for t in replies if t.startswith(f"You said: {tag}")) == sorted(
            f"You said: {tag} q{n}" for n in range(20)
        )
    assert len(users) == 41 and len(replies) == 40


# -- the merge, in one process (two objects, as the TUI and a rename, or two store instances) ---------


@pytest.fixture
def stores(tmp_path: Path) -> tuple[ConversationStore, ConversationStore]:
    first, second = ConversationStore(tmp_path / "data"), ConversationStore(tmp_path / "data")
    yield first, second
    first.close()
    second.close()


def test_a_finished_reply_beats_a_partial_one_and_new_messages_are_merged_in(stores) -> None:
    tui, cli = stores
    seeded(tui)
    ours = tui.load("chat-two-writers")
    reply = AssistantMessage("Hel", id="m-r", created_at=T0, partial=True)
    ours.current_session.messages.append(reply)
    tui.save(ours)

    theirs = cli.load("chat-two-writers")  # reads the reply as interrupted
    theirs.current_session.messages.append(UserMessage("from the CLI", id="m-c", created_at=T0))
    cli.save(theirs)

    reply.content, reply.partial = "Hello, world", False
    tui.save(ours)  # merges m-c in; keeps its finished reply over the interrupted copy
    assert [m.id for m in ours.messages()] == ["m-0", "m-r", "m-c"]
    cli.save(theirs)  # and the CLI's next save takes the finished reply
    final = cli.load("chat-two-writers").messages()
    assert [m.id for m in final] == ["m-0", "m-r", "m-c"]
    assert final[1].content == "Hello, world" and not final[1].interrupted
    assert theirs.messages()[1].content == "Hello, world"


def test_a_rename_elsewhere_is_not_undone_by_a_later_save(stores) -> None:
    tui, cli = stores
    seeded(tui)
    ours = tui.load("chat-two-writers")
    tui.rename("chat-two-writers", "Renamed in this process")
    ours.current_session.messages.append(UserMessage("later", id="m-l", created_at=T0))
    ours.context["canal"] = "tui"
    tui.save(ours)
    loaded = cli.load("chat-two-writers")
    assert loaded.title == "Renamed in this process" and loaded.title_is_custom
    assert loaded.context == {"canal": "tui"} and [m.id for m in loaded.messages()] == ["m-0", "m-l"]


def test_change_detection(stores) -> None:
    tui, cli = stores
    seeded(tui)
    ours = tui.load("chat-two-writers")
    signature = tui.signature("chat-two-writers")
    assert signature is not None and tui.reload_if_changed(ours) is None
    theirs = cli.load("chat-two-writers")
    theirs.current_session.messages.append(UserMessage("news", id="m-n", created_at=T0))
    cli.save(theirs)
    assert tui.signature("chat-two-writers") != signature
    assert tui.reload_if_changed(ours) is ours
    assert [m.id for m in ours.messages()] == ["m-0", "m-n"]
    assert tui.reload_if_changed(ours) is None
    assert tui.signature("chat-nobody") is None


def test_a_conversation_saved_with_one_id_twice_is_refused(stores) -> None:
    from tui_chat.engine.errors import StoreError

    tui, _ = stores
    conversation = seeded(tui)
    conversation.current_session.messages.append(UserMessage("again", id="m-0", created_at=T0))
    with pytest.raises(StoreError, match="twice"):
        tui.save(conversation)


def test_a_session_another_process_started_does_not_take_over_the_running_one(stores) -> None:
    tui, cli = stores
    seeded(tui)
    ours, theirs = tui.load("chat-two-writers"), cli.load("chat-two-writers")
    ours.sessions.append(Session(id="s-ours", started_at=T0.replace(hour=11)))
    theirs.sessions.append(Session(id="s-theirs", started_at=T0.replace(hour=12)))  # later, saved first
    theirs.current_session.messages.append(UserMessage("theirs", id="m-t", created_at=T0))
    cli.save(theirs)
    running = ours.current_session
    running.messages.append(UserMessage("ours", id="m-o", created_at=T0))
    tui.save(ours)
    assert ours.current_session is running
    assert [s.id for s in cli.load("chat-two-writers").sessions] == ["s-1", "s-theirs", "s-ours"]
