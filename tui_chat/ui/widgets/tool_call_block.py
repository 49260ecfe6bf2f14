"""A tool call in the chat pane: one line (name, arguments, status) that expands to its arguments and result.

Apart from the messages because it is not one: it follows a running call and selects it in the inspector.
"""

from __future__ import annotations

from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from tui_chat.engine.models import ToolCall, ToolMessage
from tui_chat.i18n import _, ngettext
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import (
    arguments_preview,
    count_text,
    format_duration,
    one_line,
    pretty_json,
    visible,
)

RESULT_PREVIEW_CHARS = 4000


class ToolCallBlock(Static, can_focus=True):
    """``▸ name(args…) ✓ 120 ms``; Enter or a click expands the arguments and the result."""

    BINDINGS = bindings(Where.TOOL_CALL)

    expanded: reactive[bool] = reactive(False)

    class Selected(Message):
        def __init__(self, tool_call_id: str) -> None:
            super().__init__()
            self.tool_call_id = tool_call_id

    def __init__(self, call: ToolCall, result: ToolMessage | None = None, *, expanded: bool = False) -> None:
        super().__init__(classes="tool-call")
        self.call = call
        self.result = result
        self.set_reactive(ToolCallBlock.expanded, expanded)
        self._refresh_content()

    def set_result(self, result: ToolMessage) -> None:
        self.result = result
        self._refresh_content()

    def watch_expanded(self) -> None:
        self._refresh_content()

    def action_toggle(self) -> None:
        self.expanded = not self.expanded
        self.post_message(self.Selected(self.call.id))

    def on_click(self) -> None:
        self.action_toggle()

    def on_focus(self) -> None:
        self.post_message(self.Selected(self.call.id))

    def action_copy(self) -> None:
        result = self.result.result if self.result else None
        self.app.copy_to_clipboard(
            pretty_json({"name": self.call.name, "arguments": self.call.arguments, "result": result})
        )
        self.app.notify(_("Tool call copied as JSON."), timeout=2)

    def _status(self) -> tuple[str, str]:
        result = self.result
        if result is None:
            return "… " + _("running"), "$text-muted"
        if result.ok:
            return f"✓ {format_duration(result.duration_ms)}", "$text-success"
        return f"✗ {one_line(result.error or _('error'), 60)}", "$text-error"

    def _refresh_content(self) -> None:
        status, status_style = self._status()
        self.set_class(self.result is not None and not self.result.ok, "-failed")
        header = Content.assemble(
            ("▾ " if self.expanded else "▸ ", "bold"),
            (one_line(self.call.name, 40), "bold"),
            ("(" + arguments_preview(self.call.arguments, 50) + ")", "$text-muted"),
            "  ",
            (status, status_style),
        )
        if not self.expanded:
            self.update(header)
            return
        parts: list[Content | str | tuple[str, str]] = [header, "\n", (_("arguments"), "bold"), "\n"]
        parts.append(pretty_json(self.call.arguments))
        if self.result is not None:
            if self.result.ok:
                text = pretty_json(self.result.result.get("data", self.result.result))
                parts += ["\n", (_("result"), "bold"), "\n", _cut(text)]
            else:
                parts += ["\n", (_("error"), "bold $text-error"), "\n", visible(self.result.error or "")]
                if self.result.traceback:
                    parts += ["\n", (_cut(visible(self.result.traceback), 1500), "$text-muted")]
        self.update(Content.assemble(*parts))


def _cut(text: str, limit: int = RESULT_PREVIEW_CHARS) -> str:
    if len(text) <= limit:
        return text
    more = len(text) - limit
    rest = ngettext(
        "{count} more character (see the inspector)", "{count} more characters (see the inspector)", more
    )
    return text[:limit] + "\n… " + rest.format(count=count_text(more))
