"""The Workspace (engine/workspace.py) and running turns (engine/turns.py), without a UI.

Real path: ChatService → litellm → the scripted server over HTTP, real files in tmp_path.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, slow_stream, text

from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.errors import MissingCredentials
from tui_chat.engine.events import TextDelta, TurnStarted
from tui_chat.engine.models import AssistantMessage, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.workspace import Change, Workspace, workspace_for


@pytest.fixture
def workspace(model_settings: ModelSettings, tmp_path: Path) -> Workspace:
    config = Config(model=model_settings, session=SessionSettings(), tools=ToolSettings(examples=False))
    chat = ChatService(config, ConversationStore(tmp_path / "data"), ToolRegistry())
    return workspace_for(chat, tmp_path / "data")


async def until(predicate, timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_a_view_attaching_late_gets_the_reply_so_far_then_the_rest(
    workspace: Workspace, scripted_server: ScriptedServer
) -> None:
    words = [f"w{i} " for i in range(40)]
    scripted_server.script(slow_stream(words, 0.03))
    conversation = workspace.new()
    turn = workspace.send(conversation, "talk")
    await until(lambda: sum(isinstance(e, TextDelta) for e in turn.events) >= 10)
    seen = [event async for event in turn.follow()]
    assert isinstance(seen[0], TurnStarted)
    assert "".join(e.text for e in seen if isinstance(e, TextDelta)) == "".join(words)
    deltas = sum(isinstance(e, TextDelta) for e in seen)
    assert deltas < sum(isinstance(e, TextDelta) for e in turn.events)  # the backlog came merged
    assert turn.outcome == "finished" and workspace.turn(conversation.id) is None
    assert [s.title for s in await workspace.list()] == ["talk"]


async def test_a_rename_during_a_reply_is_kept_by_the_turns_later_saves(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(slow_stream([f"w{i} " for i in range(30)], 0.03))
    changes: list[Change] = []
    workspace.subscribe(changes.append)
    conversation = workspace.new()
    turn = workspace.send(conversation, "first words")
    await until(lambda: turn.accepted)
    assert conversation.id in workspace.running_ids
    summary = await workspace.rename(conversation.id, "Renamed meanwhile")
    assert summary.title == "Renamed meanwhile"
    await turn.wait()
    saved = ConversationStore(tmp_path / "data").load(conversation.id)
    assert saved.title == "Renamed meanwhile" and saved.messages()[-1].content.startswith("w0 w1")
    kinds = [change.kind for change in changes]
    assert "renamed" in kinds and "activity" in kinds and kinds.count("marks") >= 2
    assert conversation.id in workspace.unseen_ids  # nobody was viewing it
    workspace.viewing(conversation.id)
    assert workspace.unseen_ids == set()


async def test_another_writer_is_noticed_and_own_saves_are_not(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(text("Mine."))
    conversation = workspace.new()
    await workspace.send(conversation, "hello").wait()
    assert await workspace.reload_if_changed(conversation) is None  # first look: remembers the file
    assert await workspace.reload_if_changed(conversation) is None
    other = ConversationStore(tmp_path / "data")
    theirs = other.load(conversation.id)
    theirs.current_session.messages += [UserMessage(content="theirs"), AssistantMessage(content="ok")]
    await asyncio.to_thread(other.save, theirs)
    fresh = await workspace.reload_if_changed(conversation)
    assert fresh is not None and [m.content for m in fresh.messages()][-2:] == ["theirs", "ok"]
    assert await workspace.open(conversation.id) is fresh  # one object per conversation from now on
    await workspace.set_context(fresh, {"name": "Ana"})  # our own save
    assert await workspace.reload_if_changed(fresh) is None
    assert await workspace.reload_if_changed(fresh) is None


async def test_a_send_without_a_key_is_refused_before_anything_changes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = Config(model=ModelSettings(name="openai/gpt-4o-mini"), tools=ToolSettings(examples=False))
    chat = ChatService(config, ConversationStore(tmp_path / "data"), ToolRegistry())
    workspace = workspace_for(chat, tmp_path / "data")
    conversation = workspace.new()
    with pytest.raises(MissingCredentials, match="OPENAI_API_KEY"):
        workspace.send(conversation, "hello?")
    assert conversation.message_count() == 1 and workspace.running_ids == set()
    assert await workspace.list() == []


async def test_stop_all_saves_every_running_reply_interrupted(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    long = [f"w{i} " for i in range(400)]
    scripted_server.script(slow_stream(long, 0.03), slow_stream(long, 0.03))
    first, second = workspace.new(), workspace.new()
    turns = [workspace.send(first, "one"), workspace.send(second, "two")]
    await until(lambda: all("w2" in t.conversation.messages()[-1].content for t in turns))
    assert await workspace.stop_all() == 2
    store = ConversationStore(tmp_path / "data")
    for conversation in (first, second):
        reply = store.load(conversation.id).messages()[-1]
        assert reply.interrupted and reply.content.startswith("w0 w1 w2")
    assert [t.outcome for t in turns] == ["interrupted", "interrupted"]
