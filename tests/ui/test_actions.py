"""One registry of actions and keys (ui/actions.py): every binding comes from it, and help, the palette and
the footer show what it says."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.app import App
from textual.binding import Binding
from textual.command import CommandList, CommandPalette

import tui_chat.ui
from tests.ui.conftest import screen_text, wait_for
from tui_chat.config import UISettings
from tui_chat.ui.actions import ACTIONS, HELP_SECTIONS, Where, bindings, help_sections, palette_commands
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.conversation_options import ConversationOptions
from tui_chat.ui.widgets.inspector import InspectorPanel


def ui_classes_with_bindings() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(tui_chat.ui.__path__, prefix="tui_chat.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and "BINDINGS" in vars(cls):
                found.append(cls)
    return found


def as_tuples(binding_list: list[Binding | tuple[str, ...]]) -> list[tuple[str, str, str, bool, bool]]:
    made = [b if isinstance(b, Binding) else Binding(*b) for b in binding_list]
    return [(b.key, b.action, b.description, b.show, b.priority) for b in made]


def binders() -> dict[Where, type]:
    """The class whose BINDINGS each ``Where`` fills; asserts that every class with BINDINGS of its own
    has exactly the registry's for one ``Where``."""
    found: dict[Where, type] = {}
    for cls in ui_classes_with_bindings():
        own = as_tuples(vars(cls)["BINDINGS"])
        wheres = [where for where in Where if own == as_tuples(bindings(where))]
        assert wheres, f"{cls.__qualname__} has BINDINGS of its own: put them in ui/actions.py"
        assert len(wheres) == 1 or not own, (cls.__qualname__, wheres)
        if own:
            assert wheres[0] not in found, (found[wheres[0]], cls)
            found[wheres[0]] = cls
    return found


def test_every_binding_in_the_app_comes_from_the_registry() -> None:
    found = binders()
    bound = {action.where for action in ACTIONS if action.bound and action.keys}
    assert bound == set(found), "a Where with bound keys but no class using bindings(Where)"
    assert found[Where.CHAT] is MainScreen and found[Where.APP] is TuiChatApp
    assert found[Where.INSPECTOR] is InspectorPanel and found[Where.LIST] is ConversationOptions


def test_every_bound_action_exists_where_it_is_bound() -> None:
    found = binders()
    for action in ACTIONS:
        if action.bound and action.keys:
            method = "action_" + action.name.split("(", 1)[0]
            assert hasattr(found[action.where], method), f"{action.where}: no {method}"
    palette = [action for action in ACTIONS if action.palette]
    assert {action.where for action in palette} <= {Where.APP, Where.CHAT}  # the palette's targets
    for action in palette:
        assert hasattr(found[action.where], "action_" + action.name), action.name


def test_the_keys_textual_and_the_composer_provide_are_what_the_registry_says() -> None:
    documented = {action.name: action.keys for action in ACTIONS if not action.bound}
    assert documented["command_palette"] == (App.COMMAND_PALETTE_BINDING,)
    quits = [b for b in App.BINDINGS if isinstance(b, Binding) and b.action == "quit"]
    assert documented["quit"] == tuple(quits[0].key.split(","))
    assert documented["newline"] == tuple(UISettings().newline_keys)


def test_one_key_does_one_thing_in_each_place() -> None:
    seen: dict[tuple[Where, str], str] = {}
    for action in ACTIONS:
        for key in action.keys:
            assert seen.setdefault((action.where, key), action.name) == action.name, (action.where, key)
    placed = [where for _, wheres in HELP_SECTIONS for where in wheres]
    assert sorted(placed) == sorted(Where) and len(placed) == len(set(placed))


def test_help_lists_every_key_of_the_registry() -> None:
    rows = [row for _, section in help_sections() for row in section]
    labels = {key for key, _ in rows}
    assert {"ctrl+g", "c", "a", "r", "m"} <= labels
    inspector = dict(next(rows for title, rows in help_sections() if title == "Inspector"))
    assert inspector["m"] == "Copy the request sent to the model as JSON"
    described = " ".join(description for _, description in rows)
    for action in ACTIONS:
        if action.keys:
            assert action.description in described, action.name


async def test_f1_in_the_app_shows_the_registry_keys(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(120, 90)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(pilot, lambda: "Copy the request sent to the model as JSON" in screen_text(app))
        shown = screen_text(app)
        for line in ("ctrl+g", "Go back to the message box", "Copy the call's arguments as JSON"):
            assert line in shown
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))


def palette_titles(app: TuiChatApp) -> list[str]:
    palette = app.screen
    if not isinstance(palette, CommandPalette):
        return []
    commands = palette.query_one(CommandList)
    prompts = [getattr(option.prompt, "plain", str(option.prompt)) for option in commands.options]
    return [prompt.split("\n", 1)[0] for prompt in prompts]  # the title, without its help line


async def test_the_palette_offers_the_registry_actions_and_runs_them(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        main = app.screen
        titles = [c.title for c in palette_commands({Where.APP: app, Where.CHAT: main})]
        assert [c.title for c in app.get_system_commands(main)][-len(titles) :] == titles
        assert "Toggle inspector" in titles and "Compose a message" in titles
        helps = {c.title: c.help for c in palette_commands({Where.APP: app, Where.CHAT: main})}
        assert helps["Compose a message"] == "Go back to the message box (ctrl+g)"
        assert helps["Undo delete"].endswith("deleted conversation")  # no key: no "(…)"
        inspector = main.query_one("#inspector")
        assert inspector.display
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Toggle inspector")
        await wait_for(pilot, lambda: palette_titles(app)[:1] == ["Toggle inspector"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is main and not inspector.display)


@pytest.mark.parametrize("where", [Where.CHAT, Where.LIST, Where.INSPECTOR])
def test_footer_labels_are_shown_for_the_first_key_only(where: Where) -> None:
    made = bindings(where)
    shown = [b for b in made if b.show]
    assert len(shown) == len([a for a in ACTIONS if a.where is where and a.footer and a.bound])
    assert all("," not in b.key for b in shown)
