"""The seed's example tools, done honestly: real search results, a local outbox that says so."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tui_chat.engine.models import ToolCall
from tui_chat.engine.store.text_search import SearchHit
from tui_chat.engine.tools.examples import register_example_tools, store_search
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

CONTEXT = ToolContext(user_id="ana", conversation_id="c-7", session_id="s-1")
WHEN = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class FakeSearch:
    """Stands in for the store: records what was asked and answers with given hits."""

    def __init__(self, hits: list[dict[str, Any]] | None = None):
        self.hits = hits or []
        self.calls: list[tuple[str, str | None, int]] = []

    def __call__(self, query: str, *, category: str | None, limit: int) -> list[dict[str, Any]]:
        self.calls.append((query, category, limit))
        return self.hits


HIT = {
    "conversation_id": "c-1",
    "title": "Viaje a Lisboa",
    "message_id": "m-1",
    "role": "user",
    "snippet": "…billetes de tren a Lisboa…",
    "created_at": WHEN,
}


def make_registry(tmp_path: Path, search: FakeSearch | None = None, language: str = "en") -> ToolRegistry:
    registry = ToolRegistry()
    register_example_tools(
        registry,
        search=search or FakeSearch(),
        outbox_path=tmp_path / "out" / "outbox.jsonl",
        language=language,
    )
    return registry


def call(name: str, arguments: dict[str, Any]) -> ToolCall:
    return ToolCall("call-1", name, json.dumps(arguments))


def test_the_seed_names_and_parameters_are_kept(tmp_path):
    functions = {d["function"]["name"]: d["function"] for d in make_registry(tmp_path).definitions()}

    assert list(functions) == ["buscar_informacion", "enviar_notificacion"]
    search = functions["buscar_informacion"]["parameters"]
    assert list(search["properties"]) == ["consulta", "categoria"] and search["required"] == ["consulta"]
    assert search["properties"]["categoria"]["enum"] == ["conversaciones", "mensajes", "herramientas"]
    notify = functions["enviar_notificacion"]["parameters"]
    assert notify["properties"]["tipo"]["enum"] == ["email", "sms", "push"]
    assert notify["required"] == ["tipo", "mensaje", "destinatario"]


def test_descriptions_follow_the_language_but_names_do_not(tmp_path):
    english = make_registry(tmp_path, language="en").definitions()
    spanish = make_registry(tmp_path, language="es").definitions()

    assert english[0]["function"]["description"].startswith("Search the user's saved conversations")
    assert spanish[0]["function"]["description"].startswith("Busca en las conversaciones guardadas")
    assert [d["function"]["name"] for d in english] == [d["function"]["name"] for d in spanish]


def test_the_notification_description_does_not_promise_delivery(tmp_path):
    description = make_registry(tmp_path).get("enviar_notificacion").description

    assert "Nothing is actually sent" in description


async def test_search_returns_real_hits_with_title_id_snippet_and_date(tmp_path):
    registry = make_registry(tmp_path, FakeSearch([HIT]))

    message = await registry.execute(call("buscar_informacion", {"consulta": "Lisboa"}), CONTEXT)

    data = message.result["data"]
    assert data["resultados"] == [
        {
            "titulo": "Viaje a Lisboa",
            "conversacion_id": "c-1",
            "mensaje_id": "m-1",
            "rol": "user",
            "fragmento": "…billetes de tren a Lisboa…",
            "fecha": "2025-03-01T12:00:00.000Z",
        }
    ]
    assert data["total"] == 1
    assert data["mensaje"] == "Found 1 result(s) for 'Lisboa' in the saved conversations."


async def test_search_passes_the_category_to_the_search_function(tmp_path):
    search = FakeSearch()
    registry = make_registry(tmp_path, search)

    await registry.execute(
        call("buscar_informacion", {"consulta": "tren", "categoria": "herramientas"}), CONTEXT
    )

    assert search.calls == [("tren", "herramientas", 10)]


async def test_search_says_clearly_when_nothing_matched(tmp_path):
    registry = make_registry(tmp_path, FakeSearch([]), language="es")

    message = await registry.execute(call("buscar_informacion", {"consulta": "marte"}), CONTEXT)

    assert message.ok
    assert message.result["data"]["resultados"] == []
    assert message.result["data"]["mensaje"] == "Nada en las conversaciones guardadas coincide con 'marte'."


async def test_an_unknown_category_is_rejected_before_searching(tmp_path):
    search = FakeSearch()
    registry = make_registry(tmp_path, search)

    message = await registry.execute(
        call("buscar_informacion", {"consulta": "x", "categoria": "web"}), CONTEXT
    )

    assert not message.arguments_valid
    assert search.calls == []


async def test_a_blank_query_is_an_error_not_a_search(tmp_path):
    search = FakeSearch()
    registry = make_registry(tmp_path, search)

    message = await registry.execute(call("buscar_informacion", {"consulta": "   "}), CONTEXT)

    assert message.error == "consulta is empty: say what to search for."
    assert search.calls == []


async def test_notification_is_appended_to_the_outbox_and_says_nothing_left(tmp_path):
    registry = make_registry(tmp_path)
    arguments = {"tipo": "email", "mensaje": "Reunión a las 10", "destinatario": "eva@example.org"}

    message = await registry.execute(call("enviar_notificacion", arguments), CONTEXT)

    outbox = tmp_path / "out" / "outbox.jsonl"
    (record,) = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()]
    assert {key: record[key] for key in ("tipo", "mensaje", "destinatario")} == arguments
    assert record["conversation_id"] == "c-7"
    assert datetime.fromisoformat(record["time"].replace("Z", "+00:00"))
    assert message.result["data"] == {
        "delivered_to": "local outbox",
        "path": str(outbox),
        "id": record["id"],
        "tipo": "email",
        "destinatario": "eva@example.org",
        "note": "No email/SMS/push gateway is configured; nothing left this machine.",
    }


async def test_the_outbox_is_private_to_the_user(tmp_path):
    registry = make_registry(tmp_path)

    await registry.execute(
        call("enviar_notificacion", {"tipo": "sms", "mensaje": "hola", "destinatario": "1"}), CONTEXT
    )

    mode = stat.S_IMODE((tmp_path / "out" / "outbox.jsonl").stat().st_mode)
    assert mode == 0o600


async def test_each_notification_adds_one_line_with_its_own_id(tmp_path):
    registry = make_registry(tmp_path)
    for text in ("uno", "dos"):
        await registry.execute(
            call("enviar_notificacion", {"tipo": "push", "mensaje": text, "destinatario": "ana"}), CONTEXT
        )

    lines = (tmp_path / "out" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["mensaje"] for r in records] == ["uno", "dos"]
    assert records[0]["id"] != records[1]["id"]


async def test_an_unknown_notification_type_is_rejected_and_nothing_is_written(tmp_path):
    registry = make_registry(tmp_path)

    message = await registry.execute(
        call("enviar_notificacion", {"tipo": "fax", "mensaje": "x", "destinatario": "y"}), CONTEXT
    )

    assert not message.arguments_valid
    assert not (tmp_path / "out" / "outbox.jsonl").exists()


# --- the adapter from a ConversationStore ------------------------------------------------------------


class FakeStore:
    """Answers like ``ConversationStore.search``: ranked hits, optionally of one role."""

    def __init__(self) -> None:
        self.hits = [
            SearchHit("c-9", "Tren nocturno", "", "title", "Tren nocturno", WHEN),
            SearchHit("c-1", "Lisboa", "m-2", "assistant", "el tren sale", WHEN.replace(hour=13)),
            SearchHit("c-2", "Horarios", "m-3", "tool", '{"tren": "10:00"}', WHEN),
            SearchHit("c-1", "Lisboa", "m-1", "user", "tren a Lisboa", WHEN),
        ]

    def search(self, query: str, *, role: str | None = None, limit: int = 20) -> list[SearchHit]:
        return [hit for hit in self.hits if role is None or hit.role == role][:limit]


@pytest.mark.parametrize(
    ("category", "expected_ids"),
    [
        (None, [None, "m-2", "m-3", "m-1"]),
        ("conversaciones", [None]),
        ("mensajes", ["m-2", "m-1"]),
        ("herramientas", ["m-3"]),
    ],
)
def test_store_search_restricts_the_store_roles_by_category(category, expected_ids):
    search = store_search(FakeStore())

    hits = search("tren", category=category, limit=10)

    assert [hit["message_id"] for hit in hits] == expected_ids


def test_store_search_keeps_the_limit():
    search = store_search(FakeStore())

    assert len(search("tren", category="mensajes", limit=1)) == 1


async def test_buscar_informacion_finds_a_message_saved_in_a_real_store(tmp_path):
    from tui_chat.engine.models import AssistantMessage, Conversation, UserMessage
    from tui_chat.engine.store.conversation_store import ConversationStore

    store = ConversationStore(tmp_path / "data")
    conversation = Conversation(id=store.new_id("ana"), title="Vacaciones", user_id="ana", model="m")
    conversation.current_session.messages += [
        UserMessage("¿trenes a Oporto?"),
        AssistantMessage("Hay tres al día."),
    ]
    store.save(conversation)
    registry = ToolRegistry()
    register_example_tools(registry, search=store_search(store), outbox_path=tmp_path / "outbox.jsonl")

    message = await registry.execute(
        call("buscar_informacion", {"consulta": "Oporto", "categoria": "mensajes"}), CONTEXT
    )

    (hit,) = message.result["data"]["resultados"]
    assert (hit["conversacion_id"], hit["titulo"], hit["rol"]) == (conversation.id, "Vacaciones", "user")
    assert "Oporto" in hit["fragmento"]
