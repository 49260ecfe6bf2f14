"""The tool workbench in another language: the inspector (rounds, calls, empty states), the re-run screen
and the tools panel (schema form, raw JSON, run results, history) show no text that bypassed the catalog,
and real Spanish where a user reads it.

Under the pseudo-language every catalog text comes out accented ("Run" → "Ŕüñ"), so any plain ASCII word
left on the screen is either data or a text that never went through ``_()``. The data here is Spanish on
purpose (tool names, descriptions, arguments, replies): allowing its words cannot hide an English text.
JSON bodies are data too; their lines are left out (inspector) or their few keys allowed (the panels).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import pytest
from i18n_pseudo import pseudo_language, untranslated
from panel_fixtures import T0, InspectorApp, ScreenApp
from scripted_server import text, tool_calls
from textual.widgets import Checkbox, Input, OptionList, Static, TextArea
from workbench_fixtures import write_tools

from tests.ui.conftest import screen_text, wait_for
from tui_chat import i18n
from tui_chat.config import Config, SessionSettings, ToolSettings
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
from tui_chat.engine.tools.loader import load_tool_modules
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.workbench.arguments import check_arguments
from tui_chat.engine.workbench.tool_runs import RunHistory
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.rerun import RerunScreen
from tui_chat.ui.screens.tools_panel import ToolsPanelScreen
from tui_chat.ui.widgets.composer import Composer
from tui_chat.ui.widgets.inspector import InspectorPanel

# -- data in Spanish: its words may stay on screen, and none of them is an English UI word -------------

HERRAMIENTAS = '''
from tui_chat import tool


@tool
def sumar(a: int, b: int = 2) -> int:
    """Suma dos enteros.

    Args:
        a: primero
        b: segundo
    """
    print(f"sumando {a} y {b}")
    return a + b


@tool
def convertir(valor: float, unidad: str = "c", exacto: bool = False) -> float:
    """Convierte grados.

    Args:
        valor: grados
        unidad: destino
        exacto: sin redondeo
    """
    return valor * 9 / 5 + 32 if unidad == "f" else valor


@tool
def explotar(motivo: str) -> str:
    """Siempre falla.

    Args:
        motivo: que dice
    """
    raise ValueError(motivo)


@tool
def hora() -> str:
    """Sin argumentos."""
    return "mediodia"
'''
DATA_WORDS = [
    "sumar", "convertir", "explotar", "hora", "mediodia", "sumando", "Suma", "dos", "enteros",
    "primero", "segundo", "Convierte", "grados", "destino", "sin", "redondeo", "valor", "unidad",
    "exacto", "Siempre", "falla", "motivo", "que", "dice", "Sin", "argumentos", "herramientas",
    "buscar", "avisar", "consulta", "horario", "prioridad", "alta", "mensaje", "falta", "tipo", "Busca",
    "abre", "nueve", "Abrimos", "las", "otra", "vez", "ocho", "buscando", "modelo", "pruebas",
    "llamada", "ronda", "ok", "rota",
]  # fmt: skip
"""The data's words (what a user wrote, tools, models, ids): allowed on the screen."""
JSON_WORDS = ["success", "data", "error", "true", "false", "null"]
"""The keys and literals of a tool's result, shown as JSON next to other text in the panels."""
SCHEMA_TYPES = ["string", "integer", "number", "boolean", "object", "array"]
"""JSON Schema's type names, shown as they are in a tool's parameter summary (technical names)."""
TRACEBACK_WORDS = ["Traceback", "most", "recent", "call", "last", "File", "line", "raise", "ValueError"]
"""Python's own words in a tool's traceback (data: what the tool printed)."""

SIZE = (150, 60)


def ui_lines(text: str) -> str:
    """The screen without the lines of JSON bodies (``"key": value``, brackets): those are data."""
    keep = []
    for line in text.splitlines():
        core = line.strip(" ▏▕│┃")
        if core[:1] in ('"', "{", "}", "[", "]"):
            continue
        keep.append(line)
    return "\n".join(keep)


def words_of(*texts: str) -> list[str]:
    """Each word of ``texts``, whole (``pytest-of-root``) and in parts (``pytest``, ``root``)."""
    return [
        word
        for item in texts
        for word in (*re.findall(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]", item), *re.findall(r"[A-Za-z]+", item))
    ]


def engine_words(parameters: dict | None, arguments: str) -> list[str]:
    """The words of what the engine's inline check says about ``arguments`` (``engine.arguments``: the
    engine slice translates those; here they are someone else's text shown in these screens)."""
    return words_of(*(str(problem) for problem in check_arguments(parameters, arguments)))


def assert_translated(text: str, allowed: Iterable[str] = ()) -> None:
    left = untranslated(text, [*DATA_WORDS, *allowed])
    assert left == [], "\n".join(["texts that bypassed the catalog:", *left, "", "screen:", text])


def notifications(app) -> list[str]:
    return [str(notification.message) for notification in app._notifications]


def shown(widget: Static) -> str:
    return str(widget.render())


# -- the inspector ------------------------------------------------------------------------------------

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "buscar",
            "description": "Busca el horario.",
            "parameters": {
                "type": "object",
                "properties": {"consulta": {"type": "string"}},
                "required": ["consulta"],
            },
        },
    }
]


def _at(seconds: float):
    return T0 + timedelta(seconds=seconds)


def _request(ids: list[str], seconds: float, *, tools_hash: str = "h1", attempts: int = 1) -> RoundRecord:
    return RoundRecord(
        system_prompt="Eres un asistente.",
        message_ids=ids,
        tools_hash=tools_hash,
        params={"model": "modelo-pruebas", "temperature": 0.0},
        started_at=_at(seconds),
        first_token_ms=300.0,
        duration_ms=800.0,
        raw_reply={"id": "r-1"},
        attempts=attempts,
    )


def conversacion() -> Conversation:
    """Every kind of row and detail the inspector draws: an ok call with output and a truncated result, a
    schema failure with a traceback, arguments that are not JSON, an unknown tool, a call that never got a
    result, a call from an older file (no request), a text-only round whose tools are not in the file, a
    round that failed and one that was interrupted, a round still streaming."""
    user = UserMessage("Busca el horario", id="m-u1", created_at=T0)
    ok = ToolCall("llamada-ok", "buscar", '{"consulta": "horario"}')
    bad = ToolCall("llamada-mal", "avisar", '{"prioridad": "alta"}')
    first = AssistantMessage(
        tool_calls=[ok, bad],
        id="m-a1",
        created_at=_at(1),
        model="modelo-pruebas",
        usage=Usage(120, 30),
        finish_reason="tool_calls",
        turn_id="t-1",
        round=1,
        request=_request(["m-u1"], 0.2, attempts=3),
    )
    ok_result = ToolMessage(
        tool_call_id="llamada-ok",
        name="buscar",
        arguments=ok.arguments,
        result={"success": True, "data": "abre a las nueve"},
        content='{"success": true, "data": "abre',
        truncated=True,
        output="buscando horario",
        duration_ms=120.0,
        id="m-t1",
        created_at=_at(1.5),
        started_at=_at(1.4),
        turn_id="t-1",
        round=1,
    )
    bad_result = ToolMessage(
        tool_call_id="llamada-mal",
        name="avisar",
        arguments=bad.arguments,
        result={"success": False, "error": "falta mensaje"},
        content="{}",
        duration_ms=0.5,
        id="m-t2",
        created_at=_at(1.6),
        error="falta mensaje",
        traceback="ValueError: falta mensaje",
        error_kind="invalid_arguments",
        arguments_valid=False,
        turn_id="t-1",
        round=1,
    )
    raw = ToolCall("llamada-rota", "buscar", '{"consulta": "horario",')
    unknown = ToolCall("llamada-otra", "desconocida", "{}")
    lost = ToolCall("llamada-sin", "buscar", '{"consulta": "otra vez"}')
    second = AssistantMessage(
        tool_calls=[raw, unknown, lost],
        id="m-a2",
        created_at=_at(3),
        model="modelo-pruebas",
        turn_id="t-1",
        round=2,
        request=_request(["m-u1", "m-a1", "m-t1", "m-t2"], 2.0),
    )
    raw_result = ToolMessage(
        tool_call_id="llamada-rota",
        name="buscar",
        arguments=raw.arguments,
        result={"success": False, "error": "rota"},
        content="{}",
        duration_ms=0.1,
        id="m-t3",
        created_at=_at(3.1),
        error="rota",
        error_kind="invalid_arguments",
        arguments_valid=False,
        round=2,
    )
    unknown_result = ToolMessage(
        tool_call_id="llamada-otra",
        name="desconocida",
        arguments="{}",
        result={"success": False, "error": "desconocida"},
        content="{}",
        duration_ms=0.1,
        id="m-t4",
        created_at=_at(3.2),
        error="desconocida",
        error_kind="unknown_tool",
        round=2,
    )
    text_round = AssistantMessage(
        "Abrimos a las nueve.",
        id="m-a3",
        created_at=_at(5),
        model="modelo-pruebas",
        usage=Usage(200, 8),
        finish_reason="stop",
        turn_id="t-1",
        round=3,
        request=_request(["m-u1"], 4.0, tools_hash="h-perdido"),
    )
    failed = AssistantMessage(
        id="m-a4",
        created_at=_at(7),
        error=ErrorInfo("rate_limit", "falla"),
        turn_id="t-2",
        round=1,
        request=_request(["m-u1"], 6.0),
    )
    cut = AssistantMessage(
        "Abrimos a las",
        id="m-a5",
        created_at=_at(9),
        interrupted=True,
        turn_id="t-3",
        round=1,
        request=_request(["m-u1"], 8.0),
    )
    old_call = ToolCall("llamada-vieja", "buscar", '{"consulta": "ocho"}')
    old = AssistantMessage(tool_calls=[old_call], id="m-a6", created_at=_at(10))
    old_result = ToolMessage(
        tool_call_id="llamada-vieja",
        name="buscar",
        arguments=old_call.arguments,
        result={"success": True, "data": 8},
        content="8",
        duration_ms=2.0,
        id="m-t6",
        created_at=_at(10.5),
    )
    streaming = AssistantMessage(
        "Abrimos",
        id="m-a7",
        created_at=_at(11),
        partial=True,
        turn_id="t-4",
        round=1,
        request=_request(["m-u1"], 11.0),
    )
    messages = [
        user, first, ok_result, bad_result, second, raw_result, unknown_result, text_round, failed, cut,
        old, old_result, streaming,
    ]  # fmt: skip
    return Conversation(
        id="c-prueba",
        title="Horario",
        user_id="local",
        model="modelo-pruebas",
        created_at=T0,
        last_activity=_at(11),
        sessions=[Session(id="s-1", started_at=T0, messages=messages)],
        tool_definitions={"h1": TOOLS},
    )


INSPECTOR_DATA = [
    "tool_calls", "stop", "rate_limit", "modelo-pruebas", "llamada-ok", "llamada-mal", "llamada-rota",
    "llamada-otra", "llamada-sin", "llamada-vieja", "desconocida", "h-perdido", "Abrimos", "Eres",
    "asistente", "ValueError",
]  # fmt: skip
"""Ids, names, finish reasons and error kinds (API values) the inspector shows as they are."""


async def test_every_row_of_the_inspector_and_its_details_are_translated() -> None:
    with pseudo_language():
        app = InspectorApp(conversacion())
        async with app.run_test(size=(110, 120)) as pilot:
            panel = app.query_one(InspectorPanel)
            rows = panel.row_ids
            assert len(rows) == 6 + 6  # six rounds, six calls
            for row in rows:
                panel.select_call(row)
                await wait_for(pilot, lambda row=row: panel.selected_row == row)
                await pilot.pause()
                assert_translated(ui_lines(screen_text(app)), INSPECTOR_DATA)
            # copying each section, and the whole call or round, says so in the language
            for row, keys in ((rows[1], "carm"), (rows[0], "cm")):
                panel.select_call(row)
                for key in keys:
                    await pilot.press(key)
            panel.select_call("llamada-sin")  # no result: cannot re-run
            await pilot.press("e")
            panel.select_call(rows[0])  # a round: nothing to re-run
            await pilot.press("e")
            await wait_for(pilot, lambda: len(notifications(app)) == 8)
            said = notifications(app)
            assert_translated("\n".join(said))
            assert said[0].startswith("Çöþîéď ţĥé ŵĥöľé çáľľ áš ĴŠÖÑ (")
            assert said[5].startswith("Çöþîéď ţĥé ŕéǫüéšţ öƒ ţĥé ŕöüñď áš ĴŠÖÑ (")


async def test_the_inspector_empty_states_are_translated() -> None:
    empty = Conversation(
        id="c-vacia",
        title="Vacia",
        user_id="local",
        model="modelo-pruebas",
        created_at=T0,
        last_activity=T0,
        sessions=[Session(id="s-1", started_at=T0, messages=[UserMessage("hola", created_at=T0)])],
    )
    with pseudo_language():
        for conversation in (None, empty):
            app = InspectorApp(conversation)
            async with app.run_test(size=(80, 20)) as pilot:
                await pilot.pause()
                screen = screen_text(app)
                assert_translated(screen)
                assert "Ñöţĥîñĝ" in screen or "Ñö çöñṽéŕšáţîöñ" in screen
                await pilot.press("c")  # nothing selected
                await wait_for(pilot, lambda app=app: notifications(app))
                assert_translated("\n".join(notifications(app)))


async def test_the_inspector_in_spanish() -> None:
    with i18n.using(i18n.translations("es")):
        app = InspectorApp(conversacion(), "llamada-mal")
        async with app.run_test(size=(110, 80)) as pilot:
            await pilot.pause()
            screen = screen_text(app)
            assert "Rondas · 6  Llamadas · 6 · 3 fallidas" in screen
            assert "arg inválido" in screen and "desconocida" in screen and "ronda 1" in screen
            assert "✗ argumentos no válidos" in screen
            assert "✗ no coincidió con el esquema de la herramienta" in screen
            for title in ("Argumentos", "Resultado", "Tiempos", "Respuesta en bruto de la ronda", "copiar"):
                assert title in screen
            assert "ronda 1: primer token 300 ms, respuesta 800 ms, 3 intentos" in screen
            panel = app.query_one(InspectorPanel)
            panel.select_call("round:m-a1")
            await pilot.pause()
            screen = screen_text(app)
            assert "Ronda 1" in screen and "3 intentos" in screen and "(2 reintentos)" in screen
            assert "pidió 2 llamadas a herramientas:" in screen
            await pilot.press("c")
            await wait_for(pilot, lambda: notifications(app))
            assert notifications(app)[-1].startswith("Se copió la ronda entera como JSON (")


async def test_the_inspector_overlay_of_a_narrow_terminal_is_translated_with_its_footer() -> None:
    from tui_chat.ui.widgets.inspector_screen import InspectorScreen

    with pseudo_language():
        app = ScreenApp(InspectorScreen(conversacion(), "llamada-ok"))
        async with app.run_test(size=(70, 40)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
            await pilot.pause()
            screen = screen_text(app)
            assert "Çľöšé" in screen.splitlines()[-1]  # the footer: how to close it
            assert_translated(ui_lines(screen), INSPECTOR_DATA)


async def test_an_error_recorded_in_english_is_not_prefixed_with_its_kind_again_in_spanish() -> None:
    from panel_fixtures import sample_conversation

    with i18n.using(i18n.translations("es")):
        app = InspectorApp(sample_conversation(), "call-bad")  # its error: "Invalid arguments: …"
        async with app.run_test(size=(110, 60)) as pilot:
            await pilot.pause()
            result = shown(app.query_one("#body-result", Static))
            assert result.startswith("✗ Invalid arguments: 'mensaje' is a required property [/]")
            app.query_one(InspectorPanel).select_call("call-raw")  # "Arguments are not valid JSON"
            await pilot.pause()
            result = shown(app.query_one("#body-result", Static))
            assert result.startswith("✗ argumentos no válidos: Arguments are not valid JSON")


# -- the re-run screen ---------------------------------------------------------------------------------


@pytest.fixture
def tools_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose path has no English words in it (tracebacks show it)."""
    return tmp_path_factory.mktemp("datos")


def registry_of(folder: Path) -> ToolRegistry:
    registry = ToolRegistry()
    load_tool_modules(registry, [str(write_tools(folder, HERRAMIENTAS))])
    assert not registry.load_errors
    return registry


def path_words(folder: Path) -> list[str]:
    return words_of(str(folder))


def recorded_call() -> tuple[Conversation, ToolMessage]:
    conversation = conversacion()
    recorded = ToolMessage(
        "llamada-suma", "sumar", '{"a": 1, "b": 2}', {"success": True, "data": 3}, "3", 2.0, round=1
    )
    conversation.sessions[0].messages.append(recorded)
    return conversation, recorded


async def test_the_re_run_screen_is_translated_before_and_after_a_run(tools_dir: Path) -> None:
    conversation, recorded = recorded_call()
    allowed = [*JSON_WORDS, *SCHEMA_TYPES, *path_words(tools_dir), "llamada-suma", "my_tools"]
    with pseudo_language():
        screen = RerunScreen(conversation, recorded, registry_of(tools_dir))
        app = ScreenApp(screen)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, RerunScreen))
            await pilot.pause()
            assert_translated(screen_text(app), allowed)
            await pilot.press("ctrl+g")  # not run yet: says what to do
            await wait_for(pilot, lambda: notifications(app))
            editor = screen.query_one("#rerun-args", TextArea)
            editor.load_text('{"a": 1, "b"')  # not JSON: where and why
            await wait_for(pilot, lambda: shown(screen.query_one("#rerun-check", Static)).startswith("✗"))
            parameters = screen.spec.parameters if screen.spec else None
            assert_translated(screen_text(app), [*allowed, *engine_words(parameters, '{"a": 1, "b"')])
            editor.load_text('{"a": 40}')
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: screen.comparison is not None)
            await pilot.pause()
            assert not screen.comparison.same
            assert_translated(screen_text(app), allowed)  # both results, the diff and its sides
            assert "--- ŕéçöŕďéď" in shown(screen.query_one("#rerun-diff", Static))
            editor.load_text('{"a": 1, "b": 2}')
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: screen.comparison is not None and screen.comparison.same)
            await pilot.pause()
            assert_translated(screen_text(app), allowed)
            await pilot.press("ctrl+o")  # the result by hand
            edit = screen.query_one("#rerun-edit", TextArea)
            edit.load_text("3,")
            check = screen.query_one("#rerun-edit-check", Static)
            await wait_for(pilot, lambda: "ĵšöñ" in shown(check).lower() or "ĴŠÖÑ" in shown(check))
            assert_translated(screen_text(app), allowed)
            await pilot.press("ctrl+g")  # refused: not JSON
            edit.load_text("4")
            await wait_for(pilot, lambda: shown(check).startswith("✓"))
            assert_translated(screen_text(app), allowed)
            await wait_for(pilot, lambda: len(notifications(app)) >= 2)
            assert_translated("\n".join(notifications(app)))


async def test_the_re_run_screen_of_a_tool_that_is_gone_is_translated(tools_dir: Path) -> None:
    conversation, recorded = recorded_call()
    recorded.name = "borrada"
    with pseudo_language():
        screen = RerunScreen(conversation, recorded, registry_of(tools_dir))
        app = ScreenApp(screen)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, RerunScreen))
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: screen.comparison is not None)
            await pilot.pause()
            # the check line and the schema are this screen's; the run's own error is the registry's
            assert "ñö ţööľ ñáɱéď borrada" in shown(screen.query_one("#rerun-check", Static))
            assert "ñö šçĥéɱá" in screen_text(app)
            error = screen.comparison.now.error or ""
            assert_translated(
                screen_text(app),
                [*JSON_WORDS, *path_words(tools_dir), "borrada", "llamada-suma", *words_of(error)],
            )


# -- the tools panel -----------------------------------------------------------------------------------


def panel_screen(folder: Path, history: RunHistory, registry: ToolRegistry | None = None) -> ToolsPanelScreen:
    return ToolsPanelScreen(
        registry if registry is not None else registry_of(folder), history, user_id="local"
    )


async def test_the_tools_panel_form_raw_json_results_and_history_are_translated(tools_dir: Path) -> None:
    history = RunHistory(tools_dir / "runs.jsonl")
    allowed = [*JSON_WORDS, *SCHEMA_TYPES, *path_words(tools_dir), "my_tools"]
    with pseudo_language():
        screen = panel_screen(tools_dir, history)
        app = ScreenApp(screen)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: screen.tool is not None and len(screen.query("#tools-form #field-1"))
            )
            await pilot.press("ctrl+b")  # nothing run yet
            screen.query_one("#field-0", Input).value = "1x"  # an integer field: says so
            await wait_for(pilot, lambda: "ñöţ áñ îñţéĝéŕ" in shown(screen.query_one("#tool-check", Static)))
            assert_translated(screen_text(app), allowed)
            screen.query_one("#field-0", Input).value = "1"
            await wait_for(pilot, lambda: shown(screen.query_one("#tool-check", Static)).startswith("✓"))
            assert_translated(screen_text(app), allowed)
            await pilot.press("ctrl+r")  # a run with captured output
            await wait_for(pilot, lambda: screen.last_run is not None)
            await pilot.pause()
            assert shown(screen.query_one("#tools-result", Static)).startswith("✓ öķ")
            assert_translated(screen_text(app), allowed)
            await pilot.press("ctrl+b")  # copy it as a test
            # convertir: placeholders of empty fields, an enum-less string, a checkbox
            screen.query_one("#tools-list", OptionList).highlighted = 1
            await wait_for(pilot, lambda: screen.tool is not None and screen.tool.name == "convertir")
            await wait_for(pilot, lambda: len(screen.query("#tools-form #field-2")) == 1)
            assert isinstance(screen.query_one("#field-2"), Checkbox)
            await pilot.pause()
            typed = engine_words(screen.tool.parameters, screen.arguments()[0])
            assert_translated(screen_text(app), [*allowed, *typed])
            # raw JSON, broken: toggling back is refused with a reason
            await pilot.press("ctrl+t")
            raw = screen.query_one("#tools-raw", TextArea)
            raw.load_text('{"valor": ')
            assert screen.tool is not None
            said = str(check_arguments(screen.tool.parameters, '{"valor": ')[0])
            await wait_for(pilot, lambda: said in shown(screen.query_one("#tool-check", Static)))
            assert_translated(screen_text(app), [*allowed, *words_of(said)])
            await pilot.press("ctrl+t")  # refused: the JSON is broken (a notification says so)
            assert screen.raw_mode
            raw.load_text('{"valor": 1}')
            await pilot.press("ctrl+t")  # back to the form
            await wait_for(pilot, lambda: not screen.raw_mode)
            # a tool that raises: its error and its own traceback are data
            screen.query_one("#tools-list", OptionList).highlighted = 2
            await wait_for(pilot, lambda: screen.tool is not None and screen.tool.name == "explotar")
            await wait_for(pilot, lambda: len(screen.query("#tools-form #field-0")) == 1)
            screen.query_one("#field-0", Input).value = "falla"
            await wait_for(pilot, lambda: shown(screen.query_one("#tool-check", Static)).startswith("✓"))
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: screen.last_run is not None and screen.last_run.name == "explotar")
            await pilot.pause()
            run = screen.last_run
            assert run is not None and run.traceback
            assert_translated(
                screen_text(app), [*allowed, *TRACEBACK_WORDS, *words_of(run.error or "", run.traceback)]
            )
            # the history: choosing a past run shows it again
            history_list = screen.query_one("#tools-history", OptionList)
            assert history_list.option_count == 2
            history_list.focus()
            history_list.highlighted = 1
            await pilot.press("enter")
            await wait_for(pilot, lambda: screen.tool is not None and screen.tool.name == "sumar")
            await pilot.pause()
            assert_translated(screen_text(app), allowed)
            # a tool without arguments
            screen.query_one("#tools-list", OptionList).highlighted = 3
            await wait_for(pilot, lambda: screen.tool is not None and screen.tool.name == "hora")
            await pilot.pause()
            assert "Ţĥîš ţööľ ţáķéš ñö áŕĝüɱéñţš." in screen_text(app)
            assert_translated(screen_text(app), allowed)
            await wait_for(pilot, lambda: len(notifications(app)) >= 3)
            problem = engine_words(None, '{"valor": ')
            assert_translated("\n".join(notifications(app)), [*problem, "pytest"])


async def test_the_tools_panel_with_no_tools_and_a_module_that_did_not_load_is_translated(
    tools_dir: Path,
) -> None:
    broken = tools_dir / "roto.py"
    broken.write_text("import nada_de_nada\n")
    registry = ToolRegistry()
    load_tool_modules(registry, [str(broken)])
    assert registry.load_errors and not registry.specs()
    history = RunHistory(tools_dir / "runs.jsonl")
    history.path.write_text('{"roto": \n')  # one unreadable line
    problem = registry.load_errors[0].message
    with pseudo_language():
        screen = panel_screen(tools_dir, history, registry)
        app = ScreenApp(screen)
        async with app.run_test(size=SIZE) as pilot:
            box = screen.query_one("#tools-load-errors", Static)
            await wait_for(pilot, lambda: "roto.py" in shown(box))
            await pilot.press("ctrl+r")  # no tool to run
            await wait_for(pilot, lambda: len(notifications(app)) >= 2)
            await pilot.pause()
            # the box says which file and why (the loader's words), after a label of this screen
            assert shown(box) == f"✗ ñöţ ľöáďéď: …{str(broken)[-39:]}: {problem}"
            box.display = False  # the file's path, cut and wrapped, is checked above
            await pilot.pause()
            allowed = ["roto", "nada_de_nada", *words_of(problem), *path_words(tools_dir), "runs", "jsonl"]
            assert "Ñö ţööľš ŕéĝîšţéŕéď." in screen_text(app)
            assert_translated(screen_text(app), allowed)
            assert_translated("\n".join(notifications(app)), allowed)


async def test_the_tools_panel_and_re_run_in_spanish(tools_dir: Path) -> None:
    history = RunHistory(tools_dir / "runs.jsonl")
    with i18n.using(i18n.translations("es")):
        screen = panel_screen(tools_dir, history)
        app = ScreenApp(screen)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(
                pilot, lambda: screen.tool is not None and len(screen.query("#tools-form #field-1"))
            )
            text_now = screen_text(app)
            for words in ("Herramientas", "Historial", "ejecutar a mano (sin conversación)", "Ejecutar"):
                assert words in text_now
            assert "Elige una herramienta, rellénala y ctrl+r la ejecuta." in text_now
            assert "a: integer (obligatorio), b: integer = 2" in text_now
            screen.query_one("#field-0", Input).value = "x"
            await wait_for(
                pilot, lambda: "a: no es un entero" in shown(screen.query_one("#tool-check", Static))
            )
            screen.query_one("#field-0", Input).value = "5"
            await wait_for(
                pilot, lambda: "coincide con el esquema" in shown(screen.query_one("#tool-check", Static))
            )
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: screen.last_run is not None)
            result = shown(screen.query_one("#tools-result", Static))
            assert result.startswith("✓ ok  ")
    conversation, recorded = recorded_call()
    with i18n.using(i18n.translations("es")):
        rerun = RerunScreen(conversation, recorded, registry_of(tools_dir))
        app = ScreenApp(rerun)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, RerunScreen))
            await pilot.pause()
            text_now = screen_text(app)
            for words in ("Reejecutar sumar", "Registrado", "Ahora", "Continuar desde aquí", "Cerrar"):
                assert words in text_now
            assert "Aún no se ha ejecutado: ctrl+r la ejecuta." in text_now
            rerun.query_one("#rerun-args", TextArea).load_text('{"a": 9}')
            await pilot.press("ctrl+r")
            await wait_for(pilot, lambda: rerun.comparison is not None)
            diff = shown(rerun.query_one("#rerun-diff", Static))
            assert diff.startswith("El resultado difiere del registrado:") and "--- registrado" in diff


async def test_a_user_with_language_es_reads_the_workbench_in_spanish(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    """The real path: ``[session] language = "es"``, a model that calls a tool, the inspector, re-run."""
    scripted_server.script(tool_calls([("sumar", '{"a": 1, "b": 2}')]), text("Son 3."))
    tools = write_tools(tmp_path, HERRAMIENTAS)
    config = Config(
        model=model_settings,
        session=SessionSettings(idle_reset_minutes=0, language="es"),
        tools=ToolSettings(modules=[str(tools)], examples=False),
    )
    from tui_chat.ui.app import TuiChatApp

    app = TuiChatApp(config, data_dir, warm_litellm=False)
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.pause()
        main = app.screen
        assert isinstance(main, MainScreen)
        composer = app.query_one(Composer)
        composer.focus()
        composer.load_text("suma 1 y 2")
        await pilot.press("enter")
        await wait_for(pilot, lambda: main.conversation is not None and not main.turn_running)
        panel = app.query_one("#inspector", InspectorPanel)
        await wait_for(pilot, lambda: "call_001" in panel.call_ids)
        panel.query_one("#inspector-calls").focus()
        panel.select_call("call_001")
        await pilot.pause()
        assert "Rondas · 2  Llamadas · 1" in screen_text(app)
        arguments = shown(panel.query_one("#body-arguments", Static))
        result = shown(panel.query_one("#body-result", Static))
        assert "✓ coincidió con el esquema de la herramienta" in arguments
        assert "salida (stdout/stderr):\nsumando 1 y 2" in result
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RerunScreen))
        await pilot.pause()
        assert "Reejecutar sumar" in screen_text(app)
        assert json.loads(app.screen.query_one("#rerun-args", TextArea).text) == {"a": 1, "b": 2}
