"""The search screen, the list's cold start and polling, driven with the pilot on real files and SQLite."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Input, OptionList, Static

from tests.ui.conftest import FIXED_NOW, screen_text, wait_for
from tests.ui.seed_data import OPEN_ID, seed
from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    Session,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.store.session_file import ConversationEncoder
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.search import SearchScreen
from tui_chat.ui.widgets.chat_view import ChatView
from tui_chat.ui.widgets.conversation_list import ConversationList

SIZE = (120, 36)


def long_conversation(conversation_id: str, hours_ago: float, turns: int, *, word: str) -> Conversation:
    """``turns`` question/answer pairs; the first answer holds ``word`` and a tool round fails."""
    start = FIXED_NOW - timedelta(hours=hours_ago)
    session = Session(id="s-1", started_at=start)
    for number in range(turns):
        moment = start + timedelta(minutes=number)
        answer = f"Respuesta {number} sobre {word}" if number == 0 else f"Respuesta {number}"
        session.messages += [
            UserMessage(f"Pregunta {number}", id=f"m-u{number}", created_at=moment),
            AssistantMessage(answer, id=f"m-a{number}", created_at=moment),
        ]
    call = ToolCall("call_x", "consultar", '{"q": "tiempo"}')
    moment = start + timedelta(minutes=turns)
    session.messages += [
        AssistantMessage("", [call], id="m-call", created_at=moment),
        ToolMessage(
            "call_x", "consultar", call.arguments, {"success": False, "error": "sin red"}, "sin red", 5.0,
            id="m-tool", created_at=moment, error="sin red: berenjena", error_kind="exception",
        ),
    ]  # fmt: skip
    return Conversation(
        id=conversation_id, title=f"Charla {conversation_id[-2:]}", user_id="local",
        model="openai/gpt-4o-mini", created_at=start, last_activity=moment, sessions=[session],
    )  # fmt: skip


async def open_search(pilot, app) -> SearchScreen:
    await pilot.press("ctrl+f")
    await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
    return app.screen


def results(screen: SearchScreen) -> OptionList:
    return screen.query_one("#search-results", OptionList)


async def test_search_finds_replies_and_tool_errors_and_opens_the_message(make_app, data_dir: Path) -> None:
    store = ConversationStore(data_dir)
    store.save(long_conversation("chat-local-01", 5, 60, word="berenjena"))
    store.save(long_conversation("chat-local-02", 2, 3, word="calabaza"))
    store.close()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        assert isinstance(main, MainScreen)
        await wait_for(pilot, lambda: main.sidebar.count == 2)
        screen = await open_search(pilot, app)
        await pilot.press(*"berenjena")
        await wait_for(pilot, lambda: results(screen).option_count == 3)
        # Newest first: the failed call of the newer conversation, then the older one's error and reply.
        assert [(h.conversation_id, h.message_id) for h in screen._hits] == [
            ("chat-local-02", "m-tool"), ("chat-local-01", "m-tool"), ("chat-local-01", "m-a0"),
        ]  # fmt: skip
        status = str(screen.query_one("#search-status", Static).render())
        assert "3 matches" in status
        await pilot.press("ctrl+o")  # errors only
        await wait_for(pilot, lambda: results(screen).option_count == 2)
        await pilot.press("ctrl+r", "ctrl+r")  # role: user, then assistant
        await wait_for(pilot, lambda: results(screen).option_count == 0)
        assert "No matches" in str(screen.query_one("#search-status", Static).render())
        await pilot.press("ctrl+r", "ctrl+r", "ctrl+r", "ctrl+o")  # tool, title, all; errors off
        await wait_for(pilot, lambda: results(screen).option_count == 3)
        await pilot.press("down", "down", "down", "enter")  # the oldest hit: the first reply of 120
        await wait_for(pilot, lambda: app.screen is main)
        await wait_for(
            pilot, lambda: main.conversation is not None and main.conversation.id == "chat-local-01"
        )
        chat = main.query_one(ChatView)
        await wait_for(pilot, lambda: len(chat.query(".-search-hit")) == 1)
        (hit,) = chat.query(".-search-hit")
        assert hit.message.id == "m-a0"  # mounted although it was far above the first window
        await wait_for(
            pilot, lambda: chat.scroll_offset.y <= hit.virtual_region.y <= chat.scroll_offset.y + 5
        )


async def test_slash_in_the_list_opens_search_and_no_matches_is_said(make_app, data_dir: Path) -> None:
    seed(data_dir)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        await wait_for(pilot, lambda: main.sidebar.count == 4)
        await pilot.press("ctrl+l", *"zzz")
        empty = main.query_one("#list-empty", Static)
        await wait_for(pilot, lambda: empty.display)
        await wait_for(pilot, lambda: "No matches for “zzz”" in screen_text(app))
        assert "ctrl+f to search" in screen_text(app)
        await pilot.press("ctrl+u")
        await wait_for(pilot, lambda: not empty.display)
        await pilot.press("/")
        screen = await open_search(pilot, app)
        await pilot.press(*"madrid")
        await wait_for(pilot, lambda: results(screen).option_count >= 1)
        assert screen._hits[0].conversation_id == OPEN_ID
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is main)


async def test_a_conversation_another_process_writes_appears_in_the_open_list(
    make_app, data_dir: Path
) -> None:
    seed(data_dir)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        await wait_for(pilot, lambda: main.sidebar.count == 4)
        other = long_conversation("chat-other-99", 0.5, 2, word="pepino")
        other.title = "Written by another process"
        path = data_dir / "conversations" / f"{other.id}.json"
        path.write_bytes(ConversationEncoder().encode(other).data)  # directly, as another process would
        await wait_for(pilot, lambda: main.sidebar.count == 5)
        await wait_for(pilot, lambda: "Written by another" in screen_text(app))
        path.unlink()
        await wait_for(pilot, lambda: main.sidebar.count == 4)


async def test_cold_start_shows_rows_in_batches_with_progress_then_indexes(
    make_app, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = data_dir / "conversations"
    folder.mkdir(parents=True)
    for number in range(140):
        item = long_conversation(f"chat-cold-{number:03d}", 300 - number, 1, word=f"palabra{number}")
        path = folder / f"{item.id}.json"
        path.write_bytes(ConversationEncoder().encode(item).data)
        os.utime(path, ns=(1_700_000_000_000_000_000 + number * 10**9,) * 2)
    events: list[tuple[str, int, int, list[str]]] = []
    original = ConversationList.post_message

    def record(self: ConversationList, message: Message) -> bool:
        if isinstance(message, ConversationList.Progressed):
            events.append((message.stage, message.read, message.total, [s.id for s in self._summaries]))
        return original(self, message)

    monkeypatch.setattr(ConversationList, "post_message", record)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main = app.screen
        await wait_for(pilot, lambda: main.sidebar.count == 140)
        store = ConversationStore(data_dir)  # another connection to the same index
        await wait_for(pilot, lambda: store.text_progress().complete)
        await wait_for(pilot, lambda: main.sidebar.query_one("#list-status").display is False)
    reading = [event for event in events if event[0] == "reading"]
    # The first rows came before all the files were read: the newest files, at the top, growing.
    assert len(reading) >= 2 and reading[-1][1:3] == (140, 140)
    _, first_read, _, first_rows = reading[0]
    assert 0 < first_read < 140 and len(first_rows) == first_read
    assert first_rows[0] == "chat-cold-139" and set(first_rows) == {
        f"chat-cold-{n:03d}" for n in range(140 - first_read, 140)
    }
    assert [event[1] for event in reading] == sorted(event[1] for event in reading)
    # The full-text pass comes after every summary, with its own progress.
    indexing = [n for n, event in enumerate(events) if event[0] == "indexing"]
    assert indexing and min(indexing) > events.index(reading[-1])


def test_search_screen_snapshot(snap_compare, make_app, data_dir: Path) -> None:
    seed(data_dir)

    async def run_before(pilot) -> None:
        await pilot.pause()
        app = pilot.app
        await wait_for(pilot, lambda: app.screen.sidebar.count == 4)
        screen = await open_search(pilot, app)
        screen.query_one("#search-query", Input).cursor_blink = False
        await pilot.press(*"hello")
        await wait_for(pilot, lambda: results(screen).option_count == 5)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(110, 32), run_before=run_before)
