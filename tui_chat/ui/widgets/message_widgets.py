"""One widget per chat item: user / assistant / welcome / error blocks, tool calls, session dividers.

Finished messages are ``Static`` widgets holding Rich renderables (a Rich ``Markdown`` costs ~2 ms,
a Textual ``Markdown`` widget ~15 ms); only the last, growing block of the reply being streamed is a
Textual ``Markdown`` widget.
Model text never goes through the markup parser, and control characters are made visible first.
"""

from __future__ import annotations

import asyncio
import os
from datetime import datetime

from markdown_it import MarkdownIt
from rich.console import Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.markdown import UnknownElement
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Button, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui_chat.engine.errors import join_sentences
from tui_chat.engine.models import AssistantMessage, ToolCall, ToolMessage, UserMessage, utcnow
from tui_chat.engine.texts import Texts, texts_for
from tui_chat.i18n import _, ngettext
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import (
    absolute_time,
    arguments_preview,
    count_text,
    format_duration,
    message_time,
    one_line,
    pretty_json,
    visible,
)

RESULT_PREVIEW_CHARS = 4000
CODE_THEME = "monokai"


def role_label(message: UserMessage | AssistantMessage) -> str:
    """Who wrote a message: ``You``, or the model's name without its provider prefix."""
    if isinstance(message, UserMessage):
        return _("You")
    model = message.model or ""
    return visible(model.rsplit("/", 1)[-1]) if model else _("Assistant")


def message_header(message: UserMessage | AssistantMessage, now: datetime, *, exact: bool = False) -> Text:
    """``You · 2 min ago``; ``exact`` gives the absolute time (the message has focus)."""
    when = absolute_time(message.created_at) if exact else message_time(message.created_at, now)
    header = Text(role_label(message), style="bold")
    header.append(f" · {when}", style="dim not bold")
    return header


def app_now(widget: Widget) -> datetime:
    """The app's clock (tests inject one), or the real time."""
    clock = getattr(widget.app, "clock", None)
    return clock() if callable(clock) else utcnow()


def code_blocks(source: str) -> list[str]:
    """The contents of the fenced and indented code blocks of a Markdown text, in order."""
    tokens = MarkdownIt("commonmark").parse(source)
    return [token.content for token in tokens if token.type in ("fence", "code_block")]


class MessageBlock(Widget, can_focus=True):
    """A message the user can focus and copy from: ``c`` the message, ``y`` its next code block.

    A real ``Widget`` base (not a mixin) so Textual registers the bindings and the footer shows them.
    """

    DEFAULT_CSS = """
    MessageBlock:focus {
        background-tint: $foreground 8%;
        outline-left: thick $accent;
    }
    """

    BINDINGS = bindings(Where.MESSAGE)
    _code_index = 0
    message: UserMessage | AssistantMessage

    def copy_source(self) -> str:
        raise NotImplementedError

    _exact = False
    """The header shows the exact time (while the message has focus)."""

    def refresh_time(self) -> None:
        """Show the header again: relative times move on, a focused message shows the exact time."""

    def on_focus(self) -> None:
        # Our handler runs before Widget's own: ``has_focus`` is not set yet.
        self._exact = True
        self.refresh_time()

    def on_blur(self) -> None:
        self._exact = False
        self.refresh_time()

    def action_copy_message(self) -> None:
        self.app.copy_to_clipboard(self.copy_source())
        self.notify(_("Message copied to the clipboard."), timeout=2)

    def action_copy_code(self) -> None:
        blocks = code_blocks(self.copy_source())
        if not blocks:
            self.notify(_("This message has no code block."), severity="warning", timeout=2)
            return
        index = self._code_index % len(blocks)
        self._code_index = index + 1
        self.app.copy_to_clipboard(blocks[index])
        copied = _("Code block {number} of {count} copied.").format(number=index + 1, count=len(blocks))
        self.notify(copied, timeout=2)


class _HeadedBlock(MessageBlock, Static):
    """A finished message: its header line (who, when) above its body, in one ``Static``."""

    def __init__(
        self, message: UserMessage | AssistantMessage, body: RenderableType, now: datetime, *, classes: str
    ) -> None:
        self.message = message
        self._body = body
        self._header = message_header(message, now)
        super().__init__(Group(self._header, body), classes=classes)

    def refresh_time(self) -> None:
        header = message_header(self.message, app_now(self), exact=self._exact)
        if header.plain != self._header.plain:
            self._header = header
            self.update(Group(header, self._body))

    def copy_source(self) -> str:
        return self.message.content


class UserBlock(_HeadedBlock):
    def __init__(self, message: UserMessage, *, now: datetime | None = None) -> None:
        super().__init__(message, Text(visible(message.content)), now or utcnow(), classes="message user")


class SharedParserMarkdown(RichMarkdown):
    """Rich ``Markdown`` reusing one parser: building a ``MarkdownIt`` costs ~8 ms, a parse ~0.3 ms."""

    _parser: MarkdownIt | None = None

    def __init__(self, markup: str, code_theme: str = CODE_THEME) -> None:
        # The attributes Rich's own __init__ sets (rich 13–15); the tests render these blocks.
        self.markup = markup
        self.parsed = history_parser().parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme


def history_parser() -> MarkdownIt:
    """The one parser of finished messages; the live reply splits its blocks with it too."""
    if SharedParserMarkdown._parser is None:
        SharedParserMarkdown._parser = MarkdownIt().enable("strikethrough").enable("table")
    return SharedParserMarkdown._parser


def warm_up() -> None:
    """Pay first-use costs (the Markdown parser, pygments' Python lexer) off the event loop."""
    from rich.console import Console

    sample = "# t\n\n*a* `b` [c](d)\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n```python\nprint(1)\n```\n"
    Console(file=open(os.devnull, "w"), width=80).print(SharedParserMarkdown(sample))  # noqa: SIM115


def interrupted_marker(note: str) -> Text:
    return Text(f"⏸ {note}", style="italic dim")


def assistant_renderable(content: str, interrupted: bool, note: str) -> RenderableType:
    body = SharedParserMarkdown(visible(content))
    if not interrupted:
        return body
    return Group(body, interrupted_marker(note))


class AssistantBlock(_HeadedBlock):
    def __init__(
        self,
        message: AssistantMessage,
        *,
        interrupted_note: str = "",
        now: datetime | None = None,
    ) -> None:
        """``interrupted_note``: the conversation's text for a cut-short reply (the current language's
        when not given)."""
        classes = "message assistant welcome" if message.welcome else "message assistant"
        note = interrupted_note or _("Reply interrupted.")
        body = assistant_renderable(message.content, message.interrupted, note)
        super().__init__(message, body, now or utcnow(), classes=classes)


_FLAT_BLOCKS = frozenset({"paragraph_open", "heading_open", "fence", "code_block", "hr", "html_block"})
"""Top-level blocks with no nested elements: Rich puts no blank line of their own above them."""


def split_blocks(text: str) -> list[tuple[str, str]]:
    """``(source, token type)`` of each top-level block of ``text``, leading blank lines in the first."""
    lines = text.splitlines(keepends=True)
    starts = [(t.map[0], t.type) for t in history_parser().parse(text) if t.level == 0 and t.map is not None]
    blocks = []
    for number, (start, kind) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(lines)
        blocks.append(("".join(lines[0 if number == 0 else start : end]), kind))
    return blocks


def finished_length(text: str) -> int:
    """How much of ``text`` is whole top-level blocks that later text can no longer change.

    Only complete lines count (a half-received line may look like the start of a block it is not),
    and the last block of those may still grow; 0 when there is no finished block yet.
    """
    complete = text[: text.rfind("\n") + 1]
    starts = [t.map[0] for t in history_parser().parse(complete) if t.level == 0 and t.map is not None]
    if len(starts) < 2:
        return 0
    return sum(len(line) for line in complete.splitlines(keepends=True)[: starts[-1]])


def block_renderable(source: str, kind: str, previous: str | None) -> RenderableType:
    """One block as a history message renders it within the whole text (the blank line above it too)."""
    body = SharedParserMarkdown(source)
    gap = previous is not None and kind in _FLAT_BLOCKS
    if gap and RichMarkdown.elements.get(previous, UnknownElement).new_line:
        return Group(Text(""), body)
    return body


class _LiveTail(Markdown):
    """The last, still-growing block of a live reply; it hands finished blocks to the reply."""

    DEFAULT_CSS = """
    _LiveTail { padding: 0; margin: 0; background: transparent; }
    _LiveTail.-after { margin-top: 1; }
    """

    def __init__(self, reply: LiveReply) -> None:
        super().__init__(parser_factory=history_parser)
        self._reply = reply

    def append(self, markdown: str) -> AwaitComplete:
        """What the ``MarkdownStream`` calls: the reply decides what stays live."""
        return AwaitComplete(self._reply._append(markdown))

    def grow(self, markdown: str) -> AwaitComplete:
        """``Markdown.append``: only the last block is parsed again."""
        return super().append(markdown)


class LiveReply(MessageBlock):
    """The reply being streamed: finished blocks rendered as the history renders them, the last one live.

    Fragments go through a ``MarkdownStream`` into a Textual ``Markdown`` holding only the block still
    growing; each block that is complete moves out to a ``Static`` with the Rich rendering a reopened
    conversation uses. So the cost of a frame does not grow with the reply, and a reply looks the same
    just after streaming as after reopening.
    """

    DEFAULT_CSS = """
    LiveReply { height: auto; layout: stream; }
    LiveReply > .reply-block { height: auto; }
    """

    def __init__(self, message: AssistantMessage, *, interrupted_note: str = "") -> None:
        super().__init__(classes="message assistant live")
        self.message = message
        self.interrupted_note = interrupted_note
        self._received = ""
        """Everything the stream has handed over so far."""
        self._shown = 0
        """How much of it is shown as finished blocks."""
        self._last_kind: str | None = None
        self._tail = _LiveTail(self)
        self._header = Static(message_header(message, message.created_at), classes="reply-header")
        self._stream: MarkdownStream | None = None
        # A cancelled stream can leave a shielded append running while it flushes the rest.
        self._lock = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._tail

    def refresh_time(self) -> None:
        self._header.update(message_header(self.message, app_now(self), exact=self._exact))

    @property
    def source(self) -> str:
        """The text received so far (control characters made visible)."""
        return self._received

    async def write(self, text: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self._tail)
        await self._stream.write(visible(text))

    async def _append(self, fragment: str) -> None:
        async with self._lock:
            self._received += fragment
            text = self._received[self._shown :]
            cut = finished_length(text)
            if not cut:
                await self._tail.grow(fragment)
                return
            # One frame shows the finished blocks in their final form and the new tail.
            with self.app.batch_update():
                await self.add_blocks(text[:cut])
                self._tail.add_class("-after")
                await self._tail.update(text[cut:])

    async def add_blocks(self, text: str) -> None:
        """Show ``text`` (whole top-level blocks) in its final form, above the live block."""
        self._shown += len(text)
        statics = []
        for source, kind in split_blocks(text):
            statics.append(Static(block_renderable(source, kind, self._last_kind), classes="reply-block"))
            self._last_kind = kind
        if statics:
            await self.mount_all(statics, before=self._tail if self._tail.parent is self else None)

    async def finish(self, *, interrupted: bool = False) -> None:
        """Flush what is pending, finish the last block; mark the reply when it was cut short."""
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        async with self._lock:
            rest = self._received[self._shown :]
            with self.app.batch_update():
                if rest:
                    await self.add_blocks(rest)
                await self._tail.remove()
                if interrupted:
                    note = self.interrupted_note or _language_texts(self).interrupted_note
                    await self.mount(Static(interrupted_marker(note), classes="reply-block interrupted"))
        # Restyle this widget only: a class change normally restyles every block below it too
        # (~0.3 s for a long reply), and no rule below depends on these classes.
        self.remove_class("live", update=False)
        self.set_class(interrupted, "interrupted", update=False)
        self.app.stylesheet.update_nodes([self], animate=False)

    def copy_source(self) -> str:
        return self.message.content or self.source


def _language_texts(widget: Widget) -> Texts:
    """The conversation texts of the app's language (English when the app has no config)."""
    config = getattr(widget.app, "config", None)
    return texts_for(getattr(getattr(config, "session", None), "language", "en"))


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


class ErrorBlock(Vertical):
    """A provider or tool error: a headline in the conversation's language, the detail, what to do,
    and a retry button on the latest one.

    ``language`` picks the headline; without it the app's configured language is used.
    """

    class RetryRequested(Message):
        pass

    def __init__(
        self, kind: str, message: str, hint: str = "", *, retryable: bool = False, language: str | None = None
    ) -> None:
        super().__init__(classes="message error")
        self.kind = kind
        self.error_message = message
        self.hint = hint
        self.language = language
        self._retryable = retryable

    @property
    def headline(self) -> str:
        texts = texts_for(self.language) if self.language else _language_texts(self)
        return texts.error_headline(self.kind)

    def compose(self) -> ComposeResult:
        text = Text(f"✗ {self.headline}", style="bold")
        detail = join_sentences(self.error_message, self.hint)
        if detail:
            text.append("\n" + visible(detail), style="not bold")
        yield Static(text, classes="error-text")
        with Horizontal(classes="error-actions"):
            yield Button(_("Retry (ctrl+r)"), id="retry", variant="error", compact=True)

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
    """``── idle 3 h 12 min — new session ──`` between two sessions, what it means on a dim line below."""

    def __init__(self, text: str) -> None:
        head, _, rest = text.rpartition(" — ") if text.count(" — ") > 1 else (text, "", "")
        line = Text(f"── {head} ──")  # centred by app.tcss
        if rest:
            line.append(f"\n{rest}", style="dim")
        super().__init__(line, classes="divider")
        self.text = text


class Notice(Static):
    """A line of information in the chat pane (a damaged file, a retry in progress…)."""

    def __init__(self, text: str, *, classes: str = "notice") -> None:
        super().__init__(Text(visible(text)), classes=classes)
