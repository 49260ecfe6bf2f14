"""Snapshots of the main screen at a fixed size, from deterministic seed data and a fixed clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from tests.ui.conftest import FIXED_NOW, wait_for
from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    ErrorInfo,
    Session,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_view import ChatView

SIZE = (140, 40)
OPEN_ID = "chat-local-20250314-110000-0001"


def _seed(data_dir: Path) -> None:
    store = ConversationStore(data_dir)
    titles = ["Plan the trip [bold]not bold[/]", "Refactor the parser", "Old notes"]
    for number, title in enumerate(titles, 2):
        moment = FIXED_NOW - timedelta(hours=number * 7)
        session = Session(id=f"s-{number}", started_at=moment)
        session.messages += [
            AssistantMessage(content="Welcome!", welcome=True, id=f"m-{number}a", created_at=moment),
            UserMessage(content="hello", id=f"m-{number}b", created_at=moment),
        ]
        conversation = Conversation(
            id=f"chat-local-20250314-0{number}0000-000{number}",
            title=title,
            user_id="local",
            model="openai/gpt-4o-mini",
            created_at=moment,
            last_activity=moment,
            sessions=[session],
        )
        store.save(conversation)
    start = FIXED_NOW - timedelta(hours=1)
    call = ToolCall("call_001", "get_time", '{"tz": "Europe/Madrid"}')
    first = Session(id="s-1", started_at=start)
    first.messages += [
        AssistantMessage(content="Hello! How can I help?", welcome=True, id="m-1", created_at=start),
        UserMessage(content="What time is it in Madrid? Show Python too.", id="m-2", created_at=start),
        AssistantMessage(content="", tool_calls=[call], id="m-3", created_at=start, round=1),
        ToolMessage(
            "call_001",
            "get_time",
            call.arguments,
            {"success": True, "data": {"tz": "Europe/Madrid", "time": "13:00"}},
            '{"tz": "Europe/Madrid", "time": "13:00"}',
            120.0,
            id="m-4",
            created_at=start,
            round=1,
        ),
        AssistantMessage(
            content="It is **13:00** in Madrid.\n\n```python\nfrom time import ctime\nprint(ctime())\n```",
            id="m-5",
            created_at=start,
            round=2,
        ),
    ]
    later = FIXED_NOW - timedelta(minutes=5)
    second = Session(id="s-2", started_at=later, reason="idle_reset")
    second.messages += [
        AssistantMessage(content="Hello again!", welcome=True, id="m-6", created_at=later),
        UserMessage(content="And in Tokyo?", id="m-7", created_at=later),
        AssistantMessage(
            id="m-8",
            created_at=later,
            error=ErrorInfo("timeout", "No answer in 60 s.", "Try again."),
        ),
    ]
    store.save(
        Conversation(
            id=OPEN_ID,
            title="Time zones",
            user_id="local",
            model="openai/gpt-4o-mini",
            created_at=start,
            last_activity=later,
            sessions=[first, second],
        )
    )


def test_main_screen_with_an_open_conversation(snap_compare, make_app, data_dir) -> None:
    _seed(data_dir)

    async def run_before(pilot) -> None:
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.sidebar.count == 4)
        screen.sidebar.highlight(OPEN_ID)
        screen.open_conversation(OPEN_ID)
        await wait_for(pilot, lambda: screen.conversation is not None and screen.conversation.id == OPEN_ID)
        await wait_for(pilot, lambda: pilot.app.query_one(ChatView).mounted_count > 5)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_main_screen_at_start(snap_compare, make_app, data_dir) -> None:
    _seed(data_dir)

    async def run_before(pilot) -> None:
        await pilot.pause()
        await wait_for(pilot, lambda: pilot.app.screen.sidebar.count == 4)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)
