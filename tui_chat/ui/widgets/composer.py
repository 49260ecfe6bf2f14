"""The message composer: a multi-line TextArea where Enter sends and Shift+Enter / ctrl+j add a line."""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.message import Message
from textual.widgets import TextArea


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
        hint = " / ".join(keys[:2]) or "no key"
        super().__init__(
            "",
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=f"Message… (Enter sends, {hint} adds a line, Esc stops a reply)",
            compact=True,
            id=id,
        )
        self.newline_keys = frozenset(keys)
        self.last_message = ""
        """What Up recalls in an empty composer: set by the screen to the last user message."""

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
