"""ConversationStore: files are the truth, the index is a cache, damaged files are never touched."""

from __future__ import annotations

import json
import os
import stat
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest

from tui_chat.engine.errors import ConversationNotFound, DamagedConversation, StoreWriteFailed
from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    ErrorInfo,
    RoundRecord,
    Session,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)
from tui_chat.engine.store import index_db
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.store.schema import SCHEMA_PATH

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rich_conversation(conversation_id: str = "chat-ana-20260301-090000-abcd") -> Conversation:
    """Every kind of message and optional field, across two sessions."""
    call = ToolCall("call_1", "buscar_informacion", '{"consulta": "horario de la biblioteca"}')
    bad_call = ToolCall("call_2", "enviar_notificacion", '{"destinatario": ')
    request = RoundRecord(
        system_prompt="Eres un asistente.",
        message_ids=["m-u1"],
        tools_hash="h-1",
        params={"model": "gpt-4o-mini", "temperature": 0.0, "max_tokens": 1000},
        started_at=at(1),
        first_token_ms=180.5,
        duration_ms=950.25,
        raw_reply={"finish_reason": "tool_calls", "usage": {"prompt_tokens": 120}},
        attempts=2,
    )
    first = Session(
        id="s-1",
        started_at=at(0),
        messages=[
            AssistantMessage("¡Hola! ¿En qué puedo ayudarte?", id="m-w", created_at=at(0), welcome=True),
            UserMessage("¿Cuál es el horario de la biblioteca?", id="m-u1", created_at=at(1)),
            AssistantMessage(
                "",
                tool_calls=[call, bad_call],
                id="m-a1",
                created_at=at(1),
                model="gpt-4o-mini",
                usage=Usage(120, 30, 0.0002),
                finish_reason="tool_calls",
                turn_id="t-1",
                round=1,
                request=request,
            ),
            ToolMessage(
                "call_1",
                "buscar_informacion",
                call.arguments,
                {"success": True, "data": {"horario": "9:00-21:00"}},
                '{"success": true, "data": {"horario": "9:00-21:00"}}',
                12.3456,
                id="m-t1",
                created_at=at(1.1),
                started_at=at(1.05),
                truncated=True,
                turn_id="t-1",
                round=1,
            ),
            ToolMessage(
                "call_2",
                "enviar_notificacion",
                bad_call.arguments,
                {"success": False, "error": "invalid arguments"},
                '{"success": false, "error": "invalid arguments"}',
                0.5,
                id="m-t2",
                created_at=at(1.1),
                error="invalid arguments",
                traceback="Traceback (most recent call last): ...",
                arguments_valid=False,
                turn_id="t-1",
                round=1,
            ),
            AssistantMessage(
                "La biblioteca abre de 9:00 a 21:00.",
                id="m-a2",
                created_at=at(2),
                model="gpt-4o-mini",
                usage=Usage(200, 15),
                finish_reason="stop",
                turn_id="t-1",
                round=2,
            ),
        ],
    )
    second = Session(
        id="s-2",
        started_at=at(40),
        reason="idle_reset",
        messages=[
            UserMessage("Cuéntame un cuento largo", id="m-u2", created_at=at(40)),
            AssistantMessage(
                "Había una vez",
                id="m-a3",
                created_at=at(40.5),
                model="gpt-4o-mini",
                error=ErrorInfo("timeout", "The model stopped answering.", hint="Try again."),
                interrupted=True,
                partial=True,
            ),
        ],
    )
    return Conversation(
        id=conversation_id,
        title="Horario de la biblioteca",
        user_id="ana",
        model="gpt-4o-mini",
        created_at=at(0),
        last_activity=at(40.5),
        context={"canal": "web"},
        sessions=[first, second],
        tool_definitions={"h-1": [{"type": "function", "function": {"name": "buscar_informacion"}}]},
    )


def simple_conversation(conversation_id: str, title: str, minutes: float, text: str = "hola") -> Conversation:
    return Conversation(
        id=conversation_id,
        title=title,
        user_id="local",
        model="m",
        created_at=at(minutes),
        last_activity=at(minutes),
        sessions=[
            Session(
                id="s", started_at=at(minutes), messages=[UserMessage(text, id="m-1", created_at=at(minutes))]
            )
        ],
    )


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    store = ConversationStore(tmp_path / "data")
    yield store
    store.close()


def schema_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_round_trip_of_every_message_kind_validates_against_the_schema(store: ConversationStore) -> None:
    conversation = rich_conversation()
    store.save(conversation)

    loaded = store.load(conversation.id)
    expected = conversation.to_dict()
    del expected["sessions"][1]["messages"][1]["partial"]  # models.py: partial on disk reads as interrupted
    assert loaded.to_dict() == expected
    data = json.loads(store.path_of(conversation.id).read_text(encoding="utf-8"))
    assert data["format_version"] == 1
    assert list(schema_validator().iter_errors(data)) == []
    assert "¿Cuál es el horario" in store.path_of(conversation.id).read_text(
        encoding="utf-8"
    )  # readable UTF-8


def test_saving_again_after_changes_writes_exactly_the_model(store: ConversationStore) -> None:
    """The fragment cache must never write a stale message, old (cached) or recent."""
    conversation = rich_conversation()
    conversation.sessions[1].messages[1].partial = False
    conversation.sessions[1].messages[1:1] = [UserMessage(f"relleno {n}", id=f"m-f{n}") for n in range(20)]
    store.save(conversation)
    old = conversation.sessions[0].messages[1]
    old.content = "edited long after"  # an attribute replaced on an old message
    tail = conversation.sessions[1].messages[-1]
    tail.content += " un dragón"  # the streaming message grows
    conversation.sessions[1].messages.append(UserMessage("otra", id="m-u3", created_at=at(41)))
    del conversation.sessions[0].messages[0]
    store.save(conversation)
    assert store.load(conversation.id).to_dict() == conversation.to_dict()
    assert [hit.message_id for hit in store.search("dragón")] == ["m-a3"]
    assert store.search("edited long after")[0].message_id == "m-u1"
    assert store.search("Hola ayudarte") == []  # the removed welcome left the search index


def test_no_api_key_reaches_the_file(store: ConversationStore) -> None:
    conversation = rich_conversation()
    conversation.sessions[0].messages[2].request.params.update(api_key="sk-secret", Authorization="Bearer x")
    store.save(conversation)
    text = store.path_of(conversation.id).read_text()
    assert "sk-secret" not in text and "Bearer" not in text
    assert '"max_tokens": 1000' in text


def test_writes_are_atomic_and_private(store: ConversationStore, tmp_path: Path, monkeypatch) -> None:
    conversation = rich_conversation()
    store.save(conversation)
    store.save(conversation)
    data_dir = tmp_path / "data"
    assert os.listdir(store.conversations_dir) == [f"{conversation.id}.json"]
    for folder in (data_dir, store.conversations_dir, store.trash_dir):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path_of(conversation.id).stat().st_mode) == 0o600
    for name in ("index.sqlite3", "index.sqlite3-wal", "index.sqlite3-shm"):
        assert stat.S_IMODE((data_dir / name).stat().st_mode) == 0o600, name

    before = store.path_of(conversation.id).read_bytes()
    conversation.title = "never written"

    def crash(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(StoreWriteFailed, match=r"Could not save .*chat-ana"):
        store.save(conversation)
    assert store.path_of(conversation.id).read_bytes() == before
    assert os.listdir(store.conversations_dir) == [f"{conversation.id}.json"]


def write_damaged(store: ConversationStore) -> dict[str, bytes]:
    good = rich_conversation("chat-bad-schema").to_dict()
    good["sessions"][0]["messages"][2]["usage"]["prompt_tokens"] = "many"
    newer = rich_conversation("chat-newer").to_dict()
    newer["format_version"] = 99
    newer["shiny_new_field"] = True
    files = {
        "chat-bad-json": b'{"format_version": 1,\n  "id": "chat-bad-json",\n  "title": }',
        "chat-bad-schema": json.dumps(good).encode(),
        "chat-newer": json.dumps(newer).encode(),
    }
    for name, raw in files.items():
        (store.conversations_dir / f"{name}.json").write_bytes(raw)
    return files


def test_damaged_files_are_listed_with_reasons_and_never_touched(store: ConversationStore) -> None:
    store.save(simple_conversation("chat-good", "Good one", 5))
    files = write_damaged(store)

    listed = {summary.id: summary for summary in store.list_conversations()}
    assert listed["chat-good"].damaged is None
    assert "invalid JSON at line 3, column 12" in listed["chat-bad-json"].damaged
    assert "sessions[0].messages[2].usage.prompt_tokens" in listed["chat-bad-schema"].damaged
    assert "newer tui-chat (format_version 99" in listed["chat-newer"].damaged
    assert store.totals().damaged == 3

    for name, raw in files.items():
        with pytest.raises(DamagedConversation) as caught:
            store.load(name)
        assert caught.value.detail == listed[name].damaged
        with pytest.raises(DamagedConversation):
            store.save(rich_conversation(name))
        with pytest.raises(DamagedConversation):
            store.delete(name)
        assert (store.conversations_dir / f"{name}.json").read_bytes() == raw


def test_jsonschema_agrees_with_the_models(store: ConversationStore) -> None:
    write_damaged(store)
    validator = schema_validator()
    bad = json.loads((store.conversations_dir / "chat-bad-schema.json").read_text())
    assert not validator.is_valid(bad)
    unknown_field = rich_conversation().to_dict()
    unknown_field["sessions"][1]["messages"][0]["mood"] = "happy"
    assert not validator.is_valid(unknown_field)
    (store.conversations_dir / "chat-unknown.json").write_text(
        json.dumps({**unknown_field, "id": "chat-unknown"})
    )
    with pytest.raises(DamagedConversation, match=r"sessions\[1\]\.messages\[0\]: unknown field 'mood'"):
        store.load("chat-unknown")


def test_a_damaged_file_saved_over_is_detected_even_when_the_index_does_not_know(
    store: ConversationStore,
) -> None:
    conversation = simple_conversation("chat-x", "X", 1)
    store.save(conversation)
    path = store.path_of("chat-x")
    path.write_bytes(b"{ broken")
    with pytest.raises(DamagedConversation):
        store.save(conversation)
    assert path.read_bytes() == b"{ broken"


@pytest.mark.parametrize("damage", ["delete", "corrupt"])
def test_index_is_rebuilt_when_missing_or_corrupt(tmp_path: Path, damage: str) -> None:
    data_dir = tmp_path / "data"
    store = ConversationStore(data_dir)
    for number in range(3):
        store.save(simple_conversation(f"chat-{number}", f"Title {number}", number, text=f"palabra{number}"))
    store.close()
    for suffix in ("", "-wal", "-shm"):
        index = Path(f"{data_dir / 'index.sqlite3'}{suffix}")
        if index.exists():
            if damage == "delete":
                index.unlink()
            else:
                index.write_bytes(b"this is not a database" * 100)

    store = ConversationStore(data_dir)
    assert [summary.id for summary in store.list_conversations()] == ["chat-2", "chat-1", "chat-0"]
    assert store.search("palabra1")[0].conversation_id == "chat-1"
    store.close()


def test_changes_behind_the_store_show_up(store: ConversationStore) -> None:
    for number in range(3):
        store.save(simple_conversation(f"chat-{number}", f"Title {number}", number))
    assert len(store.list_conversations()) == 3

    path = store.path_of("chat-1")
    data = json.loads(path.read_text())
    data["title"] = "Edited by hand"
    data["last_activity"] = "2026-04-01T00:00:00.000Z"
    data["sessions"][0]["messages"][0]["content"] = "zanahoria"
    path.write_text(json.dumps(data))
    other = json.loads(path.read_text())
    other["id"] = "chat-new"
    (store.conversations_dir / "chat-new.json").write_text(json.dumps(other))
    store.path_of("chat-0").unlink()

    listed = store.list_conversations()
    assert [summary.id for summary in listed] == ["chat-1", "chat-new", "chat-2"]
    assert listed[0].title == "Edited by hand"
    assert {hit.conversation_id for hit in store.search("zanahoria")} == {"chat-1", "chat-new"}
    assert store.list_conversations("EDITED") == [listed[0], listed[1]]


def test_rename_sets_a_custom_title(store: ConversationStore) -> None:
    store.save(rich_conversation())
    store.rename(rich_conversation().id, "Biblioteca: horarios")
    loaded = store.load(rich_conversation().id)
    assert (loaded.title, loaded.title_is_custom) == ("Biblioteca: horarios", True)
    assert store.list_conversations("biblioteca:")[0].title == "Biblioteca: horarios"
    assert store.search("horarios", role="title")[0].message_id == ""


def test_delete_moves_to_trash_and_restore_brings_it_back(store: ConversationStore) -> None:
    conversation = rich_conversation()
    store.save(conversation)
    token = store.delete(conversation.id)

    assert store.list_conversations() == []
    assert store.search("biblioteca") == []
    with pytest.raises(ConversationNotFound):
        store.load(conversation.id)
    assert [entry.token for entry in store.trash_entries()] == [token]

    assert store.restore(token) == conversation.id
    assert store.load(conversation.id).title == conversation.title
    assert store.search("biblioteca", role="user")[0].message_id == "m-u1"
    assert store.trash_entries() == []


@pytest.fixture(params=["fts5", "no-fts5"])
def any_store(request, tmp_path: Path, monkeypatch) -> ConversationStore:
    """The store with FTS5, and as on a Python whose SQLite lacks it (search falls back to LIKE)."""
    if request.param == "no-fts5":
        monkeypatch.setattr(index_db, "_FTS", "CREATE VIRTUAL TABLE texts_fts USING no_such_module(text)")
    store = ConversationStore(tmp_path / "data")
    assert store._index.fts == (request.param == "fts5")
    yield store
    store.close()


def test_search_filters_by_role(any_store: ConversationStore) -> None:
    store = any_store
    store.save(rich_conversation())
    store.save(simple_conversation("chat-other", "Recetas", 100, text="receta de la biblioteca de cocina"))

    def found(query: str, role: str | None = None) -> set[tuple[str, str]]:
        return {(hit.conversation_id, hit.message_id) for hit in store.search(query, role=role)}

    cid = rich_conversation().id
    assert found("biblioteca", "user") == {(cid, "m-u1"), ("chat-other", "m-1")}
    assert found("biblioteca", "assistant") == {(cid, "m-a1"), (cid, "m-a2")}  # m-a1: the call's arguments
    assert found("biblioteca", "title") == {(cid, "")}
    assert found("21:00", "tool") == {(cid, "m-t1")}
    assert found("enviar_notificacion", "tool") == {(cid, "m-t2")}
    assert found("biblio") >= {(cid, "m-u1"), (cid, "")}  # prefix match on the last word
    for odd in ('"; DROP TABLE texts; --', "*", "NEAR(a b", "^", '"'):
        store.search(odd)  # FTS5 syntax in user text is neither run nor an error
    assert found("biblioteca", "title") == {(cid, "")}  # and the index survived it
    hit = store.search("cuento largo")[0]
    assert (hit.role, hit.title, hit.created_at) == ("user", "Horario de la biblioteca", at(40))
    with pytest.raises(ValueError):
        store.search("x", role="system")


def test_totals_per_tool(store: ConversationStore) -> None:
    store.save(rich_conversation("chat-a"))
    store.save(rich_conversation("chat-b"))
    totals = store.totals()
    assert (totals.conversations, totals.damaged, totals.sessions, totals.messages) == (2, 0, 4, 16)
    assert (totals.prompt_tokens, totals.completion_tokens) == (640, 90)
    assert totals.cost == pytest.approx(0.0004)
    search = totals.tools["buscar_informacion"]
    assert (search.calls, search.errors, search.mean_duration_ms) == (2, 0, pytest.approx(12.35, abs=0.01))
    notify = totals.tools["enviar_notificacion"]
    assert (notify.calls, notify.errors) == (2, 2)


def test_new_ids_are_readable_unique_and_safe(store: ConversationStore) -> None:
    ids = {store.new_id("José Pérez/../x") for _ in range(50)}
    assert len(ids) == 50
    for conversation_id in ids:
        assert conversation_id.startswith("chat-Jose-Perez-x-")
        assert store.path_of(conversation_id).parent == store.conversations_dir


def test_summary_counts_and_order(store: ConversationStore) -> None:
    store.save(rich_conversation())
    store.save(simple_conversation("chat-newest", "Newest", 500))
    first, second = store.list_conversations()
    assert first.id == "chat-newest"
    assert (second.message_count, second.tool_call_count, second.session_count) == (8, 2, 2)
    assert (second.created_at, second.last_activity, second.model) == (at(0), at(40.5), "gpt-4o-mini")


def test_saving_from_a_worker_thread_while_listing(store: ConversationStore) -> None:
    conversation = rich_conversation()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for number in range(30):
                conversation.current_session.messages.append(UserMessage(f"m{number}"))
                store.save(conversation)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    thread = threading.Thread(target=worker)
    thread.start()
    while thread.is_alive():
        store.list_conversations()
        store.search("m1")
    thread.join()
    assert errors == []
    assert store.load(conversation.id).message_count() == 38
