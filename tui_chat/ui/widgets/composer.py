"""The message composer: a multi-line TextArea where Enter sends and Shift+Enter / ctrl+j add a line."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.message import Message
from textual.widgets import TextArea


def placeholders_for(newline_keys: list[str]) -> list[str]:
    """Placeholder texts from the most to the least complete."""
    both = " / ".join(newline_keys[:2]) or "no key"
    first = newline_keys[0] if newline_keys else "no key"
    return [
        f"Message… (Enter sends, {both} adds a line, Esc stops a reply)",
        f"Message… (Enter sends, {both} adds a line)",
        f"Message… (Enter sends, {first} new line)",
        "Message… (Enter sends)",
        "Message…",
    ]


class Composer(TextArea):
    """Posts :class:`Composer.Submitted` on Enter and :class:`Composer.CancelRequested` on Esc."""

    class Submitted(Message):
        def __init__(self, composer: Composer, text: str) -> None:
            super().__init__()
            self.composer = composer
            self.text = text

    class CancelRequested(Message):
        pass

    def __init__(
        self,
        *,
        newline_keys: Iterable[str] = ("shift+enter", "ctrl+j"),
        id: str | None = None,
    ) -> None:
        keys = list(newline_keys)
        self.placeholders = placeholders_for(keys)
        super().__init__(
            "",
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=self.placeholders[-1],
            compact=True,
            id=id,
        )
        self.newline_keys = frozenset(keys)
        self.last_message = ""
        """What Up recalls in an empty composer: set by the screen to the last user message."""

    def on_resize(self, event: events.Resize) -> None:
        """The longest hint that fits on one line: a cut-off hint reads as a broken one."""
        width = self.content_size.width
        fitting = (text for text in self.placeholders if len(text) < width)
        self.placeholder = next(fitting, self.placeholders[-1])

    def _is_newline_key(self, event: events.Key) -> bool:
        return event.key in self.newline_keys or any(alias in self.newline_keys for alias in event.aliases)

    async def _on_key(self, event: events.Key) -> None:
        if self._is_newline_key(event) and event.key != "enter":
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n", start, end)
            return
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            if self.text.strip():
                self.post_message(self.Submitted(self, self.text))
            return
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.post_message(self.CancelRequested())
            return
        if event.key == "up" and not self.text and self.last_message:
            event.stop()
            event.prevent_default()
            self.load_text(self.last_message)
            self.move_cursor(self.document.end)
            return
        await super()._on_key(event)
