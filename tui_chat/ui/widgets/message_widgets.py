"""One widget per chat item: user / assistant / welcome / error blocks, tool calls, session dividers.

Finished messages are ``Static`` widgets holding Rich renderables (a Rich ``Markdown`` costs ~2 ms,
a Textual ``Markdown`` widget ~15 ms); only the reply being streamed is a Textual ``Markdown`` widget.
Model text never goes through the markup parser, and control characters are made visible first.
"""

from __future__ import annotations

import os

from markdown_it import MarkdownIt
from rich.console import Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui_chat.engine.models import AssistantMessage, ToolCall, ToolMessage, UserMessage
from tui_chat.ui.formatting import arguments_preview, format_duration, one_line, pretty_json, visible

RESULT_PREVIEW_CHARS = 4000
CODE_THEME = "monokai"


def code_blocks(source: str) -> list[str]:
    """The contents of the fenced and indented code blocks of a Markdown text, in order."""
    tokens = MarkdownIt("commonmark").parse(source)
    return [token.content for token in tokens if token.type in ("fence", "code_block")]


class CopyableMixin:
    """Keys shared by blocks the user can copy from: ``c`` the message, ``y`` the next code block."""

    BINDINGS = [
        Binding("c", "copy_message", "Copy"),
        Binding("y", "copy_code", "Copy code"),
    ]
    _code_index = 0

    def copy_source(self) -> str:
        raise NotImplementedError

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(self.copy_source())  # type: ignore[attr-defined]
        self.app.notify("Message copied to the clipboard.", timeout=2)  # type: ignore[attr-defined]

    def action_copy_code(self) -> None:
        blocks = code_blocks(self.copy_source())
        if not blocks:
            self.app.notify("This message has no code block.", severity="warning", timeout=2)  # type: ignore[attr-defined]
            return
        index = self._code_index % len(blocks)
        self._code_index = index + 1
        self.app.copy_to_clipboard(blocks[index])  # type: ignore[attr-defined]
        self.app.notify(f"Code block {index + 1} of {len(blocks)} copied.", timeout=2)  # type: ignore[attr-defined]


class UserBlock(CopyableMixin, Static, can_focus=True):
    def __init__(self, message: UserMessage) -> None:
        super().__init__(Text(visible(message.content)), classes="message user")
        self.message = message

    def copy_source(self) -> str:
        return self.message.content


class SharedParserMarkdown(RichMarkdown):
    """Rich ``Markdown`` reusing one parser: building a ``MarkdownIt`` costs ~8 ms, a parse ~0.3 ms."""

    _parser: MarkdownIt | None = None

    def __init__(self, markup: str, code_theme: str = CODE_THEME) -> None:
        if SharedParserMarkdown._parser is None:
            SharedParserMarkdown._parser = MarkdownIt().enable("strikethrough").enable("table")
        # The attributes Rich's own __init__ sets (rich 13–15); the tests render these blocks.
        self.markup = markup
        self.parsed = SharedParserMarkdown._parser.parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme


def warm_up() -> None:
    """Pay first-use costs (the Markdown parser, pygments' Python lexer) off the event loop."""
    from rich.console import Console

    sample = "# t\n\n*a* `b` [c](d)\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n"
    Console(file=open(os.devnull, "w"), width=80).print(SharedParserMarkdown(sample))  # noqa: SIM115


def assistant_renderable(content: str, interrupted: bool, note: str) -> RenderableType:
    body = SharedParserMarkdown(visible(content))
    if not interrupted:
        return body
    return Group(body, Text(f"⏸ {note}", style="italic dim"))


class AssistantBlock(CopyableMixin, Static, can_focus=True):
    def __init__(self, message: AssistantMessage, *, interrupted_note: str = "Reply interrupted.") -> None:
        classes = "message assistant welcome" if message.welcome else "message assistant"
        super().__init__(
            assistant_renderable(message.content, message.interrupted, interrupted_note), classes=classes
        )
        self.message = message

    def copy_source(self) -> str:
        return self.message.content


_live_parser: MarkdownIt | None = None


def live_parser() -> MarkdownIt:
    """One parser for all appends: ``Markdown.append`` otherwise builds a ``MarkdownIt`` (~8 ms) each time."""
    global _live_parser
    if _live_parser is None:
        _live_parser = MarkdownIt("gfm-like")
    return _live_parser


class LiveReply(CopyableMixin, Markdown, can_focus=True):
    """The reply being streamed: a Textual ``Markdown`` fed by a ``MarkdownStream``.

    It is mounted straight into the chat's stream layout (no wrapping container), so each appended
    block relayouts one widget rather than a nested tree.
    """

    def __init__(self, message: AssistantMessage) -> None:
        super().__init__(classes="message assistant live", parser_factory=live_parser)
        self.message = message
        self._stream: MarkdownStream | None = None

    async def write(self, text: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(visible(text))

    async def finish(self, *, interrupted: bool = False) -> None:
        """Flush what is pending; mark the block when the reply was cut short."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        # Restyle this widget only: a class change normally restyles every block below it too
        # (~0.3 s for a long reply), and no rule below depends on these classes.
        self.remove_class("live", update=False)
        self.set_class(interrupted, "interrupted", update=False)
        self.app.stylesheet.update_nodes([self], animate=False)

    def copy_source(self) -> str:
        return self.message.content or self.source


class ToolCallBlock(Static, can_focus=True):
    """``▸ name(args…) ✓ 120 ms``; Enter or a click expands the arguments and the result."""

    BINDINGS = [Binding("enter", "toggle", "Expand", show=False), Binding("c", "copy", "Copy")]

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
        self.app.notify("Tool call copied as JSON.", timeout=2)

    def _status(self) -> tuple[str, str]:
        result = self.result
        if result is None:
            return "… running", "$text-muted"
        if result.ok:
            return f"✓ {format_duration(result.duration_ms)}", "$text-success"
        return f"✗ {one_line(result.error or 'error', 60)}", "$text-error"

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
        parts: list[Content | str | tuple[str, str]] = [header, "\n", ("arguments", "bold"), "\n"]
        parts.append(pretty_json(self.call.arguments))
        if self.result is not None:
            if self.result.ok:
                text = pretty_json(self.result.result.get("data", self.result.result))
                parts += ["\n", ("result", "bold"), "\n", _cut(text)]
            else:
                parts += ["\n", ("error", "bold $text-error"), "\n", visible(self.result.error or "")]
                if self.result.traceback:
                    parts += ["\n", (_cut(visible(self.result.traceback), 1500), "$text-muted")]
        self.update(Content.assemble(*parts))


def _cut(text: str, limit: int = RESULT_PREVIEW_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n… {len(text) - limit:,} more characters (see the inspector)"


class ErrorBlock(Vertical):
    """A provider or tool error: the message, what to do, and a retry button on the latest one."""

    class RetryRequested(Message):
        pass

    def __init__(self, kind: str, message: str, hint: str = "", *, retryable: bool = False) -> None:
        super().__init__(classes="message error")
        self.kind = kind
        self.error_message = message
        self.hint = hint
        self._retryable = retryable

    def compose(self) -> ComposeResult:
        text = Text(f"✗ {visible(self.error_message)}")
        if self.hint:
            text.append("\n" + visible(self.hint), style="italic")
        yield Static(text, classes="error-text")
        with Horizontal(classes="error-actions"):
            yield Button("Retry (ctrl+r)", id="retry", variant="error", compact=True)

    def on_mount(self) -> None:
        self.set_retryable(self._retryable)

    def set_retryable(self, retryable: bool) -> None:
        self._retryable = retryable
        self.set_class(not retryable, "-spent")

    @on(Button.Pressed, "#retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RetryRequested())


class SessionDivider(Static):
    def __init__(self, text: str) -> None:
        super().__init__(Text(f"── {text} ──", justify="center"), classes="divider")


class Notice(Static):
    """A line of information in the chat pane (a damaged file, a retry in progress…)."""

    def __init__(self, text: str, *, classes: str = "notice") -> None:
        super().__init__(Text(visible(text)), classes=classes)
