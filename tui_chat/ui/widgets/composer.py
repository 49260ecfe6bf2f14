"""The message composer: a multi-line TextArea where Enter sends and Shift+Enter / ctrl+j add a line.

From the composer the chat scrolls as people expect of a chat app: PageUp / PageDown by a page,
ctrl+home / ctrl+end to the top / bottom, and Home / End too while the composer is empty (with text in
it they move the cursor within the line, as in any text box). Up in an empty composer (or with the
cursor at the very start) walks back through the conversation's earlier messages, Down walks forward,
and Down past the newest brings back what was being typed. Editing a recalled message leaves the walk:
Up and Down move the cursor again.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from tui_chat.i18n import _


def placeholders_for(newline_keys: list[str]) -> list[str]:
    """Placeholder texts from the most to the least complete (looked up when a composer is made)."""
    no_key = _("no key")
    both = " / ".join(newline_keys[:2]) or no_key
    first = newline_keys[0] if newline_keys else no_key
    return [
        _("Message… (Enter sends, {keys} adds a line, Esc stops a reply)").format(keys=both),
        _("Message… (Enter sends, {keys} adds a line)").format(keys=both),
        _("Message… (Enter sends, {key} new line)").format(key=first),
        _("Message… (Enter sends)"),
        _("Message…"),
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

    class ScrollRequested(Message):
        """Scroll the chat: ``page_up``, ``page_down``, ``home`` or ``end``."""

        def __init__(self, where: str) -> None:
            super().__init__()
            self.where = where

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
        self.earlier: list[str] = []
        """The conversation's user messages, oldest first: what Up and Down walk through."""
        self._walk: int | None = None
        """The index in ``earlier`` shown now, while walking; None when not walking."""
        self._draft = ""
        """What was in the composer when the walk began: Down past the newest brings it back."""

    @property
    def last_message(self) -> str:
        return self.earlier[-1] if self.earlier else ""

    def set_history(self, messages: Iterable[str]) -> None:
        """The user messages of the conversation now shown; a walk in another one ends."""
        self.earlier = [text for text in messages if text.strip()]
        self._walk = None

    def remember(self, text: str) -> None:
        """A message just sent: the newest one Up recalls."""
        self.earlier.append(text)
        self._walk = None

    @property
    def walking(self) -> bool:
        """A recalled message is shown, unedited."""
        return self._walk is not None and self.text == self.earlier[self._walk]

    def _recall(self, index: int | None) -> None:
        self._walk = index
        self.load_text(self._draft if index is None else self.earlier[index])
        self.move_cursor(self.document.end)

    def _walk_key(self, key: str) -> bool:
        """Up / Down through the history; False when the key should move the cursor instead."""
        if key == "up" and self.earlier:
            if self.walking:
                assert self._walk is not None
                if self._walk > 0:
                    self._recall(self._walk - 1)
                return True
            if not self.text or self.cursor_location == (0, 0):
                self._draft = self.text
                self._recall(len(self.earlier) - 1)
                return True
        if key == "down" and self.walking:
            assert self._walk is not None
            self._recall(self._walk + 1 if self._walk + 1 < len(self.earlier) else None)
            return True
        return False

    def _scroll_key(self, key: str) -> str | None:
        """Which way a key scrolls the chat, or None when it belongs to the text."""
        if key in ("pageup", "pagedown"):
            return "page_up" if key == "pageup" else "page_down"
        if key in ("ctrl+home", "ctrl+end") or (key in ("home", "end") and not self.text):
            return "home" if key.endswith("home") else "end"
        return None

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
        scroll = self._scroll_key(event.key)
        if scroll is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.ScrollRequested(scroll))
            return
        if event.key in ("up", "down") and self._walk_key(event.key):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)
