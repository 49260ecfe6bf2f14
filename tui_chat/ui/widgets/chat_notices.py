"""The chat pane's items that are not messages: error blocks (with retry), session dividers, notices.

Apart from the messages because they hold no message to focus or copy, only what happened between them.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from tui_chat.engine.errors import join_sentences
from tui_chat.engine.texts import texts_for
from tui_chat.i18n import _
from tui_chat.ui.formatting import visible
from tui_chat.ui.widgets.message_widgets import language_texts


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
        texts = texts_for(self.language) if self.language else language_texts(self)
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
