"""One seeded data dir for the screen tests: a "time zones" conversation (a tool call, an idle reset, a
timed-out reply) and a few older ones, written in the language a test needs (the snapshots in English
and Spanish, the pseudo-language tour in Greek, whose words can never pass for untranslated English)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tests.ui.conftest import FIXED_NOW
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

OPEN_ID = "chat-local-20250314-110000-0001"


@dataclass(frozen=True)
class SeedTexts:
    title: str
    welcome: str
    question: str
    answer: str
    welcome_again: str
    follow_up: str
    error_detail: str
    error_hint: str
    older_titles: tuple[str, ...]
    older_welcome: str
    older_message: str


ENGLISH = SeedTexts(
    title="Time zones",
    welcome="Hello! How can I help?",
    question="What time is it in Madrid? Show Python too.",
    answer="It is **13:00** in Madrid.\n\n```python\nfrom time import ctime\nprint(ctime())\n```",
    welcome_again="Hello again!",
    follow_up="And in Tokyo?",
    error_detail="No answer in 60 s.",
    error_hint="Try again.",
    older_titles=("Plan the trip [bold]not bold[/]", "Refactor the parser", "Old notes"),
    older_welcome="Welcome!",
    older_message="hello",
)
SPANISH = SeedTexts(
    title="Zonas horarias",
    welcome="¡Hola! Soy tu asistente virtual. ¿En qué puedo ayudarte hoy?",
    question="¿Qué hora es en Madrid?",
    answer="En Madrid son las **13:00**.",
    welcome_again="¡Hola de nuevo!",
    follow_up="¿Y en Tokio?",
    error_detail="Sin respuesta en 60 s.",
    error_hint="Vuelve a intentarlo.",
    older_titles=("Plan del viaje a Lisboa", "Refactorizar el analizador"),
    older_welcome="¡Bienvenido!",
    older_message="hola",
)
GREEK = SeedTexts(
    title="Ζώνες ώρας",
    welcome="Γειά σου!",
    question="Τι ώρα είναι στη Μαδρίτη;",
    answer="Είναι **13:00**.",
    welcome_again="Γειά σου ξανά!",
    follow_up="Και στο Τόκιο;",
    error_detail="Καμία απάντηση.",
    error_hint="Ξανά.",
    older_titles=("Ταξίδι", "Σημειώσεις"),
    older_welcome="Καλώς ήρθες!",
    older_message="γειά",
)


def seed(data_dir: Path, texts: SeedTexts = ENGLISH) -> None:
    store = ConversationStore(data_dir)
    for number, title in enumerate(texts.older_titles, 2):
        moment = FIXED_NOW - timedelta(hours=number * 7)
        session = Session(id=f"s-{number}", started_at=moment)
        session.messages += [
            AssistantMessage(content=texts.older_welcome, welcome=True, id=f"m-{number}a", created_at=moment),
            UserMessage(content=texts.older_message, id=f"m-{number}b", created_at=moment),
        ]
        store.save(_conversation(f"chat-local-20250314-0{number}0000-000{number}", title, [session]))
    start = FIXED_NOW - timedelta(hours=1)
    call = ToolCall("call_001", "get_time", '{"tz": "Europe/Madrid"}')
    first = Session(id="s-1", started_at=start)
    first.messages += [
        AssistantMessage(content=texts.welcome, welcome=True, id="m-1", created_at=start),
        UserMessage(content=texts.question, id="m-2", created_at=start),
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
        AssistantMessage(content=texts.answer, id="m-5", created_at=start, round=2),
    ]
    later = FIXED_NOW - timedelta(minutes=5)
    second = Session(id="s-2", started_at=later, reason="idle_reset")
    second.messages += [
        AssistantMessage(content=texts.welcome_again, welcome=True, id="m-6", created_at=later),
        UserMessage(content=texts.follow_up, id="m-7", created_at=later),
        AssistantMessage(
            id="m-8", created_at=later, error=ErrorInfo("timeout", texts.error_detail, texts.error_hint)
        ),
    ]
    store.save(_conversation(OPEN_ID, texts.title, [first, second]))


def _conversation(conversation_id: str, title: str, sessions: list[Session]) -> Conversation:
    return Conversation(
        id=conversation_id,
        title=title,
        user_id="local",
        model="openai/gpt-4o-mini",
        created_at=sessions[0].started_at,
        last_activity=sessions[-1].started_at,
        sessions=sessions,
    )
