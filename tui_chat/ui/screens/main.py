"""The main screen: conversation list, chat pane with composer, function-call inspector.

It wires widgets to the engine's :class:`Workspace` and to controllers of one job each: the turns are
the Workspace's (they keep running while another conversation is shown), :class:`TurnView` follows the
open conversation's turn, :class:`ListActions` renames / deletes / restores, and
:class:`ConversationActions` edits the context, copies and exports. The screen decides only what is
shown: which conversation is open, and when a message goes.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from tui_chat.engine.errors import EngineError, MissingCredentials, StoreError
from tui_chat.engine.models import Conversation, UserMessage
from tui_chat.engine.turns import RunningTurn
from tui_chat.engine.workspace import Change, Workspace
from tui_chat.i18n import _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.controllers.conversation_actions import ConversationActions
from tui_chat.ui.controllers.list_actions import ListActions
from tui_chat.ui.controllers.panes import Panes
from tui_chat.ui.controllers.turn_view import TurnView
from tui_chat.ui.localized import TranslatedKeys
from tui_chat.ui.screens.search import OpenAt
from tui_chat.ui.widgets.chat_notices import ErrorBlock
from tui_chat.ui.widgets.chat_view import ChatTexts, ChatView
from tui_chat.ui.widgets.composer import Composer
from tui_chat.ui.widgets.conversation_list import ConversationList
from tui_chat.ui.widgets.inspector import InspectorPanel
from tui_chat.ui.widgets.inspector_screen import InspectorScreen
from tui_chat.ui.widgets.status_line import SetupBanner, StatusLine
from tui_chat.ui.widgets.tool_call_block import ToolCallBlock

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

NARROW_WIDTH = 100
"""Below this many columns the inspector is an overlay instead of a side panel."""
DISK_POLL_SECONDS = 1.5
"""How often the open conversation's file is checked for messages another process added (one stat)."""


class MainScreen(TranslatedKeys, Screen[None]):
    BINDINGS = bindings(Where.CHAT)  # the keys are in ui/actions.py

    def __init__(self) -> None:
        super().__init__()
        self.conversation: Conversation | None = None
        self._view: Worker[None] | None = None
        self._opening: Worker[None] | None = None
        self._pending_send: str | None = None
        """A message sent while a conversation was still opening: it goes there once it is shown."""
        self.turn_view = TurnView(self)
        self.list_actions = ListActions(self)
        self.conversation_actions = ConversationActions(self)
        self.panes = Panes(self)
        self._unsubscribe = lambda: None

    @property
    def tui(self) -> TuiChatApp:
        return self.app  # type: ignore[return-value]

    @property
    def workspace(self) -> Workspace:
        return self.tui.workspace

    def compose(self) -> ComposeResult:
        texts = self.workspace.texts
        chat_texts = ChatTexts(
            divider=texts.new_session_divider,
            interrupted=texts.interrupted_note,
            omitted_one=texts.omitted_one,
            omitted_many=texts.omitted_many,
        )
        with Horizontal(id="body"):
            yield ConversationList(clock=self.tui.clock, id="sidebar")
            with Vertical(id="chat-pane"):
                yield SetupBanner(self.workspace.setup_problem, id="banner")
                yield ChatView(texts=chat_texts, clock=self.tui.clock, id="chat")
                yield StatusLine(id="status")
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

    @property
    def banner(self) -> SetupBanner:
        return self.query_one("#banner", SetupBanner)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#status", StatusLine)

    def inspectors(self) -> list[InspectorPanel]:
        """The inspector panel, and the overlay's panel too while the overlay is open."""
        overlay = self.app.screen
        if isinstance(overlay, InspectorScreen):
            return [self.inspector, overlay.panel]
        return [self.inspector]

    # -- start-up ----------------------------------------------------------------------------------

    async def on_mount(self) -> None:
        self.set_class(not self.tui.config.ui.show_inspector, "-no-inspector")
        self.composer.focus()
        self._unsubscribe = self.workspace.subscribe(self._workspace_changed)
        await self.open_new_conversation()
        if not self.query("#sidebar"):  # the app closed while the first conversation was being made
            return
        self.load_list()
        self.set_interval(DISK_POLL_SECONDS, self._poll_disk)

    def on_unmount(self) -> None:
        self._unsubscribe()

    async def redraw(self) -> None:
        """Compose every widget again, so each text is looked up again (a new language), and show the
        same conversation, draft and list; a reply running in it goes on in the Workspace and is
        followed again."""
        draft, focused = self.composer.text, self.composer.has_focus
        await self.hide_turn()
        await self.recompose()
        await self._show(self.conversation)
        if draft:
            self.give_back(draft)
        if focused:
            self.composer.focus()
        self.load_list()
        if self.conversation is not None:
            self.sidebar.highlight(self.conversation.id)

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW_WIDTH, "-narrow")

    def load_list(self) -> None:
        # The list reads itself in a thread, batch by batch, then indexes and polls (search slice).
        self.sidebar.load(self.workspace.reader)
        self._refresh_marks()

    def _workspace_changed(self, change: Change) -> None:
        """The engine's news: the list follows it (the UI never rebuilds a summary itself)."""
        if not self.is_mounted or not self.query("#sidebar"):  # news arriving while the app closes
            return
        sidebar = self.sidebar
        if change.kind == "activity" and change.summary is not None and change.summary.message_count > 1:
            sidebar.upsert(change.summary)
            if self.conversation is not None:
                sidebar.highlight(self.conversation.id)
        elif change.kind == "renamed" and change.summary is not None:
            sidebar.replace(change.summary)
        elif change.kind == "deleted":
            sidebar.remove(change.conversation_id)
        elif change.kind == "restored":
            sidebar.current_id = change.conversation_id
            self.load_list()
        elif change.kind == "marks":
            self._refresh_marks()
        elif change.kind == "not_sent":
            following = self.turn_view.following
            if following is None or following.conversation.id != change.conversation_id:
                # Its view was left before the save failed: the text must not vanish with it.
                self.give_back(change.text)
                self.notify(
                    _("Your message was not saved, so not sent: {error} It is back in the composer.").format(
                        error=change.error
                    ),
                    title=_("Not sent"),
                    severity="error",
                    markup=False,
                    timeout=10,
                )

    def _refresh_marks(self) -> None:
        self.sidebar.set_marks(running=self.workspace.running_ids, unseen=self.workspace.unseen_ids)

    # -- opening -----------------------------------------------------------------------------------

    async def open_new_conversation(self) -> None:
        if self.opening:
            assert self._opening is not None
            self._opening.cancel()  # a conversation still loading must not replace this one later
            if self._pending_send is not None:  # it was meant for that one: give it back
                self.give_back(self._pending_send)
                self._pending_send = None
        await self.hide_turn()
        self.conversation = self.workspace.new()
        await self._show(self.conversation)
        self.sidebar.highlight(None)

    async def _show(self, conversation: Conversation | None) -> None:
        """Show a conversation; if a reply is running in it, replay it and follow it live."""
        await self.hide_turn()
        turn = self.workspace.turn(conversation.id) if conversation is not None else None
        shown = turn.conversation_before() if turn is not None else conversation
        await self.chat.show_conversation(shown)
        for panel in self.inspectors():
            panel.show_conversation(shown)
        messages = conversation.messages() if conversation is not None else []
        self.composer.set_history(m.content for m in messages if isinstance(m, UserMessage))
        self.workspace.viewing(conversation.id if conversation is not None else None)
        self.banner.reach_failed(None)  # what it said was about another conversation's request
        self.set_status()
        if turn is not None:
            self._show_turn(turn, None)

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
        await self.hide_turn()  # the reply shown goes on; only this view of it stops
        try:
            conversation = await self.workspace.open(conversation_id)
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

    # -- changes on disk ---------------------------------------------------------------------------

    def _poll_disk(self) -> None:
        if self.conversation is not None and not self.opening and not self.turn_running:
            self._reload_if_changed(self.conversation)

    @work(exclusive=True, group="disk")
    async def _reload_if_changed(self, conversation: Conversation) -> None:
        fresh = await self.workspace.reload_if_changed(conversation)
        if fresh is None or self.conversation is not conversation or self.opening or self.turn_running:
            return
        self.conversation = fresh
        await self._show(fresh)

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
        """A reply of the open conversation is running, or still being shown."""
        viewing = self._view is not None and self._view.state in (WorkerState.PENDING, WorkerState.RUNNING)
        running = self.conversation is not None and self.workspace.turn(self.conversation.id) is not None
        return viewing or running

    @on(Composer.Submitted)
    async def _submitted(self, event: Composer.Submitted) -> None:
        if self.conversation is not None and self.workspace.turn(self.conversation.id) is not None:
            self.notify(_("A reply is still coming: press Esc to stop it first."), severity="warning")
            return
        self.composer.remember(event.text)
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
                _(
                    "That conversation's file is damaged and cannot be continued: "
                    "your message starts a new conversation."
                ),
                severity="warning",
                timeout=6,
            )
        assert self.conversation is not None
        try:
            turn = self.workspace.send(self.conversation, text)
        except EngineError as refused:  # no key (known offline, at once), or a reply still running
            self.give_back(text)
            said = str(refused)
            if isinstance(refused, MissingCredentials):
                self.banner.reach_failed(refused)  # the banner says how to set it up
                said = _("{problem} Your message is kept in the composer.").format(problem=refused.message)
            self.notify(said, title=_("Not sent"), severity="error", markup=False, timeout=8)
            return
        self._show_turn(turn, text)

    def give_back(self, text: str) -> None:
        """Put a message that was not sent back in the composer, before anything typed since."""
        typed = self.composer.text
        self.composer.load_text(text if not typed.strip() else f"{text}\n{typed}")
        self.composer.move_cursor(self.composer.document.end)

    def _show_turn(self, turn: RunningTurn, text: str | None) -> None:
        self._view = self._follow(turn, text)

    @work(exclusive=True, group="turn-view")
    async def _follow(self, turn: RunningTurn, text: str | None) -> None:
        await self.turn_view.follow(turn, text)

    async def hide_turn(self) -> None:
        """Stop showing the running reply (it goes on in the Workspace) before the pane changes."""
        worker, self._view = self._view, None
        if worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            worker.cancel()
            if worker.state == WorkerState.RUNNING:
                with contextlib.suppress(Exception):
                    await worker.wait()

    async def continue_fork(self, conversation: Conversation) -> None:
        """Show a fork (``Workspace.fork``) and let the model answer from its last tool result."""
        await self.hide_turn()
        self.conversation = conversation
        await self._show(conversation)
        self.sidebar.highlight(conversation.id)  # Workspace.fork's "activity" put it in the list
        try:
            turn = self.workspace.resume(conversation)
        except EngineError as refused:
            self.notify(str(refused), severity="error", markup=False, timeout=10)
            return
        self._show_turn(turn, None)

    def action_retry(self) -> None:
        if self.turn_running or self.conversation is None:
            return
        try:
            turn = self.workspace.retry(self.conversation)
        except EngineError as refused:
            if isinstance(refused, MissingCredentials):
                self.banner.reach_failed(refused)
            self.notify(str(refused), severity="error", markup=False, timeout=10)
            return
        self.chat.spend_retries()
        self._show_turn(turn, None)

    @on(ErrorBlock.RetryRequested)
    def _retry_requested(self) -> None:
        self.action_retry()

    def action_cancel_reply(self) -> None:
        turn = self.workspace.turn(self.conversation.id) if self.conversation is not None else None
        if turn is not None:
            turn.stop()
        elif self.focused is not self.composer:
            self.composer.focus()

    @on(Composer.CancelRequested)
    def _cancel_requested(self) -> None:
        self.action_cancel_reply()

    @on(Composer.ScrollRequested)
    def _scroll_requested(self, event: Composer.ScrollRequested) -> None:
        chat = self.chat
        if event.where in ("page_up", "home"):
            chat.release_anchor()  # as a scroll by hand: new text must not pull the view back down
        if event.where == "page_up":
            chat.scroll_page_up(animate=False)
        elif event.where == "page_down":
            chat.scroll_page_down(animate=False)
        elif event.where == "home":
            chat.scroll_home(animate=False)
        else:
            chat.scroll_end(animate=False)
            chat.anchor()

    # -- the banner and the status line ------------------------------------------------------------

    def config_changed(self) -> None:
        """Settings were saved: the model may be configured now (or no longer)."""
        self.banner.reach_failed(None)
        self.set_status()

    def set_status(self, state: str = "") -> None:
        count = self.conversation.message_count() if self.conversation is not None else 0
        self.status.show(self.tui.config.model.name, state, count)

    # -- tool calls and the inspector --------------------------------------------------------------

    def action_toggle_tool_calls(self) -> None:
        self.chat.toggle_tool_calls()

    def action_toggle_inspector(self) -> None:
        """A side panel when the terminal is wide enough, otherwise an overlay screen."""
        if not self.has_class("-narrow"):
            self.panes.toggle_inspector()
            return
        self.app.push_screen(InspectorScreen(self.conversation, self.inspector.selected_call_id))

    def action_toggle_sidebar(self) -> None:
        self.panes.toggle_sidebar()

    def action_focus_mode(self) -> None:
        self.panes.toggle_focus_mode()

    @on(ToolCallBlock.Selected)
    def _tool_selected(self, event: ToolCallBlock.Selected) -> None:
        for panel in self.inspectors():
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
        self.list_actions.rename(event.summary)

    @on(ConversationList.DeleteRequested)
    def _delete(self, event: ConversationList.DeleteRequested) -> None:
        self.list_actions.delete(event.summary)

    @on(ConversationList.UndoRequested)
    async def action_undo_delete(self) -> None:
        await self.list_actions.undo()

    # -- context, copy, export ---------------------------------------------------------------------

    def action_edit_context(self) -> None:
        self.conversation_actions.edit_context()

    def action_copy_last_reply(self) -> None:
        self.conversation_actions.copy_last_reply()

    async def action_export(self) -> None:
        await self.conversation_actions.export()
