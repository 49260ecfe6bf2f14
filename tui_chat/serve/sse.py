"""``Accept: text/event-stream``: a turn as Server-Sent Events.

Events, each ``data`` one JSON object (so newlines in model text cannot break the framing):

* ``start`` – ``{conversationId, sessionStarted, welcomeMessage?}``: the welcome when a session starts
  (a new conversation, or the idle reset)
* ``delta`` – ``{round, text}``: reply text as the model streams it
* ``tool_call`` – ``{round, id, name, arguments}``; ``tool_result`` – ``{round, id, name, ok, error,
  errorKind, durationMs, content}``
* ``retrying`` – ``{round, attempt, delay, error}``; ``usage`` – ``{round, promptTokens, completionTokens}``
* ``error`` – ``{error, errorKind}`` when the turn failed
* ``done`` – the same object the JSON answer would have been (see :mod:`tui_chat.serve.reply`)
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tui_chat.engine.events import (
    Retrying,
    TextDelta,
    ToolCallFinished,
    ToolCallStarted,
    TurnEvent,
    TurnFailed,
    TurnStarted,
    UsageReported,
)

MEDIA_TYPE = "text/event-stream"
HEARTBEAT_SECONDS = 15.0


def wants_events(request: web.Request) -> bool:
    return MEDIA_TYPE in request.headers.get("Accept", "")


def encode(event: str, data: dict[str, Any]) -> bytes:
    # ensure_ascii: a lone surrogate in a tool result is escaped instead of failing to encode.
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def event_of(
    event: TurnEvent, conversation_id: str, headline: Callable[[str], str]
) -> tuple[str, dict[str, Any]] | None:
    """The SSE event for a turn event, or None for those a client does not need (round bookkeeping)."""
    if isinstance(event, TurnStarted):
        data: dict[str, Any] = {"conversationId": conversation_id, "sessionStarted": event.session_started}
        if event.welcome is not None:
            data["welcomeMessage"] = event.welcome.content
        return "start", data
    if isinstance(event, TextDelta):
        return "delta", {"round": event.round, "text": event.text}
    if isinstance(event, ToolCallStarted):
        call = event.call
        return "tool_call", {
            "round": event.round,
            "id": call.id,
            "name": call.name,
            "arguments": call.arguments,
        }
    if isinstance(event, ToolCallFinished):
        result = event.result
        return "tool_result", {
            "round": event.round,
            "id": result.tool_call_id,
            "name": result.name,
            "ok": result.ok,
            "error": result.error,
            "errorKind": result.error_kind,
            "durationMs": round(result.duration_ms, 1),
            "content": result.content,
        }
    if isinstance(event, Retrying):
        return "retrying", {
            "round": event.round,
            "attempt": event.attempt,
            "delay": event.delay,
            "error": headline(event.error.kind),
        }
    if isinstance(event, UsageReported):
        usage = event.usage
        return "usage", {
            "round": event.round,
            "promptTokens": usage.prompt_tokens,
            "completionTokens": usage.completion_tokens,
        }
    if isinstance(event, TurnFailed):
        return "error", {"error": headline(event.error.kind), "errorKind": event.error.kind}
    return None


class EventStream:
    """A prepared ``text/event-stream`` response; a write raises ConnectionResetError if the client left.

    While it is open, a ``: keep-alive`` comment goes out every :data:`HEARTBEAT_SECONDS` so a proxy
    does not drop a stream that is quiet during a slow tool call (clients ignore comments).
    """

    def __init__(self) -> None:
        self.response = web.StreamResponse(
            headers={
                "Content-Type": f"{MEDIA_TYPE}; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",  # no buffering in a reverse proxy (nginx)
            }
        )
        self._heartbeat: asyncio.Task[None] | None = None

    async def open(self, request: web.Request) -> None:
        await self.response.prepare(request)
        self._heartbeat = asyncio.create_task(self._beat(), name="sse-heartbeat")

    async def _beat(self) -> None:
        with contextlib.suppress(ConnectionResetError, RuntimeError):  # the client left / stream ended
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS)
                await self.response.write(b": keep-alive\n\n")

    async def send(self, event: str, data: dict[str, Any]) -> None:
        await self.response.write(encode(event, data))

    async def close(self) -> None:
        self.stop_heartbeat()
        await self.response.write_eof()

    def stop_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
