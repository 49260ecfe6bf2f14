"""Settings, help, stats and context-editor screens: what they show, validate, save and return."""

from __future__ import annotations

from pathlib import Path

import pytest
from panel_fixtures import ScreenApp
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Input, Select, Static, TextArea

from tests.ui.conftest import wait_for
from tui_chat.config import Config, load_config
from tui_chat.engine.store.totals import StoreTotals, ToolTotals
from tui_chat.ui.screens.context_editor import ContextEditorScreen
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.settings import SettingsScreen
from tui_chat.ui.screens.stats import StatsScreen

SIZE = (120, 50)


def shown(app: ScreenApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def opened(pilot, app: ScreenApp) -> None:
    """Wait until the screen under test is up with its widgets mounted."""
    await wait_for(pilot, lambda: app.screen is app.start_screen and app.screen.is_mounted)


async def closed(pilot, app: ScreenApp) -> None:
    await wait_for(pilot, lambda: app.screen is not app.start_screen)


def screen_lines(app: ScreenApp) -> str:
    update = app.screen._compositor.render_full_update(simplify=True)
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)


def bottom_line(app: ScreenApp) -> str:
    update = app.screen._compositor.render_full_update(simplify=True)
    return "".join(strip.text for strip in update.strips[-1])


async def fill(app: ScreenApp, **values: str) -> None:
    for key, value in values.items():
        app.screen.query_one(f"#{key}", Input).value = value


async def test_settings_save_writes_the_toml_and_returns_the_new_config(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = ScreenApp(SettingsScreen(Config(path=path)))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        await fill(app, model="ollama/llama3.1", temperature="0", max_tokens="256", idle_reset_minutes="0")
        await fill(app, api_base="http://localhost:11434", api_key_env="MY_KEY")
        app.screen.query_one("#system_prompt", TextArea).text = "Line one [b]\nLine two"
        app.screen.query_one("#language", Select).value = "es"
        app.screen.query_one("#theme", Select).value = "tui-chat-light"
        await wait_for(pilot, lambda: app.theme == "tui-chat-light")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results)
    [saved] = app.results
    assert isinstance(saved, Config)
    assert saved.model.temperature == 0.0 and saved.model.max_tokens == 256
    on_disk = load_config(path)
    assert on_disk.model.name == "ollama/llama3.1"
    assert on_disk.model.temperature == 0.0
    assert on_disk.model.api_base == "http://localhost:11434"
    assert on_disk.model.api_key_env == "MY_KEY"
    assert on_disk.session.system_prompt == "Line one [b]\nLine two"
    assert on_disk.session.idle_reset_minutes == 0.0
    assert on_disk.session.language == "es"
    assert on_disk.ui.theme == "tui-chat-light"


async def test_settings_invalid_fields_get_inline_messages_and_nothing_is_saved(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = ScreenApp(SettingsScreen(Config(path=path)))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        await fill(app, model="", temperature="warm", max_tokens="-5", api_base="localhost")
        await fill(app, idle_reset_minutes="-1", api_key_env="sk-123 secret")
        await pilot.click("#save")
        await wait_for(pilot, lambda: "Fix 6 fields" in shown(app, "#settings-status"))
        assert "Enter a model" in shown(app, "#error-model")
        assert "Temperature must be a number" in shown(app, "#error-temperature")
        assert "whole number, 1 or more" in shown(app, "#error-max_tokens")
        assert "http://" in shown(app, "#error-api_base")
        assert "0 turns it off" in shown(app, "#error-idle_reset_minutes")
        assert "environment variable" in shown(app, "#error-api_key_env")
        assert "Fix 6 fields" in shown(app, "#settings-status")
        assert isinstance(app.screen, SettingsScreen)
        await fill(app, temperature="3")
        await pilot.click("#save")
        await wait_for(pilot, lambda: "between 0 and 2" in shown(app, "#error-temperature"))
    assert app.results == [] and not path.exists()


async def test_settings_escape_cancels_restores_the_theme_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    app = ScreenApp(SettingsScreen(Config(path=path)))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        app.screen.query_one("#theme", Select).value = "tui-chat-high-contrast"
        await wait_for(pilot, lambda: app.theme == "tui-chat-high-contrast")  # live preview
        app.screen.query_one("#model-picker", Select).value = "gpt-4o"
        await wait_for(pilot, lambda: app.screen.query_one("#model", Input).value == "gpt-4o")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results)
        assert app.theme == "tui-chat-dark"
    assert app.results == [None] and not path.exists()


async def test_help_lists_keys_and_actions_literally_in_aligned_columns() -> None:
    long = "A description long enough to wrap at this width, " * 3
    sections = [
        ("[red]Main[/]", [("ctrl+n", "New conversation"), ("[b]", "Show [bold]this[/] literally")]),
        ("Other", [("ctrl+shift+x", long.strip())]),
    ]
    app = ScreenApp(HelpScreen(sections))
    async with app.run_test(size=(80, 30)) as pilot:
        await opened(pilot, app)
        await wait_for(pilot, lambda: "New conversation" in screen_lines(app))
        lines = screen_lines(app).splitlines()
        assert any("[red]Main[/]" in line for line in lines)
        row = next(line for line in lines if "ctrl+n" in line)
        column = row.index("New conversation")
        assert next(line for line in lines if "[b]" in line).index("Show [bold]this[/] literally") == column
        first = next(index for index, line in enumerate(lines) if "ctrl+shift+x" in line)
        assert lines[first].index("A description") == column
        # The long one wraps, and its next line goes on in the description column, not under the keys.
        following = lines[first + 1]
        assert following[:column].strip(" │") == "" and following[column] != " "
        await pilot.press("escape")
        await closed(pilot, app)
        assert not isinstance(app.screen, HelpScreen)


class FakeStore:
    def __init__(self, totals: StoreTotals | Exception) -> None:
        self._totals = totals

    def totals(self) -> StoreTotals:
        if isinstance(self._totals, Exception):
            raise self._totals
        return self._totals


async def test_stats_show_totals_tokens_cost_and_per_tool_figures() -> None:
    totals = StoreTotals(
        conversations=12,
        sessions=15,
        messages=340,
        prompt_tokens=12_000,
        completion_tokens=3_400,
        cost=0.0123,
        tools={"buscar_informacion": ToolTotals(40, 2, 120.5), "[red]odd[/]": ToolTotals(3, 3, 15_000.0)},
    )
    app = ScreenApp(StatsScreen(FakeStore(totals)))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        await wait_for(pilot, lambda: "Conversations" in shown(app, "#stats-text"))
        text = shown(app, "#stats-text")
    assert "Conversations  12" in text and "Messages       340" in text
    assert "15,400 (12,000 prompt, 3,400 completion)" in text and "$0.0123" in text
    assert "buscar_informacion" in text and "120 ms" in text
    assert "[red]odd[/]" in text and "15.0 s" in text


async def test_stats_show_a_readable_error_when_the_store_fails() -> None:
    app = ScreenApp(StatsScreen(FakeStore(OSError("index locked"))))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        await wait_for(
            pilot, lambda: "Could not read the statistics: index locked" in shown(app, "#stats-text")
        )


async def test_context_editor_returns_the_edited_object() -> None:
    app = ScreenApp(ContextEditorScreen({"name": "Ada"}))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        assert '"name": "Ada"' in app.screen.query_one("#context-text", TextArea).text
        app.screen.query_one("#context-text", TextArea).text = '{"name": "Grace", "city": "[b]Madrid"}'
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: app.results)
    assert app.results == [{"name": "Grace", "city": "[b]Madrid"}]


async def test_context_editor_rejects_json_that_is_not_an_object_and_escape_cancels() -> None:
    app = ScreenApp(ContextEditorScreen({}))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        editor = app.screen.query_one("#context-text", TextArea)
        editor.text = "[1, 2]"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "must be a JSON object" in shown(app, "#context-error"))
        editor.text = '{"a": '
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "Not valid JSON" in shown(app, "#context-error"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.results)
    assert app.results == [None]


class AppWithKeys(ScreenApp):
    """A host with app-wide keys and its own footer, like the real app's main screen."""

    BINDINGS = [Binding("f1", "bell", "Help"), Binding("f3", "bell", "Settings")]

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Footer()


@pytest.mark.parametrize(
    ("make_screen", "keys"),
    [
        (lambda path: SettingsScreen(Config(path=path)), ["esc Cancel", "^s Save"]),
        (lambda path: ContextEditorScreen({}), ["esc Cancel", "^s Save"]),
        (lambda path: HelpScreen(), ["esc Close"]),
        (lambda path: StatsScreen(FakeStore(OSError("x"))), ["esc Close"]),
    ],
    ids=["settings", "context", "help", "stats"],
)
async def test_modal_screens_show_their_own_keys_in_the_footer(tmp_path: Path, make_screen, keys) -> None:
    app = AppWithKeys(make_screen(tmp_path / "config.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await opened(pilot, app)
        await wait_for(pilot, lambda: all(key in bottom_line(app) for key in keys))
        bottom = bottom_line(app)
    for key in keys:
        assert key in bottom
    assert "Help" not in bottom and "Settings" not in bottom  # the app's keys are not this screen's


async def test_settings_at_40_rows_show_language_and_theme_without_scrolling(tmp_path: Path) -> None:
    app = ScreenApp(SettingsScreen(Config(path=tmp_path / "config.toml")))
    async with app.run_test(size=(140, 40)) as pilot:
        await opened(pilot, app)
        form = app.screen.query_one("#settings-form")
        await wait_for(pilot, lambda: app.screen.query_one("#temperature").region.area > 0)
        assert form.scroll_y == 0
        for selector in ("#language", "#theme", "#model", "#temperature"):
            assert form.region.contains_region(app.screen.query_one(selector).region), selector
        await pilot.press("f3")  # the key that opens the settings closes them
        await wait_for(pilot, lambda: app.results)
    assert app.results == [None]
