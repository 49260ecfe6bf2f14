"""The Workspace additions the REST server stands on: ``create``, ``open(user_id=)``, ``live_sessions``;
and the server's backend on a Workspace seeing another process's messages between requests.

Real path: a workspace built as ``tui-chat serve`` builds it, turns over HTTP to the scripted server,
real files read back by a fresh store (another process).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, text

from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.errors import ConversationNotFound
from tui_chat.engine.models import AssistantMessage, Conversation, to_iso
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.workspace import Change, Workspace, build_workspace
from tui_chat.serve.backend import ChatBackend


@pytest.fixture
def workspace(model_settings: ModelSettings, tmp_path: Path) -> Iterator[Workspace]:
    config = Config(
        model=model_settings,
        session=SessionSettings(welcome_message="¡Hola! ¿En qué te ayudo?"),
        tools=ToolSettings(examples=False),
    )
    workspace = build_workspace(config, tmp_path / "data")
    yield workspace
    workspace.close()


def stored(tmp_path: Path, conversation_id: str) -> Conversation:
    store = ConversationStore(tmp_path / "data")
    try:
        return store.load(conversation_id)
    finally:
        store.close()


async def test_create_saves_the_welcome_and_context_at_once(workspace: Workspace, tmp_path: Path) -> None:
    changes: list[Change] = []
    workspace.subscribe(changes.append)
    conversation = await workspace.create(context={"name": "Ana"}, user_id="ana")
    saved = stored(tmp_path, conversation.id)
    assert saved.user_id == "ana" and saved.context == {"name": "Ana"}
    (welcome,) = saved.messages()
    assert isinstance(welcome, AssistantMessage) and welcome.welcome
    assert welcome.content == "¡Hola! ¿En qué te ayudo?"
    assert [(c.kind, c.conversation_id) for c in changes] == [("activity", conversation.id)]
    assert [s.id for s in await workspace.list()] == [conversation.id]
    assert workspace.new(user_id="bob").id not in {s.id for s in await workspace.list()}  # new(): no file


async def test_open_for_a_user_refuses_another_users_conversation_like_an_unknown_one(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(text("hola"))
    conversation = workspace.new(user_id="ana")
    await workspace.send(conversation, "mi secreto").wait()
    conversation_id = conversation.id
    del conversation  # a fresh open reads the file
    assert (await workspace.open(conversation_id, user_id="ana")).id == conversation_id
    with pytest.raises(ConversationNotFound) as refused:
        await workspace.open(conversation_id, user_id="bob")
    assert "mi secreto" not in str(refused.value)
    with pytest.raises(ConversationNotFound):
        await workspace.open("chat-ana-00000000-000000-nope", user_id="ana")
    assert (await workspace.open(conversation_id)).user_id == "ana"  # no user: any owner
    assert stored(tmp_path, conversation_id).messages()[-1].content == "hola"  # nothing written


async def test_live_sessions_are_the_conversations_within_the_idle_reset(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(text("uno"), text("dos"))
    first = await workspace.create(user_id="ana")
    await workspace.send(first, "hola").wait()
    second = workspace.new(user_id="bob")
    await workspace.send(second, "buenas").wait()

    live = await workspace.live_sessions()
    assert [s.conversation_id for s in live] == [second.id, first.id]  # newest activity first
    assert [(s.user_id, s.message_count) for s in live] == [("bob", 2), ("ana", 2)]  # welcome not counted
    assert to_iso(live[1].started_at) == to_iso(first.sessions[-1].started_at)  # as stored: milliseconds
    assert to_iso(live[1].last_activity) == to_iso(first.last_activity)

    store = ConversationStore(tmp_path / "data")  # another process: first went idle 21 minutes ago
    idle = store.load(first.id)
    idle.last_activity -= timedelta(minutes=21)
    store.save(idle)
    store.close()
    assert [s.conversation_id for s in await workspace.live_sessions()] == [second.id]

    off = replace(workspace.config, session=replace(workspace.config.session, idle_reset_minutes=0))
    workspace.use_config(off)  # the reset off: every conversation's session stays live
    assert {s.conversation_id for s in await workspace.live_sessions()} == {first.id, second.id}


async def test_a_served_conversation_continued_by_another_process_is_read_anew(
    workspace: Workspace, scripted_server: ScriptedServer, model_settings: ModelSettings, tmp_path: Path
) -> None:
    """The server holds a conversation only while a request runs: the next request sees what the CLI
    (another process, another workspace) added in between, and the model is sent all of it."""
    backend = ChatBackend(workspace)

    async def request(conversation_id: str | None, message: str) -> str:
        async with backend.turn("ana", conversation_id, None) as turn:
            async with aclosing(turn.send(message)) as events:
                async for _ in events:
                    pass
            return turn.conversation_id

    conversation_id = await request(None, "uno")
    config = Config(model=model_settings, tools=ToolSettings(examples=False))
    other = build_workspace(config, tmp_path / "data")  # the CLI: another workspace on the data dir
    await other.send(await other.open(conversation_id), "dos, desde la terminal").wait()
    other.close()
    assert await request(conversation_id, "tres") == conversation_id
    sent = scripted_server.requests[-1].body["messages"]
    assert [m["content"] for m in sent if m["role"] == "user"] == ["uno", "dos, desde la terminal", "tres"]
    users = [m.content for m in stored(tmp_path, conversation_id).messages() if m.role == "user"]
    assert users == ["uno", "dos, desde la terminal", "tres"]
