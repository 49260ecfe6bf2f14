"""The Workspace's turns: send, retry and resume start a :class:`RunningTurn` that belongs to the workspace.

A mixin of :class:`tui_chat.engine.workspace.Workspace` (its public API is the Workspace's). A turn is
not a screen's: it keeps running while another conversation is shown, its events are kept for a view
that attaches later, and its end marks the conversation unseen when nobody was looking at it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui_chat.engine.errors import EngineError, MissingCredentials
from tui_chat.engine.events import RoundFinished, ToolCallFinished, TurnEvent, TurnFailed, TurnStarted
from tui_chat.engine.models import Conversation
from tui_chat.engine.turns import RunningTurn
from tui_chat.i18n import _

if TYPE_CHECKING:
    from tui_chat.engine.chat import ChatService


class WorkspaceTurns:
    """The running turns; the attributes, ``_emit`` and ``setup_problem`` are the Workspace's."""

    _chat: ChatService
    _known: weakref.WeakValueDictionary[str, Conversation]
    _turns: dict[str, RunningTurn]
    _unseen: set[str]
    _viewing: str | None
    _signatures: dict[str, Any]
    _emit: Callable[..., None]
    setup_problem: Callable[[], EngineError | None]

    def send(
        self,
        conversation: Conversation,
        text: str,
        *,
        context: dict[str, Any] | None = None,
        refuse_without_key: bool = True,
    ) -> RunningTurn:
        """Start a turn. Refused at once (``MissingCredentials``, nothing added) when no key is set.

        ``context`` is merged into the conversation's user context and saved with the message.
        ``refuse_without_key=False`` (``tui-chat ask``): the message is saved and the turn fails with
        the same ``MissingCredentials`` as a ``TurnFailed`` event, as a script expects of one turn.
        """
        problem = self.setup_problem()
        if refuse_without_key and isinstance(problem, MissingCredentials):
            raise problem
        turn = self._start(conversation, self._chat.send(conversation, text), retry=False, text=text)
        if context:  # the turn's task has not run yet: this is saved with the message
            conversation.context.update(context)
        return turn

    def retry(self, conversation: Conversation) -> RunningTurn:
        """Send the last user message again (after an error)."""
        problem = self.setup_problem()
        if isinstance(problem, MissingCredentials):
            raise problem
        return self._start(conversation, self._chat.retry(conversation), retry=True)

    def resume(self, conversation: Conversation) -> RunningTurn:
        """Let the model answer the history as it stands (a fork ending in a tool result)."""
        problem = self.setup_problem()
        if isinstance(problem, MissingCredentials):
            raise problem
        return self._start(conversation, self._chat.resume(conversation), retry=True)

    def _start(
        self, conversation: Conversation, stream: Any, *, retry: bool, text: str | None = None
    ) -> RunningTurn:
        if self.turn(conversation.id) is not None:
            raise EngineError(
                _("A reply is still coming in this conversation."), hint=_("Press Esc to stop it.")
            )
        self._known[conversation.id] = conversation
        turn = RunningTurn(conversation, stream, retry=retry, text=text, on_event=self._turn_event)
        self._turns[conversation.id] = turn
        self._unseen.discard(conversation.id)
        self._emit("marks", conversation.id)
        return turn

    def turn(self, conversation_id: str) -> RunningTurn | None:
        """The running turn of this conversation, if any."""
        turn = self._turns.get(conversation_id)
        return turn if turn is not None and turn.running else None

    @property
    def running_ids(self) -> set[str]:
        return {cid for cid, turn in self._turns.items() if turn.running}

    @property
    def unseen_ids(self) -> set[str]:
        return set(self._unseen)

    def viewing(self, conversation_id: str | None) -> None:
        """Which conversation the user is looking at: a reply that ends elsewhere is marked unseen."""
        self._viewing = conversation_id
        if conversation_id in self._unseen:
            self._unseen.discard(conversation_id)
            self._emit("marks", conversation_id)

    async def stop_all(self) -> int:
        """Stop every running turn and wait until each has saved its reply, marked interrupted."""
        turns = [turn for turn in self._turns.values() if turn.running]
        for turn in turns:
            turn.stop()
        await asyncio.gather(*(turn.wait() for turn in turns))
        return len(turns)

    def _turn_event(self, turn: RunningTurn, event: TurnEvent | None) -> None:
        conversation = turn.conversation
        if isinstance(event, TurnStarted | RoundFinished | ToolCallFinished | TurnFailed):
            self._emit("activity", conversation)
        if event is None:  # the turn is over
            if self._turns.get(conversation.id) is turn:
                del self._turns[conversation.id]
            if turn.accepted and self._viewing != conversation.id:
                self._unseen.add(conversation.id)
            if turn.outcome == "interrupted" and turn.accepted:
                self._emit("activity", conversation)
            if turn.error is not None and not turn.accepted and turn.text:
                self._emit("not_sent", conversation.id, text=turn.text, error=turn.error)
            self._emit("marks", conversation.id)
            self._signatures.pop(conversation.id, None)  # its own saves are not news from elsewhere
