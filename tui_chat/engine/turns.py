"""Running turns: a reply belongs to its conversation, not to the screen that asked for it.

A :class:`RunningTurn` drives ``ChatService.send`` (or ``retry``) in an asyncio task of its own and keeps
every event it has yielded. A view that attaches — now, or after the user looked at another
conversation — calls :meth:`RunningTurn.follow`: the events so far are replayed (text deltas merged),
then it follows live. Detaching a view (cancelling its ``follow``) never touches the turn; only
:meth:`RunningTurn.stop` does, and then the chat service marks the partial reply interrupted and saves it.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Literal

from tui_chat.engine.errors import EngineError, StoreError
from tui_chat.engine.events import TextDelta, TurnEvent, TurnStarted
from tui_chat.engine.models import Conversation
from tui_chat.i18n import _

Outcome = Literal["running", "finished", "interrupted", "failed"]


def merged(events: Iterable[TurnEvent]) -> list[TurnEvent]:
    """Consecutive text deltas of one round as one: a late view replays a long reply in one write."""
    out: list[TurnEvent] = []
    for event in events:
        last = out[-1] if out else None
        if isinstance(event, TextDelta) and isinstance(last, TextDelta) and last.round == event.round:
            out[-1] = TextDelta(event.round, last.text + event.text)
        else:
            out.append(event)
    return out


class RunningTurn:
    """One turn of one conversation, running until it finishes, fails or is stopped.

    ``outcome`` is ``running`` until the task ends. ``error`` is set when the turn could not go on for a
    reason outside its events (a disk fault saving the user's message); ``accepted`` tells whether the
    user's message was saved and the turn really started (``False``: give the text back to the user).
    """

    def __init__(
        self,
        conversation: Conversation,
        stream: AsyncIterator[TurnEvent],
        *,
        retry: bool,
        text: str | None = None,
        on_event: Callable[[RunningTurn, TurnEvent | None], None] = lambda turn, event: None,
    ) -> None:
        self.conversation = conversation
        self.retry = retry
        self.text = text
        """The user's message (None for a retry): given back to the user if it could not be saved."""
        self.events: list[TurnEvent] = []
        self.outcome: Outcome = "running"
        self.error: EngineError | None = None
        self._stream = stream
        self._on_event = on_event
        self._wake = asyncio.Event()
        sessions = conversation.sessions
        self._before = (len(sessions), len(sessions[-1].messages) if sessions else 0)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"turn {conversation.id}")

    @property
    def running(self) -> bool:
        return self.outcome == "running"

    @property
    def accepted(self) -> bool:
        return any(isinstance(event, TurnStarted) for event in self.events)

    def conversation_before(self) -> Conversation:
        """A shallow copy of the conversation as it was before this turn (to show under a replay)."""
        count, last_length = self._before
        sessions = [copy.copy(session) for session in self.conversation.sessions[:count]]
        if sessions:
            sessions[-1].messages = sessions[-1].messages[:last_length]
        return dataclasses.replace(self.conversation, sessions=sessions)

    async def follow(self) -> AsyncIterator[TurnEvent]:
        """Every event from the start (replayed, merged), then the live ones until the turn ends."""
        index = 0
        while True:
            if index < len(self.events):
                batch = self.events[index:]
                index += len(batch)
                for event in merged(batch):
                    yield event
                continue
            if not self.running:
                return
            await self._wake.wait()

    def stop(self) -> None:
        """Stop the reply: the partial text is kept, marked interrupted, and saved."""
        if self.running:
            self._task.cancel()

    async def wait(self) -> None:
        """Until the turn has ended and its last save is done (never raises)."""
        await asyncio.wait([self._task])

    def _notify(self, event: TurnEvent | None) -> None:
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()
        self._on_event(self, event)

    async def _run(self) -> None:
        outcome: Outcome = "failed"
        try:
            async for event in self._stream:
                self.events.append(event)
                self._notify(event)
            outcome = "finished"
        except asyncio.CancelledError:
            outcome = "interrupted"
        except EngineError as error:
            self.error = error
        except OSError as error:  # a store that does not wrap its OS errors yet
            if error.filename:
                said = _("Could not save to {path}: {reason}.").format(
                    path=error.filename, reason=error.strerror
                )
            else:
                said = _("Could not save to the data folder: {reason}.").format(reason=error.strerror)
            self.error = StoreError(said)
        except Exception as error:  # a bug must not vanish with a task nobody awaits
            self.error = EngineError(
                _("The reply stopped on an unexpected error: {error}.").format(error=repr(error))
            )
        finally:
            with contextlib.suppress(BaseException):
                await self._stream.aclose()  # a no-op once the generator has finished
            self.outcome = outcome
            self._notify(None)
