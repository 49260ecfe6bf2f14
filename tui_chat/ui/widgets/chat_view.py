"""The chat pane: a window of the newest messages as widgets, older pages mounted on scroll to top.

The conversation itself stays in the engine's dataclasses; this view turns it into a flat list of
:class:`Item` (cheap) and mounts widgets only for a window of it. A whole 1,000-message history as
widgets is what makes other chat apps take seconds to open a conversation.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from textual.containers import VerticalScroll
from textual.widget import Widget

from tui_chat.engine.errors import EngineError
from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    Message,
    Session,
    ToolCall,
    ToolMessage,
    UserMessage,
    utcnow,
)
from tui_chat.engine.texts import Texts, texts_for
from tui_chat.i18n import N_, _, current_language
from tui_chat.ui.formatting import format_gap
from tui_chat.ui.widgets.chat_notices import ErrorBlock, Notice, SessionDivider
from tui_chat.ui.widgets.live_reply import LiveReply
from tui_chat.ui.widgets.message_widgets import AssistantBlock, MessageBlock, UserBlock
from tui_chat.ui.widgets.tool_call_block import ToolCallBlock

WINDOW = 24
"""Items mounted before a conversation is first shown: at two or more rows each, a screenful."""
TOP_UP = 16
"""Older items mounted after the first paint, until there are two screens to scroll through."""
PAGE = 40
"""Older items mounted each time the view reaches the top."""
TIME_REFRESH_SECONDS = 30
"""How often the relative times ("2 min ago") of the messages on screen are brought up to date."""

ItemKind = Literal["divider", "user", "assistant", "tool", "error", "notice", "cut"]


@dataclass(frozen=True)
class Item:
    """Something the chat pane shows; becomes one widget when it enters the window."""

    kind: ItemKind
    message: Message | None = None
    call: ToolCall | None = None
    result: ToolMessage | None = None
    text: str = ""


@dataclass(frozen=True)
class ChatTexts:
    """The conversation's texts the chat pane shows (:mod:`tui_chat.engine.texts`, in its language)."""

    divider: str = "new session — earlier messages are not sent to the model"
    interrupted: str = "Reply interrupted."
    omitted_one: str = "1 earlier message not sent to the model"
    omitted_many: str = "{count} earlier messages not sent to the model"
    """The defaults are the English texts; :meth:`of` gives a language's."""
    idle: str = N_("idle {gap}")
    """Translated where shown (a msgid here); a caller may pass its own, already translated, text."""

    @classmethod
    def of(cls, texts: Texts) -> ChatTexts:
        return cls(
            divider=texts.new_session_divider,
            interrupted=texts.interrupted_note,
            omitted_one=texts.omitted_one,
            omitted_many=texts.omitted_many,
        )

    def omitted(self, count: int) -> str:
        return self.omitted_one if count == 1 else self.omitted_many.format(count=count)

    def divider_after(self, gap: float | None) -> str:
        """The divider's text, naming the pause that started the new session when it is known."""
        if gap is None:
            return self.divider
        return f"{_(self.idle).format(gap=format_gap(gap))} — {self.divider}"


def session_gap(sessions: list[Session], index: int) -> float | None:
    """Seconds between the last message before session ``index`` and the session's start.

    A message stamped after that start (another writer's clock, a clock change) does not count.
    """
    if index <= 0 or index >= len(sessions):
        return None
    start = sessions[index].started_at
    earlier = [m.created_at for s in sessions[:index] for m in s.messages if m.created_at <= start]
    return (start - max(earlier)).total_seconds() if earlier else None


def history_cut(messages: list[Message]) -> tuple[str, int] | None:
    """Where the newest request of a session started and how many earlier messages it left out."""
    for message in reversed(messages):
        if isinstance(message, AssistantMessage) and message.request is not None:
            request = message.request
            return (
                (request.message_ids[0], request.omitted) if request.omitted and request.message_ids else None
            )
    return None


def build_items(conversation: Conversation, texts: ChatTexts) -> list[Item]:
    """Flatten a conversation into chat items; tool results attach to the call that asked for them."""
    items: list[Item] = []
    sessions = conversation.sessions
    for index, session in enumerate(sessions):
        if index:
            items.append(Item("divider", text=texts.divider_after(session_gap(sessions, index))))
        results = {m.tool_call_id: m for m in session.messages if isinstance(m, ToolMessage)}
        shown: set[str] = set()
        cut = history_cut(session.messages)
        for message in session.messages:
            if cut is not None and message.id == cut[0]:
                items.append(Item("cut", text=texts.omitted(cut[1])))
            if isinstance(message, UserMessage):
                items.append(Item("user", message))
            elif isinstance(message, AssistantMessage):
                if message.content or message.welcome or (message.interrupted and not message.tool_calls):
                    items.append(Item("assistant", message))
                for call in message.tool_calls:
                    shown.add(call.id)
                    items.append(Item("tool", message, call, results.get(call.id)))
                if message.error:
                    items.append(Item("error", message))
            elif message.tool_call_id not in shown:
                call = ToolCall(message.tool_call_id, message.name, message.arguments)
                items.append(Item("tool", message, call, message))
    return items


class ChatView(VerticalScroll, can_focus=False):
    """Vertical ``layout: stream`` scroll of message widgets, anchored to the bottom."""

    def __init__(
        self,
        *,
        texts: ChatTexts | None = None,
        clock: Callable[[], datetime] = utcnow,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.texts = texts or ChatTexts.of(texts_for(current_language()))
        self.clock = clock
        self._items: list[Item] = []
        self._first = 0
        self._loading = False
        self._generation = 0
        """Bumped when the view is cleared: a page still being mounted for the old contents is dropped."""
        self._tool_blocks: dict[str, ToolCallBlock] = {}
        self.tools_expanded = False

    def on_mount(self) -> None:
        self.set_interval(TIME_REFRESH_SECONDS, self.refresh_times)

    def refresh_times(self) -> None:
        """Bring the times of the messages on screen up to date (one timer; off-screen ones wait)."""
        for widget in self.children:
            if isinstance(widget, MessageBlock) and widget.region.height:
                widget.refresh_time()

    # -- opening ---------------------------------------------------------------------------------

    async def show_conversation(self, conversation: Conversation | None) -> None:
        await self.clear()
        if conversation is None:
            return
        self._items = build_items(conversation, self.texts)
        self._first = max(0, len(self._items) - WINDOW)
        widgets = [self._widget_for(i) for i in range(self._first, len(self._items))]
        await self.mount_all(widgets)
        self.scroll_end(animate=False, immediate=True)
        self.anchor()
        self.call_after_refresh(self._top_up)

    def _top_up(self) -> None:
        """Mount older items until the view can scroll: scrolling up is what loads the rest."""
        if self._first > 0 and not self._loading and self.virtual_size.height < 2 * self.size.height:
            self._loading = True
            self.call_later(self.load_older, TOP_UP, stay_at_end=True)

    async def show_notice(self, text: str, *, classes: str = "notice") -> None:
        await self.mount(Notice(text, classes=classes))
        self.scroll_end(animate=False)

    async def clear(self) -> None:
        self._items = []
        self._first = 0
        self._loading = False
        self._generation += 1
        self._tool_blocks = {}
        await self.remove_children()

    @property
    def mounted_count(self) -> int:
        return len(self.children)

    @property
    def has_older(self) -> bool:
        return self._first > 0

    def _widget_for(self, index: int) -> Widget:
        item = self._items[index]
        if item.kind == "user":
            assert isinstance(item.message, UserMessage)
            return UserBlock(item.message, now=self.clock())
        if item.kind == "assistant":
            assert isinstance(item.message, AssistantMessage)
            return AssistantBlock(item.message, interrupted_note=self.texts.interrupted, now=self.clock())
        if item.kind == "tool":
            assert item.call is not None
            block = ToolCallBlock(item.call, item.result, expanded=self.tools_expanded)
            self._tool_blocks[item.call.id] = block
            return block
        if item.kind == "error":
            assert isinstance(item.message, AssistantMessage) and item.message.error is not None
            error = item.message.error
            return ErrorBlock(error.kind, error.message, error.hint, retryable=index == len(self._items) - 1)
        if item.kind == "divider":
            return SessionDivider(item.text)
        if item.kind == "cut":
            return Notice(item.text, classes="notice history-cut")
        return Notice(item.text)

    # -- older pages -----------------------------------------------------------------------------

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Only a move *up* to the top loads a page: layout settling at y=0 must not chain-load everything.
        scrolled_up = new_value < old_value
        if scrolled_up and new_value <= 1 and self._first > 0 and not self._loading and self.children:
            self._loading = True
            self.call_later(self.load_older)

    async def load_older(self, count: int = PAGE, *, stay_at_end: bool = False) -> None:
        """Mount the previous ``count`` items above the first widget, keeping what the user sees in place.

        ``stay_at_end`` is for top-ups just after opening, when the layout may not have settled yet.
        """
        generation = self._generation
        try:
            if self._first <= 0 or not self.children:
                self._loading = False
                return
            start = max(0, self._first - count)
            widgets = [self._widget_for(i) for i in range(start, self._first)]
            before_height = self.virtual_size.height
            before_y = self.scroll_y
            at_end = stay_at_end or self.is_vertical_scroll_end
            await self.mount_all(widgets, before=self.children[0])
            if generation != self._generation:
                return  # another conversation is shown now; clear() has reset the window
            self._first = start

            def keep_position() -> None:
                if generation != self._generation:
                    return
                if at_end:  # a top-up under the last message: stay anchored there
                    self.scroll_end(animate=False, immediate=True)
                else:
                    grown = self.virtual_size.height - before_height
                    self.scroll_to(y=before_y + grown, animate=False, immediate=True)
                self._loading = False
                self._top_up()

            self.call_after_refresh(keep_position)
        except Exception:
            self._loading = False
            raise

    # -- a live turn -----------------------------------------------------------------------------

    async def append_message(self, message: Message) -> None:
        """Add a message that arrived during a turn (user message, welcome of a new session)."""
        await self._append(Item("user" if isinstance(message, UserMessage) else "assistant", message))

    async def append_divider(self, gap: float | None = None) -> None:
        await self._append(Item("divider", text=self.texts.divider_after(gap)))

    async def mark_history_cut(self, assistant: AssistantMessage) -> None:
        """Show where this request's history starts, when it left earlier messages out (one marker)."""
        cut = history_cut([assistant])
        if cut is None:
            return
        before = next(
            (w for w in self.children if getattr(w, "message", None) is not None and w.message.id == cut[0]),
            None,
        )  # type: ignore[attr-defined]
        if before is None:  # the cut is above the mounted window: reopening shows it
            return
        await self.query(".history-cut").remove()
        await self.mount(Notice(self.texts.omitted(cut[1]), classes="notice history-cut"), before=before)

    async def _append(self, item: Item) -> Widget:
        self._items.append(item)
        widget = self._widget_for(len(self._items) - 1)
        await self.mount(widget)
        return widget

    async def start_reply(self, message: AssistantMessage) -> LiveReply:
        self._items.append(Item("assistant", message))
        reply = LiveReply(message, interrupted_note=self.texts.interrupted)
        await self.mount(reply)
        return reply

    async def end_reply(self, reply: LiveReply, *, interrupted: bool = False) -> None:
        await reply.finish(interrupted=interrupted)
        if not interrupted and not reply.message.content and not reply.source:
            await reply.remove()

    async def tool_started(self, call: ToolCall) -> None:
        if call.id not in self._tool_blocks:
            await self._append(Item("tool", None, call))

    async def tool_finished(self, result: ToolMessage) -> None:
        block = self._tool_blocks.get(result.tool_call_id)
        if block is None:
            call = ToolCall(result.tool_call_id, result.name, result.arguments)
            await self._append(Item("tool", result, call, result))
        else:
            block.set_result(result)

    async def show_error(self, error: EngineError) -> None:
        """Show a turn's error; only the newest one offers a retry."""
        self.spend_retries()
        self._items.append(Item("notice", text=error.message))
        await self.mount(ErrorBlock(error.kind, error.message, error.hint, retryable=True))
        self.scroll_end(animate=False)

    def spend_retries(self) -> None:
        for block in self.query(ErrorBlock):
            block.set_retryable(False)

    # -- a search result ---------------------------------------------------------------------------

    async def reveal_message(self, message_id: str) -> bool:
        """Scroll to the widget of one message (mounting older pages as needed) and highlight it.

        A tool result is shown by its call's block. False when the message is not in this view.
        """
        index = next(
            (
                n
                for n, item in enumerate(self._items)
                if (item.message is not None and item.message.id == message_id)
                or (item.result is not None and item.result.id == message_id)
            ),
            None,
        )
        if index is None:
            return False
        await self._settled()  # the top-ups after opening scroll to the end: let them finish first
        if index < self._first:
            self._loading = True
            await self.load_older(self._first - index + 2)
            await self._settled()
        target = next(
            (
                child
                for child in self.children
                if getattr(getattr(child, "message", None), "id", None) == message_id
                or getattr(getattr(child, "result", None), "id", None) == message_id
                or (
                    isinstance(child, ToolCallBlock)
                    and getattr(child.call, "id", None) == self._call_of(index)
                )
            ),
            None,
        )
        if target is None:
            return False
        for child in self.query(".-search-hit"):
            child.remove_class("-search-hit")
        target.add_class("-search-hit")
        self.release_anchor()
        self.scroll_to_widget(target, animate=False, top=True, immediate=True)
        if target.focusable:
            target.focus(scroll_visible=False)
        return True

    async def _settled(self) -> None:
        """Wait for the pages being mounted (and the scroll they restore) to be done."""
        for _attempt in range(200):
            refreshed = asyncio.Event()
            self.call_after_refresh(refreshed.set)
            await refreshed.wait()
            if not self._loading:
                return

    def _call_of(self, index: int) -> str | None:
        item = self._items[index]
        return item.call.id if item.kind == "tool" and item.call is not None else None

    # -- tool calls ------------------------------------------------------------------------------

    def toggle_tool_calls(self) -> None:
        """Expand every tool call if any is collapsed, otherwise collapse them all."""
        blocks = list(self.query(ToolCallBlock))
        self.tools_expanded = not blocks or any(not block.expanded for block in blocks)
        for block in blocks:
            block.expanded = self.tools_expanded

    def focus_tool_call(self, tool_call_id: str) -> None:
        block = self._tool_blocks.get(tool_call_id)
        if block is not None and block.is_mounted:
            self.scroll_to_widget(block, animate=False)
