"""Issue 12 §3, the engine's part: what the engine says — provider error details and hints, store and
export texts, lookups, statistics — comes from the catalog, in the configured language.

Real path: Workspace → ChatService → litellm → the scripted server over HTTP (and the bytes recorded
from a real llama.cpp server), real files in tmp_path. In Spanish the texts are checked word for word
where a person reads them; under the pseudo-language (tests/i18n_pseudo.py) every text of every
provider error kind must have gone through the catalog: no plain English word may be left but data
(the model's name, the server's own text, URLs, variable names).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from i18n_pseudo import pseudo, pseudo_language, untranslated
from scripted_server import (
    Reply,
    ScriptedServer,
    broken_stream,
    context_window_exceeded,
    error,
    malformed_json,
    malformed_sse,
    slow_stream,
    stall,
    text,
    tool_calls,
)

from tui_chat import tool
from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine import errors as engine_errors
from tui_chat.engine.chat import ChatService
from tui_chat.engine.errors import AmbiguousConversation, ConversationNotFound, EngineError, ProviderError
from tui_chat.engine.models import AssistantMessage, Conversation, ErrorInfo
from tui_chat.engine.provider.errors import map_provider_error
from tui_chat.engine.stats import format_stats
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.texts import texts_for
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.workbench.arguments import check_arguments
from tui_chat.engine.workspace import ExportFailed, Workspace, workspace_for
from tui_chat.i18n import set_language

RECORDINGS = next(
    (
        parent / "shared" / "recordings" / "llama-server-b11434"
        for parent in Path(__file__).resolve().parents
        if (parent / "shared" / "recordings").is_dir()
    ),
    Path("/work/shared/recordings/llama-server-b11434"),
)


def recorded_error(name: str) -> Reply:
    """An error response recorded from llama.cpp, sent as it was received."""
    body, status_line = (RECORDINGS / f"{name}.http.txt").read_text().split("\n--- http ")
    return Reply(status=int(status_line.split()[0]), body=body.strip().encode(), usage=None)


@tool
def add(a: int, b: int) -> int:
    """Add two numbers.

    Args:
        a: The first number
        b: The second number
    """
    return a + b


@tool
def explode(reason: str) -> str:
    """A tool that always fails.

    Args:
        reason: Why it fails
    """
    raise ValueError(reason)


def make_workspace(
    tmp_path: Path, server: ScriptedServer | None, *, language: str = "es", **model: Any
) -> Workspace:
    settings = {"name": "openai/scripted", "timeout": 5.0, "max_retries": 0, **model}
    if server is not None:
        settings.setdefault("api_base", server.base_url)
    config = Config(
        model=ModelSettings(**settings),
        session=SessionSettings(language=language),  # type: ignore[arg-type]
        tools=ToolSettings(examples=False),
    )
    registry = ToolRegistry()
    registry.add(add)
    registry.add(explode)
    chat = ChatService(config, ConversationStore(tmp_path / "data"), registry)
    return workspace_for(chat, tmp_path / "data")  # sets the language, as the app, CLI and server do


async def converse(workspace: Workspace, *messages: str) -> Conversation:
    conversation = workspace.new()
    for message in messages:
        turn = workspace.send(conversation, message, refuse_without_key=False)
        await turn.wait()
        assert turn.error is None, turn.error
    return conversation


def last_error(conversation: Conversation) -> ErrorInfo:
    failed = [m for m in conversation.messages() if isinstance(m, AssistantMessage) and m.error]
    assert failed, "the turn did not fail"
    assert failed[-1].error is not None
    return failed[-1].error


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- every provider error kind, over the real path -------------------------------------------------


CLOSED_PORT = "a port nothing listens on"


@dataclasses.dataclass(frozen=True)
class Case:
    """How to make one provider error happen: scripted replies, model settings, the messages sent."""

    replies: tuple[Reply, ...] = ()
    model: dict[str, Any] = dataclasses.field(default_factory=dict)
    messages: tuple[str, ...] = ("hola",)
    server: bool = True
    """False: the model's api_base is not the scripted server (or there is none)."""
    data: tuple[str, ...] = ()
    """Words that are data in the message (the server's own text, names), allowed in English."""


CASES: dict[str, Case] = {
    "connection refused": Case(model={"api_base": CLOSED_PORT}, server=False),
    "unknown host": Case(
        model={"api_base": "http://no-such-host.invalid:8080/v1"},
        server=False,
        data=("no-such-host", "invalid"),
    ),
    "connection dropped": Case(replies=(broken_stream("Respuesta a medias"),)),
    "authentication": Case(
        replies=(error(401, message="Incorrect API key provided"),),
        data=("Incorrect", "API", "key", "provided"),
    ),
    "forbidden": Case(replies=(error(403, message="Forbidden"),), data=("Forbidden",)),
    "rate limit": Case(replies=(error(429, message="slow down"),), data=("slow", "down")),
    "rate limit with a wait": Case(
        replies=(error(429, message="slow down", headers={"Retry-After": "3600"}),), data=("slow", "down")
    ),
    "overloaded": Case(replies=(error(503, message="upstream is on fire"),), data=("upstream", "fire")),
    "timeout": Case(replies=(stall(3),), model={"timeout": 0.4}),
    "turn deadline": Case(replies=(slow_stream(["uno "] * 40, 0.05),), model={"turn_deadline": 0.5}),
    "overflow: the message alone (llama.cpp)": Case(replies=(recorded_error("context-exceeded"),)),
    "overflow: the history (llama.cpp)": Case(
        replies=(text("uno"), text("dos"), recorded_error("context-exceeded")),
        messages=("primero", "segundo", "tercero"),
    ),
    "overflow: the estimate was too low (llama.cpp)": Case(
        replies=(text("uno"), recorded_error("context-exceeded")),
        model={"context_window": 512, "max_tokens": 16},
        messages=("primero", "segundo"),
    ),
    "overflow (OpenAI's wording)": Case(replies=(context_window_exceeded(),)),
    "bad request": Case(
        replies=(error(400, message="Invalid schema for function"),),
        data=("Invalid", "schema", "for", "function"),
    ),
    "not found": Case(replies=(error(404, message="model not found"),), data=("model", "not", "found")),
    "unknown provider": Case(model={"name": "no-such-model-xyz"}, server=False, data=("no-such-model-xyz",)),
    "not JSON": Case(replies=(malformed_sse(),)),
    "not a stream": Case(replies=(malformed_json(),)),
    "missing key": Case(model={"name": "gpt-4o-mini"}, server=False, data=("gpt", "o-mini")),
    "api_key_env not set": Case(model={"api_key_env": "NOT_SET_ANYWHERE"}, data=("NOT_SET_ANYWHERE",)),
}


async def provoke(case: Case, tmp_path: Path, server: ScriptedServer, *, language: str = "es") -> ErrorInfo:
    server.script(*case.replies)
    model = dict(case.model)
    if model.get("api_base") == CLOSED_PORT:
        model["api_base"] = f"http://127.0.0.1:{closed_port()}/v1"
    workspace = make_workspace(tmp_path, server if case.server else None, language=language, **model)
    return last_error(await converse(workspace, *case.messages))


# Always data: the scripted model's name, the scripted server's URL, llama.cpp's and OpenAI's figures.
# ``model`` is the config section's name in "[model] context_window" (kept as written in every language).
DATA = ("openai", "scripted", "model", "OPENAI_API_KEY", "http")


def shown(info: ErrorInfo, headline: str) -> str:
    """What the chat shows of a failed turn: the headline, the message, the hint."""
    return "\n".join([headline, info.message, info.hint])


@pytest.mark.parametrize("name", list(CASES))
async def test_each_provider_error_kind_goes_through_the_catalog(
    name: str, tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    case = CASES[name]
    with pseudo_language():
        info = await provoke(case, tmp_path, scripted_server)
        headline = texts_for("es").error_headline(info.kind)
    said = shown(info, headline)
    assert info.message and info.hint, said
    assert untranslated(said, allowed=(*DATA, *case.data)) == [], said


def test_every_kind_of_provider_error_is_covered() -> None:
    """A new kind of provider error must get a case above (and so its texts into the catalog)."""

    def kinds(cls: type[ProviderError]) -> set[str]:
        return {cls.kind}.union(*(kinds(sub) for sub in cls.__subclasses__()))

    covered = {
        "connection",
        "authentication",
        "rate_limit",
        "overloaded",
        "timeout",
        "deadline",
        "context_window",
        "bad_request",
        "malformed_response",
        "missing_credentials",
        "provider",  # the unrecognised exception: test_an_unrecognised_exception_goes_through_the_catalog
    }
    assert kinds(engine_errors.ProviderError) == covered


def test_an_unrecognised_exception_goes_through_the_catalog() -> None:
    class MidStreamFallbackError(Exception):
        status_code = 503

    with pseudo_language():
        unknown = map_provider_error(RuntimeError("boom"), model="openai/scripted")
        mid_stream = map_provider_error(MidStreamFallbackError("stream broke"))
    assert unknown.kind == "provider" and mid_stream.kind == "overloaded"
    assert untranslated(str(unknown), allowed=("RuntimeError", "boom")) == []
    assert untranslated(str(mid_stream), allowed=("stream", "broke")) == []


# --- in Spanish, where a person reads it ---------------------------------------------------------------

SPANISH: dict[str, tuple[str, str]] = {
    "connection refused": (
        "No se puede conectar con http://127.0.0.1:",
        "Arranca el servidor o corrige model.api_base.",
    ),
    "unknown host": ("No existe el host no-such-host.invalid.", "Revisa model.api_base"),
    "connection dropped": ("se cerró a mitad de la respuesta", "Espera un momento y vuelve a intentarlo."),
    "authentication": (
        "El proveedor rechazó la clave de API (HTTP 401): Incorrect API key provided",
        "Revisa la clave de",
    ),
    "rate limit with a wait": (
        "El proveedor está limitando las peticiones (HTTP 429). Pide esperar 3600 s.",
        "revisa los límites o la cuota de tu plan",
    ),
    "overloaded": ("El proveedor falló o está saturado (HTTP 503): upstream is on fire", "Espera un momento"),
    "timeout": ("'openai/scripted' no respondió a tiempo.", "sube model.timeout"),
    "turn deadline": (
        "El turno superó su plazo de 0.5 s y se detuvo.",
        "busca una herramienta lenta en el inspector",
    ),
    "bad request": (
        "El proveedor rechazó la petición (HTTP 400): Invalid schema for function",
        "Revisa el nombre",
    ),
    "not JSON": (
        "No se pudo leer la respuesta del servidor",
        "Comprueba que model.api_base apunta a una API",
    ),
    "not a stream": ("no es un flujo de eventos", "compatible con OpenAI"),
    "missing key": ("No hay clave de API para 'gpt-4o-mini'.", "Define OPENAI_API_KEY en el entorno"),
    "api_key_env not set": (
        "model.api_key_env indica NOT_SET_ANYWHERE, pero NOT_SET_ANYWHERE no está definida.",
        "Define NOT_SET_ANYWHERE en el entorno",
    ),
}


@pytest.mark.parametrize("name", list(SPANISH))
async def test_error_details_and_hints_are_spanish(
    name: str, tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    message, hint = SPANISH[name]
    info = await provoke(CASES[name], tmp_path, scripted_server)
    assert message in info.message and hint in info.hint, (info.message, info.hint)


async def test_the_llama_cpp_overflow_in_spanish_quotes_the_server_and_names_ctx_size(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    alone = await provoke(CASES["overflow: the message alone (llama.cpp)"], tmp_path, scripted_server)
    assert alone.kind == "context_window"
    assert alone.message == (
        "Este mensaje, por sí solo, es demasiado largo para la ventana de contexto de 'openai/scripted'. "
        "La petición ocupa 3525 tokens; la ventana admite 512."
    )
    assert alone.hint == (
        "Acorta el mensaje o divídelo. O dale al servidor un contexto mayor: llama.cpp --ctx-size (-c), "
        "Ollama num_ctx, vLLM --max-model-len."
    )
    scripted_server.reset()
    history = await provoke(CASES["overflow: the history (llama.cpp)"], tmp_path / "2", scripted_server)
    assert history.message.startswith("El historial es demasiado largo") and "3525 tokens" in history.message
    assert "Pon [model] context_window = 512 en la configuración" in history.hint
    assert "--ctx-size" in history.hint


async def test_a_spanish_error_is_stored_as_it_was_shown(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    """The file keeps the text the person read, whatever language is set later."""
    scripted_server.script(error(503, message="upstream is on fire"))
    workspace = make_workspace(tmp_path, scripted_server)
    conversation = await converse(workspace, "hola")
    set_language("en")
    saved = last_error(ConversationStore(tmp_path / "data").load(conversation.id))
    assert saved.message == "El proveedor falló o está saturado (HTTP 503): upstream is on fire"
    assert saved.hint == "Espera un momento y vuelve a intentarlo."


async def test_the_missing_key_found_before_sending_is_spanish(tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path, None, name="gpt-4o-mini")
    problem = workspace.setup_problem()
    assert problem is not None
    assert problem.message == "No hay clave de API para gpt-4o-mini: OPENAI_API_KEY no está definida."
    assert problem.hint.startswith("Define OPENAI_API_KEY en el entorno (o indica otra variable")
    with pseudo_language():
        problem = workspace.setup_problem()
    assert problem is not None
    assert untranslated(str(problem), allowed=("gpt", "o-mini", *DATA)) == []


# --- exports ----------------------------------------------------------------------------------------------


async def tool_conversation(workspace: Workspace, server: ScriptedServer) -> Conversation:
    """A conversation with a good call, a failing call, the model's answer, then a failed turn."""
    server.script(
        tool_calls([("add", '{"a": 2, "b": 2}'), ("explode", '{"reason": "pum"}')]),
        text("Son 4."),
        error(503, message="upstream is on fire"),
    )
    return await converse(workspace, "¿2 + 2?", "¿Y?")


def outside_fences(markdown: str) -> str:
    """The Markdown without its code blocks (arguments, results, tracebacks: data)."""
    kept, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return "\n".join(kept)


async def test_the_markdown_export_is_spanish(tmp_path: Path, scripted_server: ScriptedServer) -> None:
    workspace = make_workspace(tmp_path, scripted_server)
    conversation = await tool_conversation(workspace, scripted_server)
    markdown = workspace.export(conversation)
    for heading in (
        "- modelo: `openai/scripted`",
        "- creada: ",
        "- última actividad: ",
        "## Usuario · ",
        "## Asistente (bienvenida) · ",
        "## Asistente · ",
        "**Llamada a herramienta** `add` (`",
        "### Resultado de herramienta ✓ `add` · ",
        "### Resultado de herramienta ✗ `explode` · ",
        "> **Error (overloaded):** El proveedor falló o está saturado (HTTP 503): upstream is on fire "
        "Espera un momento y vuelve a intentarlo.",
    ):
        assert heading in markdown, heading
    for english in ("## User", "## Assistant", "Tool call", "Tool result", "- model:", "- created:"):
        assert english not in markdown
    path = await workspace.export_to(conversation, tmp_path / "exportada.md")
    assert path.read_text(encoding="utf-8") == markdown


async def test_the_markdown_export_goes_through_the_catalog(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    with pseudo_language():
        workspace = make_workspace(tmp_path, scripted_server)
        conversation = await tool_conversation(workspace, scripted_server)
        conversation.context = {"ciudad": "Lima"}
        markdown = workspace.export(conversation)
    assert pseudo("Tool call") in markdown and pseudo("User context") in markdown
    # Data: the id, model and tool names, the call ids, the error's kind, what the server and model said.
    data = ["chat-local", "add", "explode", "call", "overloaded", "upstream", "fire", "Son"]
    # The id's random hex digits may spell a word ("…88dec0b7"): it is data, taken out whole.
    text = outside_fences(markdown).replace(conversation.id, "")
    assert untranslated(text, allowed=[*DATA, *data]) == []


async def test_export_failures_are_spanish(tmp_path: Path, scripted_server: ScriptedServer) -> None:
    workspace = make_workspace(tmp_path, scripted_server)
    conversation = await converse(workspace, "hola")
    with pytest.raises(ExportFailed, match=r"es una carpeta: añade un nombre de archivo\."):
        await workspace.export_to(conversation, tmp_path)
    with pytest.raises(ExportFailed, match=r"^No existe la carpeta .*no-such-folder$"):
        await workspace.export_to(conversation, tmp_path / "no-such-folder" / "x.md")


# --- lookups, statistics, argument checks ---------------------------------------------------------------


async def test_lookups_say_what_is_wrong_in_spanish(tmp_path: Path, scripted_server: ScriptedServer) -> None:
    workspace = make_workspace(tmp_path, scripted_server)
    with pytest.raises(
        ConversationNotFound, match="Aún no hay conversaciones, así que «last» no señala ninguna"
    ):
        await workspace.resolve("last")
    for message in ("uno", "dos"):
        await converse(workspace, message)
    with pytest.raises(ConversationNotFound, match=r"^No existe la conversación zzz\.$"):
        await workspace.resolve("zzz")
    with pytest.raises(AmbiguousConversation) as ambiguous:
        await workspace.resolve("chat-")
    assert str(ambiguous.value).startswith(
        "«chat-» coincide con 2 conversaciones; escribe más caracteres del ID:"
    )


async def test_statistics_are_spanish_and_go_through_the_catalog(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    workspace = make_workspace(tmp_path, scripted_server)
    await tool_conversation(workspace, scripted_server)
    totals = await workspace.totals()
    lines = format_stats(totals).splitlines()
    assert lines[0].startswith("Conversaciones") and lines[0].endswith(" 1")
    assert any(line.startswith("Tokens ") and "de entrada" in line and "de salida" in line for line in lines)
    header = next(line for line in lines if line.startswith("herramienta"))
    assert header.split("  ")[1:4] == ["llamadas", "errores", "p50 ms"] and header.endswith(
        "errores por tipo"
    )
    row = next(line for line in lines if line.startswith("explode"))
    assert row.endswith("excepción 1")
    # Each figure sits under its (longer, Spanish) heading.
    add_row = next(line for line in lines if line.startswith("add "))
    assert add_row.index("1") + 1 == header.index("llamadas") + len("llamadas")
    with pseudo_language():
        text_shown = format_stats(totals)
    assert untranslated(text_shown, allowed=["add", "explode", "ms", "p50", "p95"]) == []


def test_argument_checks_are_spanish() -> None:
    set_language("es")
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}
    (broken,) = check_arguments(schema, '{"a": ')
    assert str(broken).startswith("línea 1, columna 7: no es JSON válido: ")
    (not_object,) = check_arguments(schema, "[1]")
    assert str(not_object) == "los argumentos deben ser un objeto JSON, no list"
    problems = check_arguments(
        {"type": "object", "properties": {f"p{i}": {"type": "integer"} for i in range(12)}},
        json.dumps({f"p{i}": "x" for i in range(12)}),
    )
    assert str(problems[-1]) == "y 2 más"


def test_engine_errors_made_before_the_language_changes_keep_their_text() -> None:
    """Texts are looked up when an error is made (never at import), so a live switch applies to the next."""
    make: Callable[[], EngineError] = lambda: map_provider_error(TimeoutError(), model="m")  # noqa: E731
    set_language("es")
    spanish = make()
    set_language("en")
    english = make()
    assert (
        spanish.message == "'m' no respondió a tiempo." and english.message == "No answer from 'm' in time."
    )


async def test_a_key_the_provider_echoes_is_hidden_with_a_spanish_marker(
    tmp_path: Path, scripted_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk-scripted-0123456789abcdef"
    monkeypatch.setenv("SCRIPTED_API_KEY", key)
    scripted_server.script(error(401, message=f"Incorrect API key provided: {key}"))
    workspace = make_workspace(tmp_path, scripted_server, api_key_env="SCRIPTED_API_KEY")
    conversation = await converse(workspace, "hola")
    info = last_error(conversation)
    assert info.message.endswith("Incorrect API key provided: sk-…(oculta)") and key not in info.message
    assert "sk-…(oculta)" in workspace.export(conversation)
    assert key not in workspace.path_of(conversation.id).read_text(encoding="utf-8")
