"""tui-chat."""
