"""Issue 12 §3, the keys and screens: the registry's texts (footer, help, palette), the settings, help,
statistics, context-editor and dialog screens, theme-file and config messages go through the catalog.

Under the pseudo-language (tests/i18n_pseudo.py) every text looked up in the catalog comes back accented,
so a plain ASCII word left on a drawn screen is a text that bypassed ``_()``; in Spanish the same screens
read in Spanish.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from panel_fixtures import ScreenApp as BaseScreenApp
from textual.app import ComposeResult
from textual.command import CommandInput, CommandList, CommandPalette
from textual.theme import Theme
from textual.widgets import Input, Static, TextArea

from tests.i18n_pseudo import pseudo, pseudo_language, untranslated
from tests.ui.conftest import screen_text, wait_for
from tui_chat import i18n
from tui_chat.config import (
    Config,
    McpServerSettings,
    ModelSettings,
    SessionSettings,
    ToolSettings,
    UISettings,
    load_config,
    parse_config,
)
from tui_chat.engine.errors import ConfigError
from tui_chat.engine.stats import stats_rows
from tui_chat.engine.store.totals import StoreTotals, ToolTotals
from tui_chat.i18n import _
from tui_chat.i18n.po import read_po
from tui_chat.ui.actions import (
    ACTIONS,
    HELP_SECTIONS,
    PLACE_NAMES,
    SCREENS_AND_DIALOGS,
    Where,
    help_sections,
    palette_commands,
)
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.context_editor import ContextEditorScreen
from tui_chat.ui.screens.dialogs import ConfirmDialog, RenameDialog
from tui_chat.ui.screens.export_dialog import ExportDialog
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.settings import SettingsScreen
from tui_chat.ui.screens.stats import StatsScreen
from tui_chat.ui.themes import ThemeFileError, load_theme_file, load_themes


class ScreenApp(BaseScreenApp):
    """The screen under test over an empty host (the host's own text is not the screen's)."""

    def compose(self) -> ComposeResult:
        yield from ()


@pytest.fixture(autouse=True)
def english_afterwards() -> Iterator[None]:
    """A test that switches the process to Spanish leaves it in English for the next one."""
    yield
    i18n.set_language(i18n.SOURCE_LANGUAGE)


def _screen_shows(app: ScreenApp, text: str) -> bool:
    return text in screen_text(app)


async def _opened(pilot, app: ScreenApp, text: str) -> str:
    """Wait until the screen under test is up and shows ``text``; what the terminal shows then."""
    await wait_for(pilot, lambda: app.screen is app.start_screen and app.screen.is_mounted)
    await wait_for(pilot, lambda: _screen_shows(app, text))
    return screen_text(app)


# -- the registry -------------------------------------------------------------------------------------


def test_every_text_of_the_registry_is_in_the_spanish_catalog() -> None:
    """An action added without ``N_`` (or never translated) fails here, not on a user's screen."""
    catalog = read_po(i18n.catalog_path("es")).entries
    texts = {a.description for a in ACTIONS} | {a.footer for a in ACTIONS if a.footer}
    texts |= {a.palette for a in ACTIONS if a.palette}
    texts |= {title for title, __ in HELP_SECTIONS} | set(PLACE_NAMES.values())
    missing = sorted(text for text in texts if text not in catalog or not catalog[text].translated)
    assert missing == []


def test_every_place_of_the_screens_section_has_a_name_people_read() -> None:
    places = dict(HELP_SECTIONS)[SCREENS_AND_DIALOGS]
    assert set(places) == set(PLACE_NAMES)
    assert all(PLACE_NAMES[where] == where.value for where in places)  # the README's English


class Target:
    """Where a palette entry runs its action (the app, the main screen)."""

    def run_action(self, action: str) -> None: ...


TARGETS = {Where.APP: Target(), Where.CHAT: Target()}


def test_help_rows_and_palette_entries_are_looked_up_as_they_are_shown() -> None:
    with pseudo_language():
        sections = help_sections()
        commands = list(palette_commands(TARGETS))
    for title, rows in sections:
        assert untranslated(title) == [], title
        for __, description in rows:
            assert untranslated(description) == [], description
    assert [command.title for command in commands][:3] == [
        pseudo("Help"),
        pseudo("Settings"),
        pseudo("Statistics"),
    ]
    for command in commands:
        assert untranslated(f"{command.title}\n{command.help}") == []
    compose = next(c for c in commands if c.title == pseudo("Compose a message"))
    assert compose.help == pseudo("Go back to the message box") + " (ctrl+g)"  # the key stays a key


def test_help_and_palette_in_spanish() -> None:
    i18n.set_language("es")
    sections = dict(help_sections())
    assert "Pantallas y diálogos" in sections and "Cuadro de mensaje" in sections
    screens = dict(sections["Pantallas y diálogos"])
    assert screens["ctrl+s"] == "Ajustes, editor de contexto: Guardar"
    assert screens["esc / f3"] == "Ajustes: Cerrar sin guardar"
    assert dict(sections["Inspector"])["m"] == "Copiar la petición enviada al modelo como JSON"
    helps = {c.title: c.help for c in palette_commands(TARGETS)}
    assert helps["Escribir un mensaje"] == "Volver al cuadro de mensaje (ctrl+g)"
    assert helps["Deshacer eliminación"] == "Restaurar la última conversación eliminada"


# -- the screens under the pseudo-language ----------------------------------------------------------


async def test_help_screen_shows_no_untranslated_text() -> None:
    with pseudo_language():
        app = ScreenApp(HelpScreen())
        async with app.run_test(size=(140, 130)) as pilot:
            shown = await _opened(pilot, app, pseudo("Screens and dialogs"))
    assert pseudo("Keys") in shown and pseudo("Close") in shown  # the title and the footer
    assert pseudo("Copy the request sent to the model as JSON") in shown
    assert untranslated(shown) == []


async def test_settings_screen_shows_no_untranslated_text_nor_in_its_errors(tmp_path: Path) -> None:
    with pseudo_language():
        app = ScreenApp(SettingsScreen(Config(path=tmp_path / "config.toml")))
        async with app.run_test(size=(140, 50)) as pilot:
            shown = await _opened(pilot, app, pseudo("System prompt"))
            allowed = [*app.available_themes, "English", "Espa"]  # data: themes, languages by their own name
            assert untranslated(shown, allowed=[*allowed, "gpt", "o-mini"]) == []  # the model's name
            for key, value in {
                "model": "",
                "temperature": "warm",
                "max_tokens": "-5",
                "api_base": "localhost",
                "idle_reset_minutes": "-1",
                "api_key_env": "sk-1 x",
            }.items():
                app.screen.query_one(f"#{key}", Input).value = value
            await pilot.click("#save")
            status = app.screen.query_one("#settings-status", Static)
            await wait_for(pilot, lambda: str(status.render()).startswith(pseudo("Fix {count}")[:3]))
            await wait_for(pilot, lambda: pseudo("Enter a model") in screen_text(app))
            shown = screen_text(app)
            assert untranslated(shown, allowed=[*allowed, "warm", "localhost"]) == []  # + what was typed
            error = app.screen.query_one("#error-temperature", Static)
            assert str(error.render()) == pseudo("Temperature must be a number, such as {low}.").format(low=0)
            names = ", ".join(pseudo(name) for name in ("Model", "API base URL", "API key variable"))
            assert str(status.render()).startswith(
                pseudo("Fix {count} fields to save: {names}.").format(count=6, names=names)[:40]
            )
    assert app.results == [] and not (tmp_path / "config.toml").exists()


def _totals() -> StoreTotals:
    return StoreTotals(
        conversations=3,
        sessions=4,
        messages=20,
        prompt_tokens=1_000,
        completion_tokens=200,
        cost=None,
        tools={"get_time": ToolTotals(5, 1, 80.0)},
    )


def _engine_words(totals: StoreTotals) -> list[str]:
    """The stats rows are the engine's (engine/stats.py, another slice's texts): their words are
    allowed only while the engine leaves them untranslated, so this test gets stricter by itself."""
    with pseudo_language():
        rows = stats_rows(totals)
    return [word for label, value in rows for word in re.findall(r"[A-Za-z]+", f"{label} {value}")]


class Totals:
    def __init__(self, totals: StoreTotals | Exception) -> None:
        self._totals = totals

    def totals(self) -> StoreTotals:
        if isinstance(self._totals, Exception):
            raise self._totals
        return self._totals


@pytest.mark.parametrize("with_tools", [True, False], ids=["tools", "no-tools"])
async def test_stats_screen_shows_no_untranslated_text(with_tools: bool) -> None:
    totals = _totals()
    if not with_tools:
        totals.tools.clear()
    with pseudo_language():
        app = ScreenApp(StatsScreen(Totals(totals)))
        async with app.run_test(size=(100, 30)) as pilot:
            expected = pseudo("calls") if with_tools else pseudo("No function calls yet.")
            shown = await _opened(pilot, app, expected)
    assert untranslated(shown, allowed=[*_engine_words(totals), "get_time"]) == []
    if with_tools:  # the figures stay under their headings, however long a heading is
        lines = shown.splitlines()
        header = next(line for line in lines if pseudo("calls") in line)
        row = next(line for line in lines if "get_time" in line)
        assert header.index(pseudo("calls")) + len(pseudo("calls")) == row.index("5") + 1


async def test_stats_screen_error_is_translated() -> None:
    with pseudo_language():
        app = ScreenApp(StatsScreen(Totals(OSError("locked"))))
        async with app.run_test(size=(100, 30)) as pilot:
            shown = await _opened(pilot, app, "locked")
    assert untranslated(shown, allowed=["locked"]) == []


async def test_context_editor_shows_no_untranslated_text_nor_in_its_errors() -> None:
    example = ["name", "Ada"]  # the hint's example object, JSON
    with pseudo_language():
        app = ScreenApp(ContextEditorScreen({}))
        async with app.run_test(size=(100, 30)) as pilot:
            shown = await _opened(pilot, app, pseudo("User context"))
            assert untranslated(shown, allowed=example) == []
            editor = app.screen.query_one("#context-text", TextArea)
            for text, problem in [
                ('{"a": ', pseudo("a value is expected")),
                ("[1, 2]", pseudo("an array")),
                ("{a: 1}", pseudo("a key in double quotes is expected")),
                ('{"a": 1} 2', pseudo("more text after the JSON value")),
            ]:
                editor.text = text
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda problem=problem: problem in screen_text(app))
                assert untranslated(screen_text(app), allowed=example) == [], text


async def test_dialogs_show_no_untranslated_text(tmp_path: Path) -> None:
    with pseudo_language():
        app = ScreenApp(ConfirmDialog("Groceries?"))
        async with app.run_test(size=(100, 30)) as pilot:
            shown = await _opened(pilot, app, pseudo("Delete"))
        assert untranslated(shown, allowed=["Groceries"]) == []

        app = ScreenApp(RenameDialog("Groceries"))
        async with app.run_test(size=(100, 30)) as pilot:
            shown = await _opened(pilot, app, pseudo("Rename conversation"))
        assert untranslated(shown, allowed=["Groceries"]) == []

        async def write(path: Path) -> Path:
            return path

        app = ScreenApp(ExportDialog(Path("notes.md"), write))
        async with app.run_test(size=(140, 30)) as pilot:
            shown = await _opened(pilot, app, pseudo("Export as Markdown to:"))
            assert untranslated(shown, allowed=["notes"]) == []
            app.screen.query_one("#export-path", Input).value = ""
            await pilot.click("#confirm")
            await wait_for(pilot, lambda: pseudo("Type a file name.") in screen_text(app))
            assert untranslated(screen_text(app)) == []


async def test_help_and_settings_read_in_spanish(tmp_path: Path) -> None:
    i18n.set_language("es")
    app = ScreenApp(HelpScreen())
    async with app.run_test(size=(140, 130)) as pilot:
        shown = await _opened(pilot, app, "Pantallas y diálogos")
    for text in ("Teclas", "En cualquier lugar", "Ayuda: todas las teclas", "Volver al cuadro de mensaje"):
        assert text in shown
    assert "Ajustes, editor de contexto: Guardar" in shown
    assert "esc Cerrar" in shown.splitlines()[-1]  # the footer

    app = ScreenApp(SettingsScreen(Config(path=tmp_path / "config.toml")))
    async with app.run_test(size=(140, 50)) as pilot:
        shown = await _opened(pilot, app, "Instrucciones del sistema")
        for text in ("Ajustes", "Temperatura (0–2)", "Idioma", "Tema", "Guardar", "Cancelar"):
            assert text in shown, text
        assert "esc Cancelar" in shown.splitlines()[-1] and "^s Guardar" in shown.splitlines()[-1]
        app.screen.query_one("#temperature", Input).value = "3"
        await pilot.click("#save")
        await wait_for(pilot, lambda: "Corrige 1 campo para guardar: Temperatura." in screen_text(app))
        error = app.screen.query_one("#error-temperature", Static)
        assert str(error.render()) == "La temperatura debe estar entre 0 y 2."
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results)
    assert app.results == [None]


# -- theme files and the config: messages a person reads ----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        'name = "b"\nprimary = "#123456"\nbroken = = 1\n',
        'name = "b"\nprimary = "#123456"\nsparkle = "#fff"\n',
        'primary = "#123456"\n',
        'name = "b"\n',
        'name = "b"\nprimary = "blue-ish"\n',
        'name = "b"\nprimary = "#123456"\ndark = "yes"\n',
        'name = "b"\nprimary = "#123456"\nluminosity_spread = "x"\n',
        'name = "b"\nprimary = "#123456"\nvariables = 3\n',
        'name = "b"\nprimary = "#123456"\n[variables]\nx = 1\n',
    ],
)
def test_theme_file_messages_are_translated(tmp_path: Path, text: str) -> None:
    path = tmp_path / "b.toml"
    path.write_text(text, encoding="utf-8")
    with pseudo_language(), pytest.raises(ThemeFileError) as raised:
        load_theme_file(path)
    message = str(raised.value).replace(str(path), "")
    # Left as written: the keys a theme file may have, the file's values, TOML's own parser message.
    data = [*(field.name for field in dataclasses.fields(Theme)), "sparkle", "blue-ish", "yes", "variables"]
    if "broken" in text:
        assert pseudo("theme file {path}: invalid TOML: {error}").split(":")[1] in message
        message = message.split(":", 2)[1]  # tomllib's own English after it
    assert untranslated(message, allowed=data) == [], message


def test_theme_errors_in_spanish(tmp_path: Path) -> None:
    (tmp_path / "b.toml").write_text('name = "b"\nprimary = "#123456"\ndark = "yes"\n', encoding="utf-8")
    i18n.set_language("es")
    __, errors = load_themes(tmp_path)
    assert errors == [f"archivo de tema {tmp_path / 'b.toml'}: 'dark' debe ser true o false, no 'yes'"]


CONFIG_ERRORS = [
    '[session]\nlanguage = "fr"\n',
    "[model]\nmodle = 1\n",
    "[modle]\nname = 1\n",
    "[tools]\nmodules = [1]\n",
    "[tools]\ntimeout = 0\n",
    "[model]\ntemperature = 3\n",
    "model = 1\n",
    "[model\n",
    "[mcp]\nserver = {}\n",
    "[mcp]\nservers = 1\n",
    '[mcp.servers."a b"]\ncommand = "a"\n',
    '[mcp.servers.tools]\ncommand = "a"\n',
    '[mcp.servers.x]\ncommand = "a"\nurl = "http://h/mcp"\n',
    "[mcp.servers.x]\nargs = []\n",
    '[mcp.servers.x]\nurl = "ftp://h"\n',
    '[mcp.servers.x]\ncommand = "a"\nenv = { A = 1 }\n',
]


CONFIG_KEYS = {
    *("model", "session", "tools", "ui", "mcp", "servers"),
    *(
        field.name
        for section in (ModelSettings, SessionSettings, ToolSettings, UISettings, McpServerSettings)
        for field in dataclasses.fields(section)
    ),
}


def _config_error(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, Path("c.toml"))
    return raised.value


@pytest.mark.parametrize("text", CONFIG_ERRORS)
def test_config_messages_are_translated(text: str) -> None:
    with pseudo_language():
        error = _config_error(text)
    shown = f"{error.message}\n{error.hint}".replace("c.toml", "")
    # Left as written: the config's sections and keys, the file's values (and TOML's own parser message).
    data = {*CONFIG_KEYS, "modle", "server", "ftp", "http", "mcp-server-time"}
    if text == "[model\n":
        shown = shown.split(": ", 1)[0] + "\n" + error.hint
    assert untranslated(shown, allowed=data) == [], shown


def test_config_messages_in_spanish() -> None:
    i18n.set_language("es")
    error = _config_error("[model]\ntemperature = 3\n")
    assert error.message == "c.toml: 'model.temperature' debe estar entre 0 y 2, no 3."
    error = _config_error('[session]\nlanguage = "fr"\n')
    assert error.message == "c.toml: 'session.language' debe ser 'en' o 'es', no 'fr'."
    error = _config_error("[model]\nmodle = 1\n")
    assert error.message == "c.toml: clave desconocida 'model.modle'."
    assert error.hint.startswith("Claves conocidas en [model]: api_base, api_key_env")
    error = _config_error("[tools]\nmodules = [1]\n")
    assert "debe ser una lista de textos" in error.message


def test_the_language_is_looked_up_when_shown_not_when_imported() -> None:
    """The catalog's texts are looked up each time: a switch to Spanish applies to the next screen."""
    english = dict(help_sections())["Anywhere"]
    i18n.set_language("es")
    spanish = dict(help_sections())["En cualquier lugar"]
    assert [key for key, __ in english] == [key for key, __ in spanish]
    assert _("Settings") == "Ajustes" and json.dumps(english) != json.dumps(spanish)


# -- in the real app: the palette, and the keys of a Spanish configuration -----------------------------


def palette_entries(app: TuiChatApp) -> list[str]:
    """The palette's entries as shown: title, then help line."""
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return []
    options = palette.query_one(CommandList).options
    return [getattr(option.prompt, "plain", str(option.prompt)) for option in options]


async def _open_palette(app: TuiChatApp, pilot) -> list[str]:
    await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: len(palette_entries(app)) > 20)
    return palette_entries(app)


async def test_the_palette_shows_no_untranslated_text(make_app) -> None:
    with pseudo_language():
        app = make_app()
        async with app.run_test(size=(140, 50)) as pilot:
            entries = await _open_palette(app, pilot)
            placeholder = app.screen.query_one(CommandInput).placeholder
    assert placeholder == pseudo("Search for commands…")
    assert pseudo("Change the current theme") in "\n".join(entries)  # Textual's own commands too
    assert untranslated("\n".join(entries), allowed=["SVG"]) == []


async def test_a_spanish_config_gives_spanish_keys_help_settings_and_palette(make_app) -> None:
    app = make_app(language="es")
    async with app.run_test(size=(140, 60)) as pilot:
        entries = "\n".join(await _open_palette(app, pilot))
        for text in ("Nueva conversación", "Escribir un mensaje", "Volver al cuadro de mensaje (ctrl+g)"):
            assert text in entries
        assert "Cambiar el tema actual" in entries and "Salir" in entries
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "Ayuda: todas las teclas" in screen_text(app))
        assert "esc Cerrar" in screen_text(app).splitlines()[-1]
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f3")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await wait_for(pilot, lambda: "Instrucciones del sistema" in screen_text(app))
        assert "^s Guardar" in screen_text(app).splitlines()[-1]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        footer = screen_text(app).splitlines()[-1]
    assert "Ayuda" in footer and "Ajustes" in footer  # the main screen's footer, from the registry


def test_a_config_that_cannot_be_used_is_reported_in_the_language_it_asks_for(tmp_path: Path) -> None:
    """The process's language is set from a config that loaded; a broken one says so in its own."""
    config, settings = tmp_path / "config.toml", tmp_path / "settings.toml"
    config.write_text('[session]\nlanguage = "es"\n\n[model]\ntemperature = 3\n', encoding="utf-8")
    assert i18n.current_language() == "en"
    with pytest.raises(ConfigError) as raised:
        load_config(config, settings_path=settings)
    assert raised.value.message == f"{config}: 'model.temperature' debe estar entre 0 y 2, no 3."
    assert i18n.current_language() == "en" and _("Settings") == "Settings"  # nothing else changed

    settings.write_text('[session]\nlanguage = "en"\n', encoding="utf-8")  # the settings file's wins
    with pytest.raises(ConfigError, match="must be between 0 and 2"):
        load_config(config, settings_path=settings)

    config.write_text('[session]\nlanguage = "es"\n', encoding="utf-8")
    settings.write_text("[model\n", encoding="utf-8")  # itself broken: the config file's language
    with pytest.raises(ConfigError) as raised:
        load_config(config, settings_path=settings)
    assert "TOML no válido" in raised.value.message
    assert raised.value.hint == "Corrige la línea indicada arriba."
