"""Every action and key of the TUI, once: the BINDINGS, the help screen, the command palette and the
README's key table are all made from :data:`ACTIONS`.

Adding a key is one entry here, next to the ``action_<name>`` method on the class that ``where`` names
(``BINDINGS = bindings(Where.CHAT)`` on the main screen, and so on); a new screen also gets a ``Where``
member and ``BINDINGS = bindings(Where.ITS_NAME)``. Entries with ``bound=False`` are keys that a widget
handles in code or that Textual itself provides: they are documented, not bound. After a change,
``python -m tui_chat.ui.actions`` prints the README's table (tests/test_readme.py compares them).

The texts are English, marked with ``N_`` for the catalog: the footer, the help screen and the palette
look them up as they show them (the README's table is the English documentation and stays English).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from textual.binding import Binding

from tui_chat.i18n import N_, _


class Where(StrEnum):
    """Where a key applies; each value is the class whose BINDINGS it fills."""

    APP = "app"  # anywhere (TuiChatApp)
    CHAT = "chat"  # the main screen (MainScreen)
    COMPOSER = "composer"  # the message box (Composer, in code)
    LIST = "list"  # the conversation list (its ConversationOptions)
    MESSAGE = "message"  # a focused message (MessageBlock)
    TOOL_CALL = "tool call"  # a focused tool call in the chat (ToolCallBlock)
    INSPECTOR = "inspector"  # the function-call inspector (InspectorPanel)
    INSPECTOR_OVERLAY = "inspector overlay"  # the inspector on a narrow terminal (InspectorScreen)
    SETTINGS = "settings"  # modal screens and dialogs from here on
    CONTEXT_EDITOR = "context editor"
    HELP = "help"
    STATS = "statistics"
    SEARCH = "search"
    CONFIRM = "confirm dialog"
    RENAME = "rename dialog"
    RERUN = "re-run"  # re-running a recorded call (RerunScreen)
    TOOLS_PANEL = "tools panel"  # running a tool by hand (ToolsPanelScreen)
    EXPORT = "export dialog"


PLACE_NAMES: dict[Where, str] = {
    Where.SETTINGS: N_("settings"),
    Where.CONTEXT_EDITOR: N_("context editor"),
    Where.HELP: N_("help"),
    Where.STATS: N_("statistics"),
    Where.SEARCH: N_("search"),
    Where.CONFIRM: N_("confirm dialog"),
    Where.RENAME: N_("rename dialog"),
    Where.RERUN: N_("re-run"),
    Where.TOOLS_PANEL: N_("tools panel"),
    Where.EXPORT: N_("export dialog"),
}
"""How the help's "Screens and dialogs" rows name their screen ("Settings, context editor: Save"); the
English is the ``Where`` value, as in the README. A new screen's ``Where`` needs a name here too."""

UNQUALIFIED = frozenset({Where.APP, Where.CHAT, Where.COMPOSER})
"""Keys that work on the main screen as it opens: the README's table leaves their "Where" empty."""

KEY_NAMES = {"escape": "esc", "delete": "del", "slash": "/"}
"""How a Textual key name is shown to people (help, README); the rest are shown as they are."""


@dataclass(frozen=True)
class Action:
    """One thing the user can do: its Textual action, keys, text, and where it applies."""

    name: str
    """The Textual action string, run on the class of ``where`` (e.g. ``copy_section('all')``)."""
    keys: tuple[str, ...]
    """Textual key names; the first is the one the footer shows. Empty: palette only."""
    description: str
    """What it does, for the help screen, the README and the palette's second line (``N_``-marked)."""
    where: Where
    footer: str | None = None
    """A short label to show in the footer (with the first key); None: not in the footer."""
    palette: str | None = None
    """The title of its command-palette entry; None: not in the palette."""
    bound: bool = True
    """False: handled in code or by Textual, so documented but not made into a Binding."""
    priority: bool = False


A = Action
W = Where
# fmt: off
ACTIONS: tuple[Action, ...] = (
    # -- anywhere --------------------------------------------------------------------------------------
    A("help", ("f1",), N_("Help: every key"), W.APP, footer=N_("Help"), palette=N_("Help")),
    A("settings", ("f3",), N_("Settings (model, API key, temperature, idle reset…)"), W.APP,
      footer=N_("Settings"), palette=N_("Settings")),
    A("stats", ("f9",), N_("Statistics: conversations, messages, tool calls, tokens"), W.APP,
      palette=N_("Statistics")),
    A("tools_panel", ("f5",), N_("Tools panel: run any tool by hand (a form from its schema, or JSON)"),
      W.APP, footer=N_("Tools"), palette=N_("Tools panel")),
    A("search", ("ctrl+f",), N_("Search every conversation: messages, replies, tool calls, results, errors"),
      W.APP, palette=N_("Search"), priority=True),
    A("reload_tools", (), N_("Reload the tool modules (saving one reloads it too)"), W.APP,
      palette=N_("Reload tools")),
    A("command_palette", ("ctrl+p",), N_("Command palette: every action, and themes"), W.APP, bound=False),
    A("focus_next", ("tab", "shift+tab"), N_("Move between panes and messages"), W.APP, bound=False),
    A("quit", ("ctrl+q",), N_("Quit"), W.APP, bound=False),
    # -- the main screen -------------------------------------------------------------------------------
    A("new_conversation", ("ctrl+n",), N_("New conversation"), W.CHAT,
      footer=N_("New"), palette=N_("New conversation")),
    A("focus_list", ("ctrl+l",), N_("Go to the conversation list; typing there filters it"), W.CHAT,
      footer=N_("Chats"), palette=N_("Conversation list")),
    A("focus_composer", ("ctrl+g",), N_("Go back to the message box"), W.CHAT,
      palette=N_("Compose a message")),
    A("cancel_reply", ("escape",), N_("Stop the reply (the partial reply is kept, marked interrupted)"),
      W.CHAT, palette=N_("Stop the reply")),
    A("retry", ("ctrl+r",), N_("Retry after an error"), W.CHAT, palette=N_("Retry")),
    A("toggle_tool_calls", ("ctrl+o",), N_("Expand or collapse every tool call"), W.CHAT,
      footer=N_("Tool calls"), palette=N_("Toggle tool calls")),
    A("toggle_inspector", ("f2",), N_("Show or hide the function-call inspector"), W.CHAT,
      footer=N_("Inspector"), palette=N_("Toggle inspector")),
    A("toggle_sidebar", ("f6",), N_("Show or hide the conversation list"), W.CHAT,
      palette=N_("Toggle conversation list"), priority=True),  # priority: the composer's TextArea binds f6/f7
    A("focus_mode", ("f7",), N_("Focus mode: only the chat (again: the panes come back)"), W.CHAT,
      palette=N_("Focus mode"), priority=True),
    A("edit_context", ("f4",), N_("Edit the user context of the conversation"), W.CHAT, footer=N_("Context"),
      palette=N_("Edit context")),
    A("copy_last_reply", ("ctrl+b",), N_("Copy the last reply"), W.CHAT, palette=N_("Copy last reply")),
    A("export", ("ctrl+s",), N_("Export this conversation as Markdown, to a file you choose"), W.CHAT,
      palette=N_("Export as Markdown")),
    A("undo_delete", (), N_("Restore the latest deleted conversation"), W.CHAT, palette=N_("Undo delete")),
    # -- the message box -------------------------------------------------------------------------------
    A("send", ("enter",), N_("Send the message"), W.COMPOSER, bound=False),
    A("newline", ("shift+enter", "ctrl+j"), N_("New line in the message (ui.newline_keys)"), W.COMPOSER,
      bound=False),
    A("recall", ("up", "down"), N_("Walk through earlier messages (empty message box); down past the newest "
      "brings back what you were typing"), W.COMPOSER, bound=False),
    A("scroll_page", ("pageup", "pagedown"), N_("Scroll the chat by a page"), W.COMPOSER, bound=False),
    A("scroll_ends", ("ctrl+home", "ctrl+end"), N_("Scroll the chat to the top / the newest message "
      "(home / end too while the message box is empty)"), W.COMPOSER, bound=False),
    # -- the conversation list -------------------------------------------------------------------------
    A("open", ("enter",), N_("Open the highlighted conversation"), W.LIST, bound=False),
    A("filter", ("backspace", "ctrl+u", "escape"), N_("Edit / clear the filter"), W.LIST, bound=False),
    A("rename", ("ctrl+e",), N_("Rename the conversation"), W.LIST, footer=N_("Rename")),
    A("delete", ("delete", "ctrl+d"), N_("Delete the conversation (to the trash, after asking)"), W.LIST,
      footer=N_("Delete")),
    A("undo", ("ctrl+z",), N_("Undo a delete (again for each earlier delete)"), W.LIST,
      footer=N_("Undo delete")),
    A("search_inside", ("slash",), N_("Search inside every conversation (with an empty filter)"), W.LIST,
      bound=False),
    # -- a focused message or tool call ----------------------------------------------------------------
    A("copy_message", ("c",), N_("Copy the message (OSC 52)"), W.MESSAGE, footer=N_("Copy message")),
    A("copy_code", ("y",), N_("Copy its next code block"), W.MESSAGE, footer=N_("Copy code")),
    A("toggle", ("enter",), N_("Expand or collapse the call and select it in the inspector"), W.TOOL_CALL),
    A("copy", ("c",), N_("Copy the call (name, arguments, result) as JSON"), W.TOOL_CALL, footer=N_("Copy")),
    # -- the inspector ---------------------------------------------------------------------------------
    A("copy_section('all')", ("c",), N_("Copy the whole call as JSON"), W.INSPECTOR, footer=N_("Copy call")),
    A("copy_section('arguments')", ("a",), N_("Copy the call's arguments as JSON"), W.INSPECTOR),
    A("copy_section('result')", ("r",), N_("Copy the call's result as JSON"), W.INSPECTOR),
    A("copy_section('request')", ("m",), N_("Copy the request sent to the model as JSON"), W.INSPECTOR),
    A("rerun", ("e",), N_("Re-run the call with edited arguments against the current tool code"), W.INSPECTOR,
      footer=N_("Re-run call")),
    A("copy_test", ("t",), N_("Copy the call as a pytest test (arguments in, recorded result expected)"),
      W.INSPECTOR, footer=N_("Copy as test")),
    A("dismiss", ("escape", "f2"), N_("Close the inspector overlay"), W.INSPECTOR_OVERLAY,
      footer=N_("Close inspector")),
    # -- screens and dialogs ---------------------------------------------------------------------------
    A("cancel", ("escape", "f3"), N_("Close without saving"), W.SETTINGS, footer=N_("Cancel")),
    A("save", ("ctrl+s",), N_("Save"), W.SETTINGS, footer=N_("Save")),
    A("cancel", ("escape",), N_("Close without saving"), W.CONTEXT_EDITOR,
      footer=N_("Cancel"), priority=True),
    A("save", ("ctrl+s",), N_("Save"), W.CONTEXT_EDITOR, footer=N_("Save")),
    A("dismiss", ("escape", "q", "f1"), N_("Close"), W.HELP, footer=N_("Close")),
    A("dismiss", ("escape", "q", "f9"), N_("Close"), W.STATS, footer=N_("Close")),
    A("open", ("enter",), N_("Open the conversation at that message, highlighted"), W.SEARCH, bound=False),
    A("dismiss_search", ("escape",), N_("Close"), W.SEARCH, footer=N_("Close")),
    A("cycle_role", ("ctrl+r",), N_("Filter by role: all, user, assistant, tool, title"), W.SEARCH,
      footer=N_("Role")),
    A("cycle_tool", ("ctrl+t",), N_("Filter by tool: any, then each tool ever called"), W.SEARCH,
      footer=N_("Tool")),
    A("toggle_errors", ("ctrl+o",), N_("Only failed tool calls and failed replies"), W.SEARCH,
      footer=N_("Errors only")),
    A("focus_query", ("ctrl+f",), N_("Back to the query"), W.SEARCH),
    A("cancel", ("escape", "n"), N_("No, leave it"), W.CONFIRM, footer=N_("Cancel")),
    A("confirm", ("y",), N_("Yes, do it"), W.CONFIRM, footer=N_("Confirm")),
    A("cancel", ("escape",), N_("Keep the old name"), W.RENAME, footer=N_("Cancel")),
    A("close", ("escape",), N_("Close (nothing in the conversation changes)"), W.RERUN, footer=N_("Close"),
      priority=True),
    A("run", ("ctrl+r",), N_("Run the call with the arguments in the editor"), W.RERUN, footer=N_("Run"),
      priority=True),
    A("edit_result", ("ctrl+o",), N_("Write the result by hand"), W.RERUN,
      footer=N_("Edit result"), priority=True),
    A("continue", ("ctrl+g",), N_("Continue from here: fork the conversation with the new result"), W.RERUN,
      footer=N_("Continue from here (fork)"), priority=True),
    A("close", ("escape",), N_("Close"), W.TOOLS_PANEL, footer=N_("Close"), priority=True),
    A("run", ("ctrl+r",), N_("Run the tool"), W.TOOLS_PANEL, footer=N_("Run"), priority=True),
    A("toggle_raw", ("ctrl+t",), N_("Switch between the form and raw JSON"), W.TOOLS_PANEL,
      footer=N_("Form / JSON"), priority=True),
    A("focus_history", ("ctrl+y",), N_("Go to the run history (Enter shows a run again)"), W.TOOLS_PANEL,
      footer=N_("History"), priority=True),
    A("copy_test", ("ctrl+b",), N_("Copy the run shown as a pytest test"), W.TOOLS_PANEL,
      footer=N_("Copy as test"), priority=True),
    A("cancel", ("escape",), N_("Close without exporting"), W.EXPORT, footer=N_("Close")),
)
# fmt: on
del A, W


def actions_for(where: Where) -> list[Action]:
    return [action for action in ACTIONS if action.where is where]


def bindings(where: Where) -> list[Binding]:
    """The BINDINGS of the class that ``where`` names: the footer shows the first key of an action."""
    made: list[Binding] = []
    for action in actions_for(where):
        if not action.bound or not action.keys:
            continue
        first, *others = action.keys
        label = action.footer or action.description
        made.append(
            Binding(first, action.name, label, show=action.footer is not None, priority=action.priority)
        )
        if others:
            made.append(Binding(",".join(others), action.name, label, show=False, priority=action.priority))
    return made


def key_name(key: str) -> str:
    return KEY_NAMES.get(key, key)


def _rows(actions: Iterable[Action]) -> list[tuple[tuple[str, ...], list[Where], str]]:
    """``(keys, places, description)`` of the actions that have keys, in registry order; the same keys
    doing the same thing in several places (Save in two screens) are one row."""
    rows: dict[tuple[tuple[str, ...], str], list[Where]] = {}
    for action in actions:
        if action.keys:
            rows.setdefault((action.keys, action.description), []).append(action.where)
    return [(keys, places, description) for (keys, description), places in rows.items()]


_MAIN_SECTIONS: tuple[tuple[str, tuple[Where, ...]], ...] = (
    (N_("Anywhere"), (Where.APP,)),
    (N_("Main screen"), (Where.CHAT,)),
    (N_("Message box"), (Where.COMPOSER,)),
    (N_("Conversation list"), (Where.LIST,)),
    (N_("A focused message"), (Where.MESSAGE,)),
    (N_("A focused tool call"), (Where.TOOL_CALL,)),
    (N_("Inspector"), (Where.INSPECTOR, Where.INSPECTOR_OVERLAY)),
)
SCREENS_AND_DIALOGS = N_("Screens and dialogs")
HELP_SECTIONS: tuple[tuple[str, tuple[Where, ...]], ...] = (
    *_MAIN_SECTIONS,
    (SCREENS_AND_DIALOGS, tuple(w for w in Where if not any(w in places for __, places in _MAIN_SECTIONS))),
)
"""The help screen's sections, in order (English titles); a new screen's ``Where`` lands in "Screens and
dialogs"."""


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def help_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """``(title, [(keys, description), ...])`` for the help screen, in the current language. In a section
    of several screens a row names its screens: "Settings, context editor: Save"."""
    sections = []
    for title, places in HELP_SECTIONS:
        rows = []
        for keys, wheres, description in _rows(a for a in ACTIONS if a.where in places):
            label = " / ".join(key_name(key) for key in keys)
            text = _(description)
            if title == SCREENS_AND_DIALOGS:
                names = _capitalized(", ".join(_(PLACE_NAMES.get(where, where.value)) for where in wheres))
                text = _("{places}: {description}").format(places=names, description=text)
            rows.append((label, text))
        sections.append((_(title), rows))
    return sections


def readme_table() -> str:
    """The README's "Keys" table (Markdown); tests/test_readme.py checks that the README has this one."""
    lines = ["| Key | Where | Action |", "|---|---|---|"]
    for keys, wheres, description in _rows(ACTIONS):
        label = " / ".join(f"`{key_name(key)}`" for key in keys)
        places = ", ".join(where for where in wheres if where not in UNQUALIFIED)
        lines.append(f"| {label} | {places} | {description} |")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class PaletteCommand:
    title: str
    help: str
    callback: Callable[[], Any]


def palette_commands(targets: Mapping[Where, Any]) -> Iterable[PaletteCommand]:
    """The palette entries of the actions whose ``where`` has a target (the app, the main screen…);
    each runs the action on that target, as its key would, and its help line names the key. The texts are
    in the current language."""
    for action in ACTIONS:
        target = targets.get(action.where)
        if action.palette is not None and target is not None:
            keys = " / ".join(key_name(key) for key in action.keys)
            description = _(action.description)
            help_text = f"{description} ({keys})" if keys else description
            run = functools.partial(target.run_action, action.name)
            yield PaletteCommand(_(action.palette), help_text, run)


if __name__ == "__main__":
    print(readme_table(), end="")
