"""Reading request bodies: JSON objects with the seed's fields, checked before anything is done.

Every problem is a :class:`RequestProblem` with the status and a message the client can show (in the
server's language; the API's field names in it are left as they are); the body
is parsed whatever its ``Content-Type`` (``curl -d`` sends form encoding), and its size is bounded by the
application's ``client_max_size``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tui_chat.i18n import _

MAX_BODY = web.AppKey("max_body", int)
"""The application's body limit in bytes (its ``client_max_size``), for the 413 message."""

MAX_USER_ID_CHARS = 200
MAX_CONTEXT_CHARS = 64_000
"""The user context is sent in every system prompt; a larger one is refused."""


class RequestProblem(Exception):
    """A request the server refuses (4xx), with the message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class StartRequest:
    user_id: str
    context: dict[str, Any] | None


@dataclass(frozen=True)
class MessageRequest:
    message: str
    user_id: str
    conversation_id: str | None
    context: dict[str, Any] | None


async def read_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body is ``{}`` (so the client hears which fields are missing)."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestProblem(
            413, _("The request body is larger than {n} bytes.").format(n=f"{request.app[MAX_BODY]:,}")
        ) from None
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RequestProblem(
            400, _("The request body is not valid JSON ({error}).").format(error=error)
        ) from None
    if not isinstance(data, dict):
        raise RequestProblem(400, _("The request body must be a JSON object."))
    return data


def parse_start(data: dict[str, Any]) -> StartRequest:
    user_id = _user_id(data.get("userId"))
    if user_id is None:
        raise RequestProblem(400, _("{field} is required.").format(field="userId"))
    return StartRequest(user_id, _context(data.get("context")))


def parse_message(data: dict[str, Any]) -> MessageRequest:
    message, user_id = data.get("message"), _user_id(data.get("userId"))
    if not message or user_id is None:
        raise RequestProblem(
            400, _("{first} and {second} are required.").format(first="message", second="userId")
        )
    if not isinstance(message, str):
        raise RequestProblem(400, _("{field} must be a string.").format(field="message"))
    if not message.strip():
        raise RequestProblem(400, _("{field} is empty.").format(field="message"))
    _encodable(message, "message")
    conversation_id = data.get("conversationId")
    if conversation_id is not None and not isinstance(conversation_id, str):
        raise RequestProblem(400, _("{field} must be a string.").format(field="conversationId"))
    return MessageRequest(message, user_id, conversation_id or None, _context(data.get("context")))


def _user_id(value: Any) -> str | None:
    """The seed took any truthy value; we take a non-empty string (or an integer, as a JS client may send)."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RequestProblem(400, _("{field} must be a string.").format(field="userId"))
    value = value.strip()
    if not value:
        return None
    if len(value) > MAX_USER_ID_CHARS or not value.isprintable():
        raise RequestProblem(
            400,
            _("{field} must be printable and at most {n} characters.").format(
                field="userId", n=MAX_USER_ID_CHARS
            ),
        )
    _encodable(value, "userId")
    return value


def _context(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestProblem(
            400,
            _("{field} must be a JSON object, such as {example}.").format(
                field="context", example='{"name": "Ana"}'
            ),
        )
    text = json.dumps(value, ensure_ascii=False)
    if len(text) > MAX_CONTEXT_CHARS:
        raise RequestProblem(
            400,
            _("{field} is longer than {n} characters as JSON.").format(
                field="context", n=f"{MAX_CONTEXT_CHARS:,}"
            ),
        )
    _encodable(text, "context")
    return value


def _encodable(text: str, field: str) -> None:
    """JSON may carry a lone surrogate (``"\\ud83d"``), which no file, database or terminal can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise RequestProblem(
            400, _("{field} contains an unpaired UTF-16 surrogate.").format(field=field)
        ) from None
