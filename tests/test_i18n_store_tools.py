"""The store's and the tools' texts come from the catalog: damaged files, write failures, tool errors.

Real parts: hostile files in a real data dir (a FIFO, a truncated file, a file that breaks the schema),
a write the file system refuses, the registry running real handlers, and the tool host — a child
process over MCP — with a tool module that exits, one that raises SystemExit and one that fails to
load. Each text is checked in Spanish (what a user with ``language = "es"`` reads) and under the
pseudo-language (``tests/i18n_pseudo.py``), where any plain English word left is a text that
bypassed the catalog. The system's own reasons (``strerror``: "Not a directory") are the OS's words
and stay as it gives them.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from i18n_pseudo import pseudo_language, untranslated

from tui_chat import i18n, tool
from tui_chat.engine.errors import DamagedConversation, StoreWriteFailed
from tui_chat.engine.models import Conversation, Session, ToolCall, ToolMessage, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.configured import host_source
from tui_chat.engine.tools.examples import register_example_tools
from tui_chat.engine.tools.mcp_client import Endpoint, McpSource
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
CONTEXT = ToolContext(user_id="u", conversation_id="c", session_id="s", turn_id="t")


@pytest.fixture
def spanish() -> Iterator[None]:
    i18n.set_language("es")
    try:
        yield
    finally:
        i18n.set_language("en")


def conversation(conversation_id: str) -> Conversation:
    return Conversation(
        id=conversation_id, title="Prueba", user_id="local", model="m", created_at=T0, last_activity=T0,
        sessions=[Session(id="s-1", started_at=T0, messages=[UserMessage("hola", id="m-0", created_at=T0)])],
    )  # fmt: skip


def hostile_folder(data_dir: Path) -> dict[str, str]:
    """Three damaged files in a real conversations folder; returns id → a word of their Spanish reason."""
    store = ConversationStore(data_dir)
    store.save(conversation("chat-good"))
    good = (store.conversations_dir / "chat-good.json").read_bytes()
    store.close()
    folder = data_dir / "conversations"
    (folder / "chat-cut.json").write_bytes(good.replace(b'"chat-good"', b'"chat-cut"')[:60])
    os.mkfifo(folder / "chat-pipe.json")
    data = json.loads(good.replace(b'"chat-good"', b'"chat-schema"'))
    data["sessions"][0]["messages"][0]["content"] = 5
    (folder / "chat-schema.json").write_text(json.dumps(data))
    return {
        "chat-cut": "JSON no válido en la línea",
        "chat-pipe": "no es un archivo normal (una tubería con nombre (FIFO))",
        "chat-schema": (
            "no sigue el esquema en sessions[0].messages[0].content: debería ser una cadena, y es 5"
        ),
    }


# --- the store -----------------------------------------------------------------------------------


def test_damaged_files_say_why_in_spanish_in_the_list_and_when_opened(tmp_path: Path, spanish: None) -> None:
    reasons = hostile_folder(tmp_path)
    store = ConversationStore(tmp_path)
    listed = {summary.id: summary for summary in store.list_conversations()}

    for conversation_id, reason in reasons.items():
        assert reason in (listed[conversation_id].damaged or ""), listed[conversation_id].damaged
        with pytest.raises(DamagedConversation) as caught:
            store.load(conversation_id)
        assert caught.value.message.startswith(
            f"No se puede abrir el archivo de conversación {conversation_id}.json:"
        )
        assert (
            caught.value.hint == "No se ha tocado; arréglalo a mano o sácalo de la carpeta de conversaciones."
        )
        assert reason in caught.value.detail
    assert "el archivo termina dentro de" in (listed["chat-cut"].damaged or "")
    store.close()


def test_a_reason_read_in_english_is_listed_in_spanish_later_and_by_another_store(tmp_path: Path) -> None:
    """The index keeps a reason across runs and processes: it is shown in the language of the moment."""
    reasons = hostile_folder(tmp_path)
    english = ConversationStore(tmp_path)
    before = {summary.id: summary.damaged for summary in english.list_conversations()}
    assert "invalid JSON at line" in (before["chat-cut"] or "")
    assert "not a regular file (a named pipe (FIFO))" in (before["chat-pipe"] or "")
    states = english._index.file_states()
    english.close()

    i18n.set_language("es")
    try:
        again = ConversationStore(tmp_path)  # the same index file, as a second process would open it
        listed = {summary.id: summary.damaged for summary in again.list_conversations()}
        assert again._index.file_states() == states
        for conversation_id, reason in reasons.items():
            assert reason in (listed[conversation_id] or ""), listed[conversation_id]
        i18n.set_language("en")  # a live switch back: the same rows, in English again
        assert {summary.id: summary.damaged for summary in again.list_conversations()} == before
        again.close()
    finally:
        i18n.set_language("en")


def test_damage_reasons_and_messages_all_go_through_the_catalog(tmp_path: Path) -> None:
    hostile_folder(tmp_path)
    store = ConversationStore(tmp_path)
    data = [
        "chat-cut",
        "chat-pipe",
        "chat-schema",
        "json",
        "sessions",
        "messages",
        "content",
    ]  # ids, JSON paths
    with pseudo_language():
        for summary in store.list_conversations():
            if summary.damaged:
                assert untranslated(summary.damaged, allowed=data) == [], summary.damaged
        for conversation_id in ("chat-cut", "chat-pipe", "chat-schema"):
            with pytest.raises(DamagedConversation) as caught:
                store.load(conversation_id)
            assert untranslated(str(caught.value), allowed=data) == [], str(caught.value)
    store.close()


@pytest.fixture
def read_only_data_dir(tmp_path: Path) -> Iterator[Path]:
    """A real tmpfs with a data dir on it, then remounted read-only (tests run as root); skipped where
    mounting is not allowed."""
    folder = tmp_path / "ro"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(folder)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(
            "cannot mount a tmpfs here (needs root): the Spanish read-only advice is left unchecked here"
        )
    try:
        ConversationStore(folder / "data").close()
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
        yield folder / "data"
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_refused_write_says_what_failed_and_what_to_do_in_spanish(
    read_only_data_dir: Path, spanish: None
) -> None:
    store = ConversationStore(read_only_data_dir)
    kept = conversation("chat-kept")

    with pytest.raises(StoreWriteFailed) as caught:
        store.save(kept)

    assert caught.value.message.startswith("No se ha podido guardar "), caught.value.message
    assert caught.value.message.endswith(": Read-only file system."), caught.value.message  # the OS's words
    assert caught.value.hint == (
        "El sistema de archivos es de solo lectura: vuelve a montarlo con escritura o elige otro --data-dir."
    )
    assert kept.messages()[0].content == "hola"  # the caller still holds it
    with pseudo_language():
        with pytest.raises(StoreWriteFailed) as again:
            store.save(kept)
        text = str(again.value).replace(str(read_only_data_dir), "")  # the path is data
        system_words = ["conversations", "locks", "chat-kept", "json", "lock", "read-only", "file", "system"]
        assert untranslated(text, allowed=system_words) == [], text
    store.close()


def test_store_errors_a_person_reads_are_spanish(tmp_path: Path, spanish: None) -> None:
    store = ConversationStore(tmp_path)
    with pytest.raises(Exception) as missing:
        store.load("chat-nadie")
    assert str(missing.value) == "No existe la conversación chat-nadie."
    with pytest.raises(Exception) as trash:
        store.restore("20260301-090000-abcd--chat-nadie")
    assert str(trash.value) == "Nada en la papelera coincide con '20260301-090000-abcd--chat-nadie'."
    store.close()


# --- tools in this process -----------------------------------------------------------------------


@tool(timeout=0.2)
async def slow() -> str:
    """Sleep past the timeout."""
    await asyncio.sleep(30)
    return "late"


@tool
def leave() -> str:
    """Raise SystemExit."""
    raise SystemExit(4)


@tool
def pick(kind: str, count: int) -> str:
    """Take a kind and a count."""
    return kind * count


def registry() -> ToolRegistry:
    tools = ToolRegistry(default_timeout=5)
    for function in (slow, leave, pick):
        tools.add(function)
    return tools


async def call(tools: ToolRegistry, name: str, arguments: str = "{}") -> ToolMessage:
    return await tools.execute(ToolCall(id=f"call-{name}", name=name, arguments=arguments), CONTEXT)


FAILURES = [
    ("nope", "{}", "unknown_tool",
     "la función 'nope' no está implementada; funciones disponibles: slow, leave, pick"),
    ("pick", '{"kind": ', "invalid_arguments", "los argumentos no son JSON válido: Expecting value"),
    ("pick", "[1]", "invalid_arguments", "los argumentos deben ser un objeto JSON, no una lista"),
    ("pick", '{"kind": 3}', "invalid_arguments",
     "argumentos no válidos para 'pick': 'count' es una propiedad obligatoria; "
     "kind: 3 no es del tipo 'string'"),
    ("slow", "{}", "timeout", "'slow' agotó el tiempo de espera de 0.2 s"),
    ("leave", "{}", "crashed", "SystemExit: 4 lanzado en 'leave' (habría terminado el proceso)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "arguments", "kind", "spanish_text"), FAILURES)
async def test_tool_errors_are_spanish_for_the_person_and_the_model(
    spanish: None, name: str, arguments: str, kind: str, spanish_text: str
) -> None:
    message = await call(registry(), name, arguments)

    assert message.error_kind == kind
    assert message.error is not None and message.error.startswith(spanish_text), message.error
    assert message.result == {"success": False, "error": message.error}  # what the model reads
    assert json.loads(message.content)["error"] == message.error


@pytest.mark.parametrize(("name", "arguments", "kind", "spanish_text"), FAILURES)
async def test_tool_errors_all_go_through_the_catalog(
    name: str, arguments: str, kind: str, spanish_text: str
) -> None:
    with pseudo_language():
        message = await call(registry(), name, arguments)
    data = ["nope", "slow", "leave", "pick", "kind", "count", "SystemExit", "string"]  # tool and schema names
    # json.JSONDecodeError's own words ("Expecting value") are the library's, like an OS reason.
    assert untranslated(message.error or "", allowed=[*data, "expecting", "value"]) == [], message.error


def test_the_example_tools_describe_themselves_from_the_catalog(tmp_path: Path) -> None:
    tools = ToolRegistry()
    register_example_tools(
        tools, search=lambda *a, **k: [], outbox_path=tmp_path / "outbox.jsonl", language="es"
    )
    search = tools.get("buscar_informacion")
    assert search is not None and search.description.startswith("Busca en las conversaciones guardadas")
    assert search.parameters["properties"]["consulta"]["description"] == "Término de búsqueda"
    english = ToolRegistry()
    register_example_tools(
        english, search=lambda *a, **k: [], outbox_path=tmp_path / "o.jsonl", language="en"
    )
    assert english.get("buscar_informacion").description.startswith("Search the user's saved conversations")


# --- the tool host and MCP servers ---------------------------------------------------------------

HOST_TOOLS = '''
import os, sys
from tui_chat import tool

@tool
def die() -> str:
    """Exit the process without cleanup."""
    os._exit(3)

@tool
def leave() -> str:
    """Raise SystemExit."""
    raise SystemExit(4)

@tool
def refuse() -> dict:
    """Report failure without saying why."""
    return {"success": False}

@tool
def pid() -> int:
    """The host's process id."""
    return os.getpid()
'''

EMPTY_MODULE = "X = 1\n"


@pytest.fixture(scope="module")
def host_tools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ToolRegistry, Path]]:
    """A real tool host started while the app speaks Spanish (its load errors are made there)."""
    folder = tmp_path_factory.mktemp("host-tools")
    (folder / "faults.py").write_text(textwrap.dedent(HOST_TOOLS))
    (folder / "empty.py").write_text(EMPTY_MODULE)
    tools = ToolRegistry(default_timeout=20)
    tools.add_source(host_source([str(folder / "faults.py"), str(folder / "empty.py")], folder / "data"))
    i18n.set_language("es")
    try:
        asyncio.run(tools.wait_ready(30))
    finally:
        i18n.set_language("en")
    yield tools, folder
    tools.close()


async def test_the_tool_host_reports_load_errors_in_the_apps_language(host_tools) -> None:
    tools, folder = host_tools
    await tools.wait_ready(30)
    (error,) = tools.load_errors
    assert error.source == str(folder / "empty.py")
    assert error.message == (
        "no hay herramientas; decora funciones con @tool (from tui_chat import tool) "
        "o define register(registry)"
    )


async def test_errors_made_in_the_tool_host_follow_the_apps_language_call_by_call(
    host_tools, spanish
) -> None:
    tools, _folder = host_tools
    assert (
        await call(tools, "leave")
    ).error == "SystemExit: 4 lanzado en 'leave' (habría terminado el proceso)"
    assert (await call(tools, "refuse")).error == "la herramienta informó de un fallo (success: false)"
    i18n.set_language("en")  # a live switch: the same host words its next errors in English
    assert (
        await call(tools, "leave")
    ).error == "SystemExit: 4 raised in 'leave' (it would have ended the process)"
    assert (await call(tools, "refuse")).error == "the tool reported failure (success: false)"


async def test_a_tool_that_kills_the_host_is_a_crash_said_in_spanish(host_tools, spanish) -> None:
    tools, _folder = host_tools
    message = await call(tools, "die")
    assert message.error == "el proceso de herramientas terminó con el estado 3 mientras ejecutaba 'die'"
    assert message.error_kind == "crashed"
    assert (await call(tools, "pid")).ok  # the host came back


async def test_a_host_crash_goes_through_the_catalog(host_tools) -> None:
    tools, _folder = host_tools
    with pseudo_language():
        message = await call(tools, "die")
    assert message.error_kind == "crashed"
    assert untranslated(message.error or "", allowed=["die"]) == [], message.error


async def test_an_mcp_server_that_cannot_start_says_so_in_spanish(tmp_path: Path, spanish: None) -> None:
    tools = ToolRegistry()
    missing = tmp_path / "no-such-server"
    tools.add_source(McpSource("tiempo", "mcp", lambda: Endpoint(command=str(missing)), start_timeout=10))
    try:
        problems = await tools.problems(timeout=15)
        message = await call(tools, "tiempo__hora")
    finally:
        tools.close()
    assert problems == [
        f"el servidor MCP 'tiempo' no está disponible: no se puede iniciar el servidor MCP 'tiempo': "
        f"No such file or directory: {missing}"
    ]
    assert message.error_kind == "unknown_tool"
    assert message.error == "la función 'tiempo__hora' no está implementada; no hay funciones disponibles"
