"""The reply being streamed: finished blocks rendered as the history renders them, the last one live.

Apart from the finished messages because only this block is a Textual ``Markdown`` widget, fed by a
``MarkdownStream``, and it decides where a growing text splits into blocks that can no longer change.
"""

from __future__ import annotations

import asyncio

from rich.console import Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.markdown import UnknownElement
from rich.text import Text
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tui_chat.engine.models import AssistantMessage
from tui_chat.ui.formatting import visible
from tui_chat.ui.widgets.message_widgets import (
    MessageBlock,
    SharedParserMarkdown,
    app_now,
    history_parser,
    interrupted_marker,
    language_texts,
    message_header,
)

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
                    note = self.interrupted_note or language_texts(self).interrupted_note
                    await self.mount(Static(interrupted_marker(note), classes="reply-block interrupted"))
        # Restyle this widget only: a class change normally restyles every block below it too
        # (~0.3 s for a long reply), and no rule below depends on these classes.
        self.remove_class("live", update=False)
        self.set_class(interrupted, "interrupted", update=False)
        self.app.stylesheet.update_nodes([self], animate=False)

    def copy_source(self) -> str:
        return self.message.content or self.source
