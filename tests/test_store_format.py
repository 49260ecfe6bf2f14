"""The session file format: real format_version 1 files (written by tui-chat before the pydantic models)
load unchanged and are written back byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from tui_chat.engine.models import AssistantMessage, ToolMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.store.schema import SCHEMA_PATH, render

V1 = Path(__file__).parent / "store" / "v1"
V1_FILES = sorted(V1.glob("*.json"))
SURROGATE_FILE = "chat-local-20260301-120000-5u7r"


@pytest.fixture
def store(tmp_path: Path) -> ConversationStore:
    store = ConversationStore(tmp_path / "data")
    yield store
    store.close()


def test_the_fixtures_cover_every_field() -> None:
    seen: dict[str, set[str]] = {}
    for path in V1_FILES:
        data = json.loads(path.read_text(encoding="utf-8"))
        seen.setdefault("conversation", set()).update(data)
        for session in data["sessions"]:
            seen.setdefault("session", set()).update(session)
            for message in session["messages"]:
                seen.setdefault(message["role"], set()).update(message)
                for key in ("usage", "error", "request"):
                    if isinstance(message.get(key), dict):
                        seen.setdefault(f"{message['role']}.{key}", set()).update(message[key])
    assert {"forked_from", "context", "tool_definitions", "title_is_custom"} <= seen["conversation"]
    assert {"tool_calls", "usage", "finish_reason", "error", "interrupted", "partial", "welcome"} <= seen[
        "assistant"
    ]
    assert {"turn_id", "round", "request", "model"} <= seen["assistant"]
    assert {"started_at", "error", "traceback", "truncated", "output", "error_kind"} <= seen["tool"]
    assert {"arguments_valid", "result", "content", "duration_ms"} <= seen["tool"]
    assert {"cost"} <= seen["assistant.usage"]
    assert {"hint", "detail"} <= seen["assistant.error"]
    request_fields = {"raw_reply", "attempts", "first_token_ms", "duration_ms", "tools_hash"}
    assert request_fields <= seen["assistant.request"]
    assert {"idle_reset", "manual", "new"} == {
        session["reason"]
        for path in V1_FILES
        for session in json.loads(path.read_text(encoding="utf-8"))["sessions"]
    }


@pytest.mark.parametrize("path", [p for p in V1_FILES if p.stem != SURROGATE_FILE], ids=lambda p: p.stem)
def test_v1_files_load_and_are_written_back_byte_for_byte(store: ConversationStore, path: Path) -> None:
    shutil.copy(path, store.conversations_dir / path.name)
    original = path.read_bytes()
    [summary] = store.list_conversations()
    assert summary.damaged is None
    conversation = store.load(path.stem)
    data = json.loads(original)
    assert conversation.to_dict()["id"] == data["id"]
    assert conversation.message_count() == sum(len(session["messages"]) for session in data["sessions"])
    for message in conversation.messages():  # a reply left "partial" by a crash reads as interrupted
        if isinstance(message, AssistantMessage):
            assert not message.partial
    store.save(conversation)
    written = store.path_of(path.stem).read_bytes()
    assert written == original.replace(b', "partial": true', b"")
    assert store.load(path.stem).to_dict() == conversation.to_dict()


def test_a_v1_file_with_every_field_reads_as_written(store: ConversationStore) -> None:
    shutil.copy(V1 / "chat-ana-20260301-090000-abcd.json", store.conversations_dir)
    conversation = store.load("chat-ana-20260301-090000-abcd")
    assert conversation.title_is_custom
    assert conversation.context["nested"]["lista"] == [1, 2.5, None, True, "x"]
    reply = next(m for m in conversation.messages() if m.id == "m-a3")
    assert reply.interrupted and not reply.partial and reply.error.kind == "timeout"
    tool = next(m for m in conversation.messages() if m.id == "m-t9")
    assert isinstance(tool, ToolMessage) and tool.error_kind == "timeout" and tool.output == "partial line"
    assert not tool.ok and tool.duration_ms == 30000.0
    request = next(m for m in conversation.messages() if m.id == "m-a1").request
    assert request.attempts == 2 and request.raw_reply["usage"]["prompt_tokens"] == 120
    assert [s.reason for s in conversation.sessions] == ["new", "idle_reset", "manual"]


def test_the_checked_in_schema_is_the_one_the_models_generate() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "session_schema.json is stale: run python -m tui_chat.engine.store.schema --write"
    )


@pytest.mark.parametrize("path", V1_FILES, ids=lambda p: p.stem)
def test_v1_files_validate_against_the_generated_schema(path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(json.loads(path.read_bytes())))
    assert errors == []


def test_a_v1_file_with_lone_surrogates_loads_with_replacement_characters(store: ConversationStore) -> None:
    """v1 wrote lone surrogates \\u-escaped; they read as U+FFFD, and the file is valid UTF-8 once saved."""
    shutil.copy(V1 / f"{SURROGATE_FILE}.json", store.conversations_dir)
    [summary] = store.list_conversations()
    assert summary.damaged is None and summary.title == "emoji \ufffd cut"
    conversation = store.load(SURROGATE_FILE)
    reply, tool = conversation.messages()[1:]
    assert reply.content == "aquí: \ufffd"
    assert tool.result == {"success": True, "data": "\ufffd"} and tool.arguments == '{"t": "\ufffd"}'
    assert conversation.context == {"nota": "\ufffd"}
    store.save(conversation)
    text = store.path_of(SURROGATE_FILE).read_bytes().decode("utf-8")
    assert "\\ud83d" not in text and "aquí: \ufffd" in text
    assert [hit.message_id for hit in store.search("aquí")] == ["m-2"]


def _set(path: tuple, value: object) -> object:
    def change(data: dict) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_set(("sessions", 0, "messages", 2, "usage", "prompt_tokens"), "many"),
         "sessions[0].messages[2].usage.prompt_tokens: input should be a valid integer"),
        (_set(("sessions", 0, "messages", 2, "usage", "prompt_tokens"), "120"),
         "sessions[0].messages[2].usage.prompt_tokens: input should be a valid integer"),  # strict: no "120"
        (_set(("created_at",), "2026-03-01T09:00:00"), "created_at: value error, a timestamp needs a"),
        (_set(("last_activity",), 1772355600), "last_activity: input should be a valid datetime"),
        (_set(("sessions", 0, "messages", 1, "content"), KeyError), "sessions[0].messages[1]: missing field"),
        (_set(("sessions", 1, "messages", 0, "mood"), 1), "sessions[1].messages[0]: unknown field 'mood'"),
        (_set(("sessions", 0, "messages", 3, "role"), "robot"), "sessions[0].messages[3]"),
        (_set(("sessions", 1, "reason"), "bored"), "sessions[1].reason"),
        (_set(("title_is_custom",), 1), "title_is_custom: input should be a valid boolean"),
    ],
)  # fmt: skip
def test_files_that_break_the_format_are_damaged_with_the_path_named(
    store: ConversationStore, change, reason: str
) -> None:
    data = json.loads((V1 / "chat-ana-20260301-090000-abcd.json").read_bytes())
    change(data)
    raw = json.dumps(data).encode()
    (store.conversations_dir / "chat-ana-20260301-090000-abcd.json").write_bytes(raw)
    [summary] = store.list_conversations()
    assert summary.damaged and reason in summary.damaged, summary.damaged
    assert (store.conversations_dir / "chat-ana-20260301-090000-abcd.json").read_bytes() == raw
