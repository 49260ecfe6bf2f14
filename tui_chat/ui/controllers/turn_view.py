"""TurnView: shows one running turn in the chat pane, the inspectors and the status line.

The turn itself lives in the engine's Workspace; this only *follows* it: the events so far are replayed,
then the live ones. Cancelling the worker that runs :meth:`TurnView.follow` detaches the view (another
conversation is shown) and leaves the turn running.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from tui_chat.engine import events as ev
from tui_chat.engine.provider.litellm_import import is_imported
from tui_chat.engine.turns import RunningTurn
from tui_chat.i18n import N_, _
from tui_chat.ui.formatting import one_line, running_status
from tui_chat.ui.widgets.chat_view import session_gap
from tui_chat.ui.widgets.live_reply import LiveReply
from tui_chat.ui.widgets.status_line import SETUP_ERRORS

if TYPE_CHECKING:
    from tui_chat.ui.screens.main import MainScreen

WAITING_FOR_MODEL = N_("waiting for the model…")
WAITING_FOR_REPLY = N_("waiting for the reply…  (Esc stops)")
LOADING_CLIENT = N_("loading the model client…  (Esc stops)")


class TurnView:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.following: RunningTurn | None = None

    async def follow(self, turn: RunningTurn, text: str | None) -> None:
        """Show ``turn`` until it ends; ``text`` is the message sent (given back if it was not saved)."""
        screen = self.screen
        chat = screen.chat
        reply: LiveReply | None = None
        self.following = turn
        screen.set_status(_(WAITING_FOR_MODEL))
        try:
            async for event in turn.follow():
                if isinstance(event, ev.TextDelta):
                    if reply is not None:
                        if not reply.source:
                            screen.set_status(_("streaming…  (Esc stops)"))
                            screen.banner.model_reached()
                        await reply.write(event.text)
                elif isinstance(event, ev.TurnStarted):
                    await self._turn_started(turn, event)
                    if not is_imported():  # the first round waits for the import: say why
                        self._waiting_status(turn)
                elif isinstance(event, ev.RoundStarted):
                    reply = await chat.start_reply(event.assistant)
                    await chat.mark_history_cut(event.assistant)
                    self._waiting_status(turn)
                elif isinstance(event, ev.Retrying):
                    retrying = _("retrying in {seconds} s: {reason}")
                    screen.set_status(
                        retrying.format(
                            seconds=f"{event.delay:.0f}", reason=one_line(event.error.message, 80)
                        )
                    )
                elif isinstance(event, ev.ToolCallStarted):
                    await chat.tool_started(event.call)
                    for panel in screen.inspectors():
                        panel.call_started(event.call, event.round)
                    screen.set_status(running_status(screen.inspector.running_calls))
                elif isinstance(event, ev.ToolCallFinished):
                    await chat.tool_finished(event.result)
                    for panel in screen.inspectors():
                        panel.update_call(event.result)
                    running = running_status(screen.inspector.running_calls)
                    screen.set_status(running or _(WAITING_FOR_MODEL))
                elif isinstance(event, ev.RoundFinished):
                    screen.banner.model_reached()
                    if reply is not None:
                        await chat.end_reply(reply)
                        reply = None
                elif isinstance(event, ev.TurnFailed):
                    if reply is not None:
                        await chat.end_reply(reply)
                        reply = None
                    await chat.show_error(event.error)
                    screen.banner.reach_failed(event.error if event.error.kind in SETUP_ERRORS else None)
                elif isinstance(event, ev.TurnFinished) and event.reason == "max_rounds":
                    # Errors already have their block; the note names a [section]: not markup.
                    screen.notify(event.note, severity="warning", markup=False)
        except asyncio.CancelledError:
            self.following = None
            raise  # detached: another conversation is shown; the turn goes on
        self.following = None
        if reply is not None and reply.is_attached:
            await chat.end_reply(reply, interrupted=turn.outcome == "interrupted")
        if turn.error is not None:
            await chat.show_notice(f"✗ {turn.error}", classes="notice error")
            if text is not None and not turn.accepted:
                screen.give_back(text)  # it was never saved, so never sent: the user keeps it
            screen.notify(str(turn.error), title=_("Not saved"), severity="error", markup=False, timeout=10)
        screen.set_status()
        for panel in screen.inspectors():
            panel.show_conversation(turn.conversation)

    async def _turn_started(self, turn: RunningTurn, event: ev.TurnStarted) -> None:
        chat = self.screen.chat
        if event.session_started and len(turn.conversation.sessions) > 1:
            sessions = turn.conversation.sessions
            await chat.append_divider(session_gap(sessions, len(sessions) - 1))
        if event.welcome is not None:
            await chat.append_message(event.welcome)
        if not turn.retry:  # a retry sends the message already shown above its error
            await chat.append_message(event.user_message)
        chat.scroll_end(animate=False)
        chat.anchor()

    def _waiting_status(self, turn: RunningTurn) -> None:
        """Before the first token: say so while litellm is still being imported (seconds, once)."""
        screen = self.screen
        if is_imported():
            screen.set_status(_(WAITING_FOR_REPLY))
            return
        loading = _(LOADING_CLIENT)
        screen.set_status(loading)

        def check() -> None:
            if is_imported() or self.following is not turn:
                timer.stop()
                if self.following is turn and screen.status.state == loading:
                    screen.set_status(_(WAITING_FOR_REPLY))

        timer = screen.set_interval(0.2, check)
