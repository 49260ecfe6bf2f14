"""The main screen: conversation list, chat pane with composer, function-call inspector.

The screen owns the flows (open, send, cancel, retry, rename, delete/undo); the widgets only render and
post messages. A turn runs in one exclusive async worker that consumes the engine's events; cancelling
that worker is how Esc stops a reply (the engine then marks the partial reply interrupted and saves it).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from tui_chat.engine import events as ev
from tui_chat.engine.errors import EngineError, StoreError
from tui_chat.engine.models import AssistantMessage, Conversation, ConversationSummary, UserMessage
from tui_chat.engine.provider.litellm_import import is_imported
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import one_line, running_status, visible
from tui_chat.ui.screens.context_editor import ContextEditorScreen
from tui_chat.ui.screens.dialogs import ConfirmDialog, RenameDialog
from tui_chat.ui.screens.search import OpenAt
from tui_chat.ui.widgets.chat_view import ChatTexts, ChatView
from tui_chat.ui.widgets.composer import Composer
from tui_chat.ui.widgets.conversation_list import ConversationList
from tui_chat.ui.widgets.inspector import InspectorPanel, InspectorScreen
from tui_chat.ui.widgets.message_widgets import ErrorBlock, LiveReply, ToolCallBlock

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

SETUP_ERRORS = frozenset({"missing_credentials", "authentication", "connection"})
"""Errors that mean "no model is configured or reachable": they also raise the setup banner."""
NARROW_WIDTH = 100
"""Below this many columns the inspector is an overlay instead of a side panel."""


class MainScreen(Screen[None]):
    BINDINGS = bindings(Where.CHAT)  # the keys are in ui/actions.py

    def __init__(self) -> None:
        super().__init__()
        self.conversation: Conversation | None = None
        self._turn: Worker[None] | None = None
        self._opening: Worker[None] | None = None
        self._pending_send: str | None = None
        """A message sent while a conversation was still opening: it goes there once it is shown."""
        self._undo_stack: list[tuple[str, str]] = []
        """(trash token, title) of every delete of this session, the latest last."""
        self._reach_error: EngineError | None = None
        """The last "cannot reach the model" error, until a request succeeds or the user moves on."""
        self._status_state = ""

    @property
    def tui(self) -> TuiChatApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        texts = self.tui.services.chat.texts
        chat_texts = ChatTexts(
            divider=texts.new_session_divider,
            interrupted=texts.interrupted_note,
            omitted_one=texts.omitted_one,
            omitted_many=texts.omitted_many,
        )
        with Horizontal(id="body"):
            yield ConversationList(clock=self.tui.clock, id="sidebar")
            with Vertical(id="chat-pane"):
                yield Static("", id="banner")
                yield ChatView(texts=chat_texts, id="chat")
                yield Static("", id="status")
                yield Composer(newline_keys=self.tui.config.ui.newline_keys, id="composer")
            yield InspectorPanel(id="inspector")
        yield Footer()

    # -- widgets -----------------------------------------------------------------------------------

    @property
    def chat(self) -> ChatView:
        return self.query_one("#chat", ChatView)

    @property
    def composer(self) -> Composer:
        return self.query_one("#composer", Composer)

    @property
    def sidebar(self) -> ConversationList:
        return self.query_one("#sidebar", ConversationList)

    @property
    def inspector(self) -> InspectorPanel:
        return self.query_one("#inspector", InspectorPanel)

    def _inspectors(self) -> list[InspectorPanel]:
        """The inspector panel, and the overlay's panel too while the overlay is open."""
        overlay = self.app.screen
        if isinstance(overlay, InspectorScreen):
            return [self.inspector, overlay.panel]
        return [self.inspector]

    # -- start-up ----------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.set_class(not self.tui.config.ui.show_inspector, "-no-inspector")
        self.composer.focus()
        await self.open_new_conversation()
        self.load_list()

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def load_list(self) -> None:
        # The list reads itself off the event loop, batch by batch, then indexes and polls (search slice).
        self.sidebar.load(self.tui.services.store)

    # -- opening -----------------------------------------------------------------------------------

    async def open_new_conversation(self) -> None:
        if self.opening:
            assert self._opening is not None
            self._opening.cancel()  # a conversation still loading must not replace this one later
            if self._pending_send is not None:  # it was meant for that one: give it back
                self.composer.load_text(self._pending_send)
                self._pending_send = None
        await self._end_turn()
        self.conversation = self.tui.services.chat.new_conversation()
        await self._show(self.conversation)
        self.sidebar.highlight(None)

    async def _show(self, conversation: Conversation | None) -> None:
        await self.chat.show_conversation(conversation)
        for panel in self._inspectors():
            panel.show_conversation(conversation)
        last_user = ""
        if conversation is not None:
            for message in reversed(conversation.messages()):
                if isinstance(message, UserMessage):
                    last_user = message.content
                    break
        self.composer.last_message = last_user
        self._reach_error = None  # it was about another conversation's request
        self._refresh_banner()
        self._set_status()

    @on(ConversationList.Opened)
    def _opened(self, event: ConversationList.Opened) -> None:
        self.open_conversation(event.conversation_id)

    @property
    def opening(self) -> bool:
        return self._opening is not None and self._opening.state in (WorkerState.PENDING, WorkerState.RUNNING)

    def open_conversation(self, conversation_id: str) -> Worker[None]:
        self._opening = self._open_conversation(conversation_id)
        return self._opening

    @work(exclusive=True, group="open")
    async def _open_conversation(self, conversation_id: str) -> None:
        await self._end_turn()
        store = self.tui.services.store
        try:
            conversation = await asyncio.to_thread(store.load, conversation_id)
        except StoreError as error:
            self.conversation = None
            await self._show(None)
            await self.chat.show_notice(f"✗ {error}", classes="notice error")
        else:
            self.conversation = conversation
            await self._show(conversation)
            self.sidebar.highlight(conversation.id)
        self.composer.focus()
        self._opening = None
        if self._pending_send is not None:
            text, self._pending_send = self._pending_send, None
            await self._send(text)

    # -- search results (search slice) ------------------------------------------------------------

    @on(OpenAt)
    def _open_at(self, event: OpenAt) -> None:
        self.open_at(event.conversation_id, event.message_id)

    @work(group="open-at")
    async def open_at(self, conversation_id: str, message_id: str) -> None:
        """Open a conversation (unless it is open) and show one message of it, highlighted."""
        if self.conversation is None or self.conversation.id != conversation_id:
            with contextlib.suppress(Exception):
                await self.open_conversation(conversation_id).wait()
        if self.conversation is not None and self.conversation.id == conversation_id and message_id:
            await self.chat.reveal_message(message_id)

    # -- sending -----------------------------------------------------------------------------------

    @property
    def turn_running(self) -> bool:
        return self._turn is not None and self._turn.state in (WorkerState.PENDING, WorkerState.RUNNING)

    @on(Composer.Submitted)
    async def _submitted(self, event: Composer.Submitted) -> None:
        if self.turn_running:
            self.notify("A reply is still coming: press Esc to stop it first.", severity="warning")
            return
        self.composer.last_message = event.text
        self.composer.clear()
        if self.opening:
            # Sent now, the turn would run on the conversation being replaced and vanish from view.
            self._pending_send = event.text
            return
        await self._send(event.text)

    async def _send(self, text: str) -> None:
        if self.conversation is None:
            # A damaged file is shown: it cannot take a message, so a new conversation opens, visibly.
            await self.open_new_conversation()
            self.notify(
                "That conversation's file is damaged and cannot be continued: "
                "your message starts a new conversation.",
                severity="warning",
                timeout=6,
            )
        assert self.conversation is not None
        self._turn = self.run_turn(self.conversation, text)

    def action_retry(self) -> None:
        if self.turn_running or self.conversation is None:
            return
        self.chat.spend_retries()
        self._turn = self.run_turn(self.conversation, None)

    @on(ErrorBlock.RetryRequested)
    def _retry_requested(self) -> None:
        self.action_retry()

    def action_cancel_reply(self) -> None:
        if self.turn_running:
            self._stop_turn()
        elif self.focused is not self.composer:
            self.composer.focus()

    @on(Composer.CancelRequested)
    def _cancel_requested(self) -> None:
        self.action_cancel_reply()

    def _stop_turn(self) -> None:
        if self._turn is not None and self.turn_running:
            self._turn.cancel()

    async def _end_turn(self) -> None:
        """Stop the turn and let it finish: its last widgets (the ⏸ note) belong to its own conversation."""
        worker = self._turn
        if worker is None or not self.turn_running:
            return
        worker.cancel()
        if worker.state == WorkerState.RUNNING:
            with contextlib.suppress(Exception):
                await worker.wait()

    @work(exclusive=True, group="turn")
    async def run_turn(self, conversation: Conversation, text: str | None) -> None:
        """Drive one turn (``text`` None = retry the last message) and show its events as they come."""
        chat = self.chat
        service = self.tui.services.chat
        stream = service.send(conversation, text) if text is not None else service.retry(conversation)
        reply: LiveReply | None = None
        self._set_status("waiting for the model…")
        try:
            async for event in stream:
                if isinstance(event, ev.TextDelta):
                    if reply is not None:
                        if not reply.source:
                            self._set_status("streaming…  (Esc stops)")
                            self._model_reached()
                        await reply.write(event.text)
                elif isinstance(event, ev.TurnStarted):
                    await self._turn_started(conversation, event, retry=text is None)
                elif isinstance(event, ev.RoundStarted):
                    reply = await chat.start_reply(event.assistant)
                    await chat.mark_history_cut(event.assistant)
                    self._waiting_status()
                elif isinstance(event, ev.Retrying):
                    self._set_status(f"retrying in {event.delay:.0f} s: {one_line(event.error.message, 80)}")
                elif isinstance(event, ev.ToolCallStarted):
                    await chat.tool_started(event.call)
                    for panel in self._inspectors():
                        panel.call_started(event.call, event.round)
                    self._set_status(running_status(self.inspector.running_calls))
                elif isinstance(event, ev.ToolCallFinished):
                    await chat.tool_finished(event.result)
                    for panel in self._inspectors():
                        panel.update_call(event.result)
                    self._set_status(running_status(self.inspector.running_calls) or "waiting for the model…")
                elif isinstance(event, ev.RoundFinished):
                    self._model_reached()
                    if reply is not None:
                        await chat.end_reply(reply)
                        reply = None
                elif isinstance(event, ev.TurnFailed):
                    if reply is not None:
                        await chat.end_reply(reply)
                        reply = None
                    await chat.show_error(event.error)
                    self._reach_error = event.error if event.error.kind in SETUP_ERRORS else None
                    self._refresh_banner()
                elif isinstance(event, ev.TurnFinished) and event.reason == "max_rounds":
                    self.notify(event.note, severity="warning")  # errors already have their block
        finally:
            # Cancelled mid-reply: the engine marks the message interrupted when its generator closes.
            await stream.aclose()
            if reply is not None and reply.is_attached and self.conversation is conversation:
                await chat.end_reply(reply, interrupted=True)
            self._set_status()
            if self.conversation is conversation:
                for panel in self._inspectors():
                    panel.show_conversation(conversation)
            if conversation.message_count() > 1:
                self.sidebar.upsert(ConversationSummary.of(conversation))
                if self.conversation is not None:
                    self.sidebar.highlight(self.conversation.id)

    async def _turn_started(self, conversation: Conversation, event: ev.TurnStarted, *, retry: bool) -> None:
        chat = self.chat
        if event.session_started and len(conversation.sessions) > 1:
            await chat.append_divider()
        if event.welcome is not None:
            await chat.append_message(event.welcome)
        if not retry:  # a retry sends the message already shown above its error
            await chat.append_message(event.user_message)
        chat.scroll_end(animate=False)
        chat.anchor()
        self.sidebar.upsert(ConversationSummary.of(conversation))
        if self.conversation is conversation:
            self.sidebar.highlight(conversation.id)

    def _model_reached(self) -> None:
        """A request got through: whatever the banner said about reaching the model is over."""
        if self._reach_error is not None:
            self._reach_error = None
            self._refresh_banner()

    def config_changed(self) -> None:
        """Settings were saved: the model may be configured now (or no longer)."""
        self._reach_error = None
        self._refresh_banner()
        self._set_status()

    def _refresh_banner(self) -> None:
        """The one place that says how to configure a model: shown only while it applies."""
        problem = self._reach_error or self.tui.services.chat.setup_problem()
        banner = self.query_one("#banner", Static)
        banner.display = problem is not None
        if problem is None:
            return
        configured = problem.kind != "missing_credentials"
        text = Text("No model is reachable. " if configured else "No model is configured. ", style="bold")
        text.append(visible(str(problem)))
        text.append("\nPress F3 (settings) to choose the model, API base and API key variable; ")
        text.append("old conversations stay readable and exportable offline.")
        banner.update(text)

    def _waiting_status(self) -> None:
        """Before the first token: say so while litellm is still being imported (seconds, once)."""
        if is_imported():
            self._set_status("waiting for the reply…  (Esc stops)")
            return
        self._set_status("loading the model client…  (Esc stops)")

        def check() -> None:
            if is_imported() or not self.turn_running:
                timer.stop()
                if self.turn_running and self._status_state.startswith("loading the model client"):
                    self._set_status("waiting for the reply…  (Esc stops)")

        timer = self.set_interval(0.2, check)

    def _set_status(self, state: str = "") -> None:
        self._status_state = state
        model = self.tui.config.model.name
        text = Text(one_line(model, 40), style="bold")
        if state:
            text.append("  ·  " + state)
        elif self.conversation is not None and self.conversation.message_count() > 1:
            text.append(f"  ·  {self.conversation.message_count()} messages")
        self.query_one("#status", Static).update(text)

    # -- tool calls and the inspector --------------------------------------------------------------

    def action_toggle_tool_calls(self) -> None:
        self.chat.toggle_tool_calls()

    def action_toggle_inspector(self) -> None:
        """A side panel when the terminal is wide enough, otherwise an overlay screen."""
        if not self.has_class("-narrow"):
            self.toggle_class("-no-inspector")
            return
        self.app.push_screen(InspectorScreen(self.conversation, self.inspector.selected_call_id))

    @on(ToolCallBlock.Selected)
    def _tool_selected(self, event: ToolCallBlock.Selected) -> None:
        for panel in self._inspectors():
            panel.select_call(event.tool_call_id)

    @on(InspectorPanel.CallSelected)
    def _inspector_selected(self, event: InspectorPanel.CallSelected) -> None:
        self.chat.focus_tool_call(event.tool_call_id)

    # -- list actions ------------------------------------------------------------------------------

    async def action_new_conversation(self) -> None:
        await self.open_new_conversation()
        self.composer.focus()

    def action_focus_list(self) -> None:
        self.sidebar.options.focus()

    def action_focus_composer(self) -> None:
        self.composer.focus()

    @on(ConversationList.RenameRequested)
    def _rename(self, event: ConversationList.RenameRequested) -> None:
        summary = event.summary

        def done(title: str | None) -> None:
            if not title or title == summary.title:
                return
            try:
                self.tui.services.store.rename(summary.id, title)
            except StoreError as error:
                self.notify(error.message, severity="error")
                return
            if self.conversation is not None and self.conversation.id == summary.id:
                self.conversation.title = title
                self.conversation.title_is_custom = True
            self.sidebar.replace(dataclasses.replace(summary, title=title))

        self.app.push_screen(RenameDialog(summary.title), done)

    @on(ConversationList.DeleteRequested)
    def _delete(self, event: ConversationList.DeleteRequested) -> None:
        summary = event.summary
        title = one_line(summary.title or summary.id, 60)
        if summary.damaged:
            # The store never moves or overwrites a damaged file: say so before asking anything.
            path = self.tui.services.store.path_of(summary.id)
            self.notify(
                f"“{title}” is damaged, so tui-chat leaves its file alone and cannot delete it. "
                f"Repair or remove it by hand: {path}",
                severity="warning",
                markup=False,
                timeout=10,
            )
            return

        async def done(confirmed: bool | None) -> None:
            if not confirmed:
                return
            try:
                token = self.tui.services.store.delete(summary.id)
            except StoreError as error:
                self.notify(str(error), severity="error", markup=False)
                return
            self._undo_stack.append((token, title))
            self.sidebar.remove(summary.id)
            if self.conversation is not None and self.conversation.id == summary.id:
                await self.open_new_conversation()
            self.notify(f"Deleted “{title}”. ctrl+z in the list brings it back.", markup=False)

        self.app.push_screen(
            ConfirmDialog(f"Delete “{title}”? It goes to the trash; ctrl+z in the list undoes it."), done
        )

    @on(ConversationList.UndoRequested)
    def action_undo_delete(self) -> None:
        """Restore the latest delete not yet undone: every delete of this session can be undone in turn."""
        if not self._undo_stack:
            self.notify("Nothing left to undo in this session.", severity="warning")
            return
        token, title = self._undo_stack[-1]
        try:
            restored = self.tui.services.store.restore(token)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self._undo_stack.pop()
        self.sidebar.current_id = restored
        self.load_list()
        more = len(self._undo_stack)
        rest = f" ctrl+z again restores {more} more." if more else ""
        self.notify(f"Restored “{title}”.{rest}", markup=False)

    # -- context, copy, export ---------------------------------------------------------------------

    def action_edit_context(self) -> None:
        conversation = self.conversation
        if conversation is None:
            return

        def done(context: dict | None) -> None:
            if context is None:
                return
            conversation.context = context
            if conversation.message_count() > 1:
                self.tui.services.store.save(conversation)
            self.notify("Context saved; the model sees it from the next message.")

        self.app.push_screen(ContextEditorScreen(dict(conversation.context)), done)

    def action_copy_last_reply(self) -> None:
        if self.conversation is None:
            return
        for message in reversed(self.conversation.messages()):
            if isinstance(message, AssistantMessage) and message.content:
                self.app.copy_to_clipboard(message.content)
                self.notify("Last reply copied to the clipboard.", timeout=2)
                return
        self.notify("No reply to copy yet.", severity="warning")

    def action_export(self) -> None:
        conversation = self.conversation
        if conversation is None or conversation.message_count() <= 1:
            self.notify("Nothing to export yet.", severity="warning")
            return
        from tui_chat.engine.export import to_markdown

        folder = self.tui.data_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{conversation.id}.md"
        path.write_text(
            to_markdown(conversation, language=self.tui.config.session.language), encoding="utf-8"
        )
        self.notify(f"Exported to {path}", markup=False)
