"""Snapshots of the main screen and the help screen with ``language = "es"``: every text around the
conversation (list, labels, times, the tool call, the inspector, the footer, the help's key list) is
Spanish, and nothing is cut off. The conversation itself is written in Spanish, as its users would."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from panel_fixtures import ScreenApp

from tests.ui.conftest import FIXED_NOW, wait_for
from tests.ui.test_snapshots_panels import settle
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
from tui_chat.i18n import set_language
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_view import ChatView

OPEN_ID = "chat-local-20250314-110000-0001"


def _seed(data_dir: Path) -> None:
    store = ConversationStore(data_dir)
    for number, title in enumerate(["Plan del viaje a Lisboa", "Refactorizar el analizador"], 2):
        moment = FIXED_NOW - timedelta(hours=number * 7)
        session = Session(id=f"s-{number}", started_at=moment)
        session.messages += [UserMessage(content="hola", id=f"m-{number}", created_at=moment)]
        store.save(
            Conversation(
                id=f"chat-local-20250314-0{number}0000-000{number}",
                title=title,
                user_id="local",
                model="openai/gpt-4o-mini",
                created_at=moment,
                last_activity=moment,
                sessions=[session],
            )
        )
    start = FIXED_NOW - timedelta(hours=1)
    call = ToolCall("call_001", "get_time", '{"tz": "Europe/Madrid"}')
    first = Session(id="s-1", started_at=start)
    first.messages += [
        AssistantMessage(
            content="¡Hola! Soy tu asistente virtual. ¿En qué puedo ayudarte hoy?",
            welcome=True,
            id="m-1",
            created_at=start,
        ),
        UserMessage(content="¿Qué hora es en Madrid?", id="m-2", created_at=start),
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
        AssistantMessage(content="En Madrid son las **13:00**.", id="m-5", created_at=start, round=2),
    ]
    later = FIXED_NOW - timedelta(minutes=5)
    second = Session(id="s-2", started_at=later, reason="idle_reset")
    second.messages += [
        UserMessage(content="¿Y en Tokio?", id="m-7", created_at=later),
        AssistantMessage(
            id="m-8",
            created_at=later,
            error=ErrorInfo("timeout", "Sin respuesta en 60 s.", "Vuelve a intentarlo."),
        ),
    ]
    store.save(
        Conversation(
            id=OPEN_ID,
            title="Zonas horarias",
            user_id="local",
            model="openai/gpt-4o-mini",
            created_at=start,
            last_activity=later,
            sessions=[first, second],
        )
    )


def test_main_screen_in_spanish(snap_compare: Any, make_app, data_dir) -> None:
    _seed(data_dir)

    async def run_before(pilot) -> None:
        screen = pilot.app.screen
        assert isinstance(screen, MainScreen)
        await wait_for(pilot, lambda: screen.query("#sidebar") and screen.sidebar.count == 3)
        screen.sidebar.highlight(OPEN_ID)
        screen.open_conversation(OPEN_ID)
        await wait_for(pilot, lambda: screen.conversation is not None and screen.conversation.id == OPEN_ID)
        await wait_for(pilot, lambda: pilot.app.query_one(ChatView).mounted_count > 5)
        await pilot.pause(0.3)

    assert snap_compare(make_app(language="es"), terminal_size=(140, 40), run_before=run_before)


def test_help_screen_in_spanish(snap_compare: Any) -> None:
    set_language("es")  # as the Workspace sets it from [session] language (reset after each test)
    assert snap_compare(ScreenApp(HelpScreen()), terminal_size=(100, 80), run_before=settle)
