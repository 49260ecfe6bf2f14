"""The aiohttp application: the routes behind two middlewares, errors outermost, then the bearer token.

Every answer is JSON, errors included: ``{success: false, error}`` with 400/404/413 for a bad request,
401 without the token, and a generic 500 for anything unexpected — its traceback goes to the log,
never into the body.
"""

from __future__ import annotations

import logging

from aiohttp import web

from tui_chat.i18n import N_, _
from tui_chat.serve.auth import auth_middleware
from tui_chat.serve.backend import ChatBackend
from tui_chat.serve.payloads import MAX_BODY, RequestProblem
from tui_chat.serve.routes import BACKEND, routes

log = logging.getLogger("tui_chat.serve")

MAX_BODY_BYTES = 1024 * 1024
INTERNAL_ERROR = N_("Internal server error.")
HTTP_ERRORS = {
    404: N_("Not Found"),
    405: N_("Method Not Allowed"),
    413: N_("Request Entity Too Large"),
}
"""The ``error`` text of aiohttp's own answers (no such route, wrong method): the HTTP reason phrase, in
the server's language; other statuses keep the phrase as it is."""


@web.middleware
async def json_errors(request: web.Request, handler):  # type: ignore[no-untyped-def]
    try:
        return await handler(request)
    except RequestProblem as problem:
        return web.json_response({"success": False, "error": problem.message}, status=problem.status)
    except web.HTTPException as http:
        if http.status < 400:
            raise
        text = _(HTTP_ERRORS[http.status]) if http.status in HTTP_ERRORS else http.reason
        return web.json_response({"success": False, "error": text}, status=http.status, headers=_allow(http))
    except ConnectionResetError:
        raise  # the client left; nothing to answer
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        return web.json_response({"success": False, "error": _(INTERNAL_ERROR)}, status=500)


def _allow(http: web.HTTPException) -> dict[str, str]:
    allow = http.headers.get("Allow")
    return {"Allow": allow} if allow else {}


def make_app(backend: ChatBackend, *, token: str, max_body: int = MAX_BODY_BYTES) -> web.Application:
    app = web.Application(middlewares=[json_errors, auth_middleware(token)], client_max_size=max_body)
    app[BACKEND] = backend
    app[MAX_BODY] = max_body
    app.add_routes(routes)
    return app
