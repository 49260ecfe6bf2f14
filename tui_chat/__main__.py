from tui_chat.cli import entry

entry()
