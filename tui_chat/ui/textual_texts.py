"""Textual's own visible texts (palette entries, placeholders, the footer's "palette"), marked for the
catalog so that a Spanish UI is Spanish there too. The app hands them to Textual translated."""

from __future__ import annotations

from tui_chat.i18n import N_

SYSTEM_COMMANDS: dict[str, str] = {
    N_("Theme"): N_("Change the current theme"),
    N_("Quit"): N_("Quit the application as soon as possible"),
    N_("Keys"): N_("Show help for the focused widget and a summary of available keys"),
    N_("Minimize"): N_("Minimize the widget and restore to normal size"),
    N_("Maximize"): N_("Maximize the focused widget"),
    N_("Screenshot"): N_("Save an SVG 'screenshot' of the current screen"),
}
"""Title → help line of the commands Textual adds to the palette (``App.get_system_commands``)."""
HIDE_KEYS_HELP = N_("Hide the keys and widget help panel")
PALETTE = N_("palette")
"""The footer's label of ctrl+p (``App.COMMAND_PALETTE_BINDING``)."""
SEARCH_COMMANDS = N_("Search for commands…")
SEARCH_THEMES = N_("Search for themes…")
