"""The seed's answer to ``/chat/message``, built from a turn's events.

``{success, conversationId, response, functionCalled, functionName}`` as the seed sent it
(``functionName`` only when a function was called), plus ``functionNames`` (every tool the multi-round
loop called, in order). A turn that failed answers ``success: false`` with the error's headline and
``errorKind``, and HTTP 502 (504 for the turn deadline): the user's message and whatever the model said
are kept in the conversation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui_chat.engine.errors import EngineError
from tui_chat.engine.events import ToolCallStarted, TurnEvent, TurnFailed, TurnFinished
from tui_chat.engine.models import AssistantMessage


class TurnReply:
    def __init__(self, conversation_id: str, headline: Callable[[str], str]) -> None:
        self.conversation_id = conversation_id
        self._headline = headline
        self.function_names: list[str] = []
        self.error: EngineError | None = None
        self.finished: TurnFinished | None = None

    def add(self, event: TurnEvent) -> None:
        if isinstance(event, ToolCallStarted):
            self.function_names.append(event.call.name)
        elif isinstance(event, TurnFailed):
            self.error = event.error
        elif isinstance(event, TurnFinished):
            self.finished = event

    @property
    def status(self) -> int:
        if self.error is None:
            return 200
        return 504 if self.error.kind == "deadline" else 502

    def response_text(self) -> str:
        """The last reply of the turn (its final round); the round-limit note if that reply is empty."""
        if self.finished is None:
            return ""
        replies = [m for m in self.finished.messages if isinstance(m, AssistantMessage)]
        text = replies[-1].content if replies else ""
        if not text and self.finished.reason == "max_rounds":
            return self.finished.note
        return text

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "success": self.error is None,
            "conversationId": self.conversation_id,
            "response": self.response_text(),
            "functionCalled": bool(self.function_names),
        }
        if self.function_names:
            body["functionName"] = self.function_names[0]
        body["functionNames"] = list(dict.fromkeys(self.function_names))
        if self.error is not None:
            body["error"] = self._headline(self.error.kind)
            body["errorKind"] = self.error.kind
        if self.finished is not None and self.finished.reason in ("max_rounds", "length"):
            body["finishReason"] = self.finished.reason
            if self.finished.note:
                body["note"] = self.finished.note
        return body
