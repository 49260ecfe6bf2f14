"""The finished messages of the chat pane: user and assistant blocks, and the copy keys they share.

Finished messages are ``Static`` widgets holding Rich renderables (a Rich ``Markdown`` costs ~2 ms,
a Textual ``Markdown`` widget ~15 ms); the reply being streamed is :mod:`live_reply`, tool calls are
:mod:`tool_call_block`, errors, dividers and notices :mod:`chat_notices`.
Model text never goes through the markup parser, and control characters are made visible first.
"""

from __future__ import annotations

import os
from datetime import datetime

from markdown_it import MarkdownIt
from rich.console import Group, RenderableType
from rich.markdown import Markdown as RichMarkdown
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from tui_chat.engine.models import AssistantMessage, UserMessage, utcnow
from tui_chat.engine.texts import Texts, texts_for
from tui_chat.i18n import _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import absolute_time, message_time, visible

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


def language_texts(widget: Widget) -> Texts:
    """The conversation texts of the app's language (English when the app has no config)."""
    config = getattr(widget.app, "config", None)
    return texts_for(getattr(getattr(config, "session", None), "language", "en"))
