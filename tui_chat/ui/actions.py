"""Every action and key of the TUI, once: the BINDINGS, the help screen, the command palette and the
README's key table are all made from :data:`ACTIONS`.

Adding a key is one entry here, next to the ``action_<name>`` method on the class that ``where`` names
(``BINDINGS = bindings(Where.CHAT)`` on the main screen, and so on); a new screen also gets a ``Where``
member and ``BINDINGS = bindings(Where.ITS_NAME)``. Entries with ``bound=False`` are keys that a widget
handles in code or that Textual itself provides: they are documented, not bound. After a change,
``python -m tui_chat.ui.actions`` prints the README's table (tests/test_readme.py compares them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from textual.binding import Binding


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
    """What it does, for the help screen, the README and the palette's second line."""
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
    A("help", ("f1",), "Help: every key", W.APP, footer="Help", palette="Help"),
    A("settings", ("f3",), "Settings (model, API key, temperature, idle reset…)", W.APP,
      footer="Settings", palette="Settings"),
    A("stats", ("f9",), "Statistics: conversations, messages, tool calls, tokens", W.APP,
      palette="Statistics"),
    A("tools_panel", ("f5",), "Tools panel: run any tool by hand (a form from its schema, or JSON)", W.APP,
      footer="Tools", palette="Tools panel"),
    A("search", ("ctrl+f",), "Search every conversation: messages, replies, tool calls, results, errors",
      W.APP, palette="Search", priority=True),
    A("reload_tools", (), "Reload the tool modules (saving one reloads it too)", W.APP,
      palette="Reload tools"),
    A("command_palette", ("ctrl+p",), "Command palette: every action, and themes", W.APP, bound=False),
    A("focus_next", ("tab", "shift+tab"), "Move between panes and messages", W.APP, bound=False),
    A("quit", ("ctrl+q",), "Quit", W.APP, bound=False),
    # -- the main screen -------------------------------------------------------------------------------
    A("new_conversation", ("ctrl+n",), "New conversation", W.CHAT, footer="New", palette="New conversation"),
    A("focus_list", ("ctrl+l",), "Go to the conversation list; typing there filters it", W.CHAT,
      footer="Chats", palette="Conversation list"),
    A("focus_composer", ("ctrl+g",), "Go back to the message box", W.CHAT, palette="Compose a message"),
    A("cancel_reply", ("escape",), "Stop the reply (the partial reply is kept, marked interrupted)", W.CHAT,
      palette="Stop the reply"),
    A("retry", ("ctrl+r",), "Retry after an error", W.CHAT, palette="Retry"),
    A("toggle_tool_calls", ("ctrl+o",), "Expand or collapse every tool call", W.CHAT, footer="Tool calls",
      palette="Toggle tool calls"),
    A("toggle_inspector", ("f2",), "Show or hide the function-call inspector", W.CHAT, footer="Inspector",
      palette="Toggle inspector"),
    A("edit_context", ("f4",), "Edit the user context of the conversation", W.CHAT, footer="Context",
      palette="Edit context"),
    A("copy_last_reply", ("ctrl+b",), "Copy the last reply", W.CHAT, palette="Copy last reply"),
    A("export", (), "Write this conversation as Markdown to the exports folder", W.CHAT,
      palette="Export as Markdown"),
    A("undo_delete", (), "Restore the latest deleted conversation", W.CHAT, palette="Undo delete"),
    # -- the message box -------------------------------------------------------------------------------
    A("send", ("enter",), "Send the message", W.COMPOSER, bound=False),
    A("newline", ("shift+enter", "ctrl+j"), "New line in the message (ui.newline_keys)", W.COMPOSER,
      bound=False),
    A("recall", ("up",), "Recall the last message (empty message box)", W.COMPOSER, bound=False),
    # -- the conversation list -------------------------------------------------------------------------
    A("open", ("enter",), "Open the highlighted conversation", W.LIST, bound=False),
    A("filter", ("backspace", "ctrl+u", "escape"), "Edit / clear the filter", W.LIST, bound=False),
    A("rename", ("ctrl+e",), "Rename the conversation", W.LIST, footer="Rename"),
    A("delete", ("delete", "ctrl+d"), "Delete the conversation (to the trash, after asking)", W.LIST,
      footer="Delete"),
    A("undo", ("ctrl+z",), "Undo a delete (again for each earlier delete)", W.LIST, footer="Undo delete"),
    A("search_inside", ("slash",), "Search inside every conversation (with an empty filter)", W.LIST,
      bound=False),
    # -- a focused message or tool call ----------------------------------------------------------------
    A("copy_message", ("c",), "Copy the message (OSC 52)", W.MESSAGE, footer="Copy message"),
    A("copy_code", ("y",), "Copy its next code block", W.MESSAGE, footer="Copy code"),
    A("toggle", ("enter",), "Expand or collapse the call and select it in the inspector", W.TOOL_CALL),
    A("copy", ("c",), "Copy the call (name, arguments, result) as JSON", W.TOOL_CALL, footer="Copy"),
    # -- the inspector ---------------------------------------------------------------------------------
    A("copy_section('all')", ("c",), "Copy the whole call as JSON", W.INSPECTOR, footer="Copy call"),
    A("copy_section('arguments')", ("a",), "Copy the call's arguments as JSON", W.INSPECTOR),
    A("copy_section('result')", ("r",), "Copy the call's result as JSON", W.INSPECTOR),
    A("copy_section('request')", ("m",), "Copy the request sent to the model as JSON", W.INSPECTOR),
    A("rerun", ("e",), "Re-run the call with edited arguments against the current tool code", W.INSPECTOR,
      footer="Re-run call"),
    A("copy_test", ("t",), "Copy the call as a pytest test (arguments in, recorded result expected)",
      W.INSPECTOR, footer="Copy as test"),
    A("dismiss", ("escape", "f2"), "Close the inspector overlay", W.INSPECTOR_OVERLAY,
      footer="Close inspector"),
    # -- screens and dialogs ---------------------------------------------------------------------------
    A("cancel", ("escape", "f3"), "Close without saving", W.SETTINGS, footer="Cancel"),
    A("save", ("ctrl+s",), "Save", W.SETTINGS, footer="Save"),
    A("cancel", ("escape",), "Close without saving", W.CONTEXT_EDITOR, footer="Cancel", priority=True),
    A("save", ("ctrl+s",), "Save", W.CONTEXT_EDITOR, footer="Save"),
    A("dismiss", ("escape", "q", "f1"), "Close", W.HELP, footer="Close"),
    A("dismiss", ("escape", "q", "f9"), "Close", W.STATS, footer="Close"),
    A("open", ("enter",), "Open the conversation at that message, highlighted", W.SEARCH, bound=False),
    A("dismiss_search", ("escape",), "Close", W.SEARCH, footer="Close"),
    A("cycle_role", ("ctrl+r",), "Filter by role: all, user, assistant, tool, title", W.SEARCH,
      footer="Role"),
    A("cycle_tool", ("ctrl+t",), "Filter by tool: any, then each tool ever called", W.SEARCH, footer="Tool"),
    A("toggle_errors", ("ctrl+o",), "Only failed tool calls and failed replies", W.SEARCH,
      footer="Errors only"),
    A("focus_query", ("ctrl+f",), "Back to the query", W.SEARCH),
    A("cancel", ("escape", "n"), "No, leave it", W.CONFIRM, footer="Cancel"),
    A("confirm", ("y",), "Yes, do it", W.CONFIRM, footer="Confirm"),
    A("cancel", ("escape",), "Keep the old name", W.RENAME, footer="Cancel"),
    A("close", ("escape",), "Close (nothing in the conversation changes)", W.RERUN, footer="Close",
      priority=True),
    A("run", ("ctrl+r",), "Run the call with the arguments in the editor", W.RERUN, footer="Run",
      priority=True),
    A("edit_result", ("ctrl+o",), "Write the result by hand", W.RERUN, footer="Edit result", priority=True),
    A("continue", ("ctrl+g",), "Continue from here: fork the conversation with the new result", W.RERUN,
      footer="Continue from here (fork)", priority=True),
    A("close", ("escape",), "Close", W.TOOLS_PANEL, footer="Close", priority=True),
    A("run", ("ctrl+r",), "Run the tool", W.TOOLS_PANEL, footer="Run", priority=True),
    A("toggle_raw", ("ctrl+t",), "Switch between the form and raw JSON", W.TOOLS_PANEL, footer="Form / JSON",
      priority=True),
    A("focus_history", ("ctrl+y",), "Go to the run history (Enter shows a run again)", W.TOOLS_PANEL,
      footer="History", priority=True),
    A("copy_test", ("ctrl+b",), "Copy the run shown as a pytest test", W.TOOLS_PANEL, footer="Copy as test",
      priority=True),
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
    ("Anywhere", (Where.APP,)),
    ("Main screen", (Where.CHAT,)),
    ("Message box", (Where.COMPOSER,)),
    ("Conversation list", (Where.LIST,)),
    ("A focused message", (Where.MESSAGE,)),
    ("A focused tool call", (Where.TOOL_CALL,)),
    ("Inspector", (Where.INSPECTOR, Where.INSPECTOR_OVERLAY)),
)
HELP_SECTIONS: tuple[tuple[str, tuple[Where, ...]], ...] = (
    *_MAIN_SECTIONS,
    ("Screens and dialogs", tuple(w for w in Where if not any(w in places for _, places in _MAIN_SECTIONS))),
)
"""The help screen's sections, in order; a new screen's ``Where`` lands in "Screens and dialogs"."""


def help_sections() -> list[tuple[str, list[tuple[str, str]]]]:
    """``(title, [(keys, description), ...])`` for the help screen. In a section of several screens a
    row names its screens: "Settings, context editor: Save"."""
    sections = []
    for title, places in HELP_SECTIONS:
        rows = []
        for keys, wheres, description in _rows(a for a in ACTIONS if a.where in places):
            label = " / ".join(key_name(key) for key in keys)
            if title == "Screens and dialogs":
                description = f"{', '.join(wheres).capitalize()}: {description}"
            rows.append((label, description))
        sections.append((title, rows))
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
    each runs the action on that target, as its key would, and its help line names the key."""
    for action in ACTIONS:
        target = targets.get(action.where)
        if action.palette is not None and target is not None:
            keys = " / ".join(key_name(key) for key in action.keys)
            help_text = f"{action.description} ({keys})" if keys else action.description
            yield PaletteCommand(action.palette, help_text, functools.partial(target.run_action, action.name))


if __name__ == "__main__":
    print(readme_table(), end="")
