"""What the Workspace offers every front end (CLI, REST server, TUI) besides the TUI's own needs:
resolving an ID, the latest conversation, a limited list, exports, a new conversation for a given user,
a message with its context, and a lazily built workspace that reads without loading tools.

Real path: turns go through litellm to the scripted server over HTTP; conversations are real files.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, text

from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.errors import AmbiguousConversation, ConversationNotFound, MissingCredentials
from tui_chat.engine.events import TurnFailed
from tui_chat.engine.lookup import AMBIGUOUS_SHOWN, resolve_id
from tui_chat.engine.models import ConversationSummary
from tui_chat.engine.workspace import Workspace, build_workspace


def config_for(model: ModelSettings, **tools: object) -> Config:
    return Config(model=model, session=SessionSettings(), tools=ToolSettings(examples=False, **tools))


@pytest.fixture
def workspace(model_settings: ModelSettings, tmp_path: Path) -> Workspace:
    return build_workspace(config_for(model_settings), tmp_path / "data")


async def chat(workspace: Workspace, *messages: str) -> list[str]:
    """One new conversation per message, each with a real turn; their IDs, oldest first."""
    ids = []
    for message in messages:
        conversation = workspace.new()
        turn = workspace.send(conversation, message)
        await turn.wait()
        assert turn.outcome == "finished", turn.error
        ids.append(conversation.id)
    return ids


async def test_resolve_takes_an_exact_id_a_unique_prefix_with_or_without_its_head_or_last(
    workspace: Workspace, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(text("one"), text("two"), text("three"))
    ids = await chat(workspace, "first", "second", "third")
    assert [s.id for s in await workspace.list()] == ids[::-1]
    assert await workspace.resolve("last") == ids[2]
    for cid in ids:
        assert await workspace.resolve(cid) == cid
        assert await workspace.resolve(f"  {cid}\n") == cid
        others = [other for other in ids if other != cid]
        prefix = next(
            cid[:n] for n in range(1, len(cid) + 1) if not any(o.startswith(cid[:n]) for o in others)
        )
        assert await workspace.resolve(prefix) == cid
        tail = cid.removeprefix("chat-local-")
        short = next(
            tail[:n] for n in range(1, len(tail) + 1) if not any(o[11:].startswith(tail[:n]) for o in others)
        )
        assert await workspace.resolve(short) == cid
    with pytest.raises(AmbiguousConversation) as ambiguous:
        await workspace.resolve("chat-local-")
    assert ambiguous.value.candidates == ids[::-1]
    assert "'chat-local-' matches 3 conversations; give more of the ID" in str(ambiguous.value)
    for missing in ("chat-nobody", "", "   "):
        with pytest.raises(ConversationNotFound, match="There is no conversation"):
            await workspace.resolve(missing)


def test_an_ambiguous_prefix_names_the_first_candidates_and_counts_the_rest() -> None:
    start = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    summaries = [
        ConversationSummary(f"chat-ana-20261201-0900{i:02d}-beef", f"t{i}", start, start, "m")
        for i in range(12)
    ]
    with pytest.raises(AmbiguousConversation) as ambiguous:
        resolve_id(summaries, "2026")
    message = str(ambiguous.value)
    assert "'2026' matches 12 conversations" in message and "… and 2 more" in message
    assert sum(s.id in message for s in summaries) == AMBIGUOUS_SHOWN
    assert ambiguous.value.candidates == [s.id for s in summaries]
    assert resolve_id(summaries, "20261201-090007") == summaries[7].id
    with pytest.raises(ConversationNotFound, match="no 'last' one"):
        resolve_id([], "last")


async def test_latest_skips_a_damaged_newest_file_and_last_still_names_it(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(text("one"), text("two"))
    ids = await chat(workspace, "older", "newer")
    damaged = tmp_path / "data" / "conversations" / "chat-local-29991231-235959-dead.json"
    damaged.write_bytes(b'{"format_version": 1, "id": ')
    future = (datetime.now(UTC) + timedelta(days=1)).timestamp()
    os.utime(damaged, (future, future))
    rows = await workspace.list()
    assert rows[0].damaged and [r.id for r in rows[1:]] == ids[::-1]
    latest = await workspace.latest()
    assert latest is not None and latest.id == ids[1] and latest.messages()[-1].content == "two"
    assert await workspace.resolve("last") == damaged.stem  # as `tui-chat show last` always did
    assert damaged.read_bytes() == b'{"format_version": 1, "id": '


async def test_latest_of_an_empty_data_dir_is_none(workspace: Workspace) -> None:
    assert await workspace.latest() is None
    assert await workspace.list() == [] and (await workspace.list()).total == 0


async def test_list_limit_keeps_the_total_and_the_query_filters_titles(
    workspace: Workspace, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(text("a"), text("b"), text("c"))
    ids = await chat(workspace, "apples", "bananas", "apple pie")
    first_two = await workspace.list(limit=2)
    assert [s.id for s in first_two] == [ids[2], ids[1]] and first_two.total == 3
    apples = await workspace.list("APPLE", limit=1)
    assert [s.title for s in apples] == ["apple pie"] and apples.total == 2
    assert [s.title for s in await workspace.list("apple")] == ["apple pie", "apples"]


async def test_export_gives_the_markdown_and_the_files_json(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(text("It is **4**."))
    (cid,) = await chat(workspace, "2+2?")
    conversation = await workspace.open(cid)
    markdown = workspace.export(conversation, "md")
    assert markdown.startswith("# 2+2?") and "It is **4**." in markdown and f"`{cid}`" in markdown
    exported = json.loads(workspace.export(conversation, "json"))
    on_disk = json.loads((tmp_path / "data" / "conversations" / f"{cid}.json").read_text())
    assert exported == on_disk
    path = await workspace.export_markdown(conversation, tmp_path / "exports")
    assert path.read_text(encoding="utf-8") == markdown


async def test_new_for_a_given_user_and_send_with_context_saves_both(
    workspace: Workspace, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    scripted_server.script(text("Hola, Ana."), text("Again."))
    conversation = workspace.new(user_id="ana", context={"name": "Ana"})
    assert conversation.user_id == "ana" and conversation.id.startswith("chat-ana-")
    await workspace.send(conversation, "hola", context={"plan": "pro"}).wait()
    system = scripted_server.requests[0].body["messages"][0]["content"]
    assert '"name": "Ana"' in system and '"plan": "pro"' in system
    saved = json.loads((tmp_path / "data" / "conversations" / f"{conversation.id}.json").read_text())
    assert saved["user_id"] == "ana" and saved["context"] == {"name": "Ana", "plan": "pro"}
    await workspace.send(conversation, "again", context={"plan": "free"}).wait()  # merged, the newest wins
    assert "free" in scripted_server.requests[1].body["messages"][0]["content"]
    assert (await workspace.open(conversation.id)).context == {"name": "Ana", "plan": "free"}


async def test_a_send_without_a_key_can_keep_the_message_and_fail_the_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    workspace = build_workspace(config_for(ModelSettings(name="openai/gpt-4o-mini")), tmp_path / "data")
    conversation = workspace.new()
    with pytest.raises(MissingCredentials):
        workspace.send(conversation, "refused")
    turn = workspace.send(conversation, "kept", refuse_without_key=False)
    await turn.wait()
    (failure,) = [event for event in turn.events if isinstance(event, TurnFailed)]
    assert isinstance(failure.error, MissingCredentials) and turn.accepted
    saved = await build_workspace(workspace.config, tmp_path / "data", lazy=True).open(conversation.id)
    assert [m.content for m in saved.messages() if m.role == "user"] == ["kept"]


async def test_a_lazy_workspace_reads_without_loading_tools_then_builds_them_for_a_turn(
    model_settings: ModelSettings, scripted_server: ScriptedServer, tmp_path: Path
) -> None:
    module = tmp_path / "marked_tools.py"
    module.write_text(
        "from pathlib import Path\n"
        "Path(__file__).with_name('loaded').touch()\n"
        "from tui_chat import tool\n\n"
        "@tool\ndef noop() -> str:\n    '''Nothing.'''\n    return ''\n"
    )
    config = config_for(model_settings, modules=[str(module)])
    scripted_server.script(text("first"), text("second"))
    (cid,) = await chat(build_workspace(config, tmp_path / "data"), "hello")
    (tmp_path / "loaded").unlink()

    lazy = build_workspace(config, tmp_path / "data", lazy=True)
    assert [s.id for s in await lazy.list()] == [cid]
    opened = await lazy.open(await lazy.resolve("last"))
    assert "first" in lazy.export(opened, "md") and (await lazy.totals()).conversations == 1
    assert lazy.config is config and lazy.texts.welcome
    assert not (tmp_path / "loaded").exists(), "reading loaded the tool modules"

    await lazy.send(opened, "more").wait()  # the tools and the chat service are built now
    assert (tmp_path / "loaded").exists()
    assert [t["function"]["name"] for t in scripted_server.requests[-1].body["tools"]] == ["noop"]
    (row,) = await lazy.list()
    assert row.id == cid and row.message_count == opened.message_count() == 5
    lazy.close()


async def test_search_finds_a_reply_word_and_the_progress_counts_every_conversation(
    workspace: Workspace, scripted_server: ScriptedServer
) -> None:
    scripted_server.script(text("The zanahoria is orange."), text("Nothing here."))
    ids = await chat(workspace, "colours", "other")
    progress = await workspace.index_progress()
    assert progress.total == 2 and progress.indexed <= progress.total
    result = await workspace.search("zanahoria")
    (hit,) = list(result)
    assert hit.conversation_id == ids[0] and hit.role == "assistant" and result.index_complete
    opened = await workspace.open(hit.conversation_id)
    assert hit.message_id == opened.messages()[-1].id
    assert (await workspace.index_progress()).complete
    assert list(await workspace.search("zanahoria", role="user")) == []
