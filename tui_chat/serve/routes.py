"""The handlers of ``/chat/start``, ``/chat/message`` and ``/chat/stats`` (the seed's routes/chat.ts)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import aclosing

from aiohttp import web

from tui_chat.i18n import N_, _
from tui_chat.serve.backend import ChatBackend, ConversationUnavailable, ServedTurn
from tui_chat.serve.payloads import RequestProblem, parse_message, parse_start, read_object
from tui_chat.serve.reply import TurnReply
from tui_chat.serve.sse import EventStream, event_of, wants_events

log = logging.getLogger("tui_chat.serve")

BACKEND = web.AppKey("backend", ChatBackend)
NOT_FOUND = N_("No such conversation for this user.")

routes = web.RouteTableDef()


@routes.post("/chat/start")
async def start(request: web.Request) -> web.Response:
    payload = parse_start(await read_object(request))
    started = await request.app[BACKEND].start(payload.user_id, payload.context)
    return web.json_response(
        {
            "success": True,
            "conversationId": started.conversation_id,
            "welcomeMessage": started.welcome,
            "context": started.context,
        }
    )


@routes.post("/chat/message")
async def message(request: web.Request) -> web.StreamResponse:
    payload = parse_message(await read_object(request))
    backend = request.app[BACKEND]
    try:
        async with backend.turn(payload.user_id, payload.conversation_id, payload.context) as turn:
            if wants_events(request):
                return await _stream(request, backend, turn, payload.message)
            reply = TurnReply(turn.conversation_id, backend.error_headline)
            async with aclosing(turn.send(payload.message)) as events:
                async for event in events:
                    reply.add(event)
            return web.json_response(reply.body(), status=reply.status)
    except ConversationUnavailable:
        raise RequestProblem(404, _(NOT_FOUND)) from None
    except asyncio.CancelledError:  # the client went away (aiohttp cancels the handler)
        log.info("client left during a turn; the partial reply is kept, marked interrupted")
        raise


async def _stream(
    request: web.Request, backend: ChatBackend, turn: ServedTurn, text: str
) -> web.StreamResponse:
    """Send the turn as SSE. A client that goes away cancels the turn; the partial reply is kept, marked."""
    stream = EventStream()
    reply = TurnReply(turn.conversation_id, backend.error_headline)
    await stream.open(request)
    try:
        async with aclosing(turn.send(text)) as events:
            async for event in events:
                reply.add(event)
                sse = event_of(event, turn.conversation_id, backend.error_headline)
                if sse is not None and sse[0] == "start" and turn.new:
                    sse[1].update(sessionStarted=True, welcomeMessage=turn.welcome)
                if sse is not None:
                    await stream.send(*sse)
        await stream.send("done", reply.body())
        await stream.close()
    except ConnectionResetError:
        log.info(
            "client left during the turn on %s; the reply is kept, marked interrupted", turn.conversation_id
        )
    finally:
        stream.stop_heartbeat()
    return stream.response


@routes.get("/chat/stats")
async def stats(request: web.Request) -> web.Response:
    return web.json_response(await request.app[BACKEND].stats())
