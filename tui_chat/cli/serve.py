"""``tui-chat serve``: the seed's REST API (/chat/start, /chat/message, /chat/stats) over this engine."""

from __future__ import annotations

import argparse

from tui_chat.cli.common import EXIT_OK, Invocation, UsageError
from tui_chat.i18n import _


def register(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help=_("serve the REST API (/chat/start, /chat/message, /chat/stats) over HTTP"),
        description=_(
            "Serve the seed's REST API over the same engine, store and tools as the TUI. "
            "Every request needs 'Authorization: Bearer <token>' (env TUI_CHAT_SERVE_TOKEN, or a token "
            "generated at the first start and kept in the data dir)."
        ),
    )
    serve.add_argument(
        "--host", default="127.0.0.1", metavar=_("HOST"), help=_("address to bind (default 127.0.0.1)")
    )
    serve.add_argument(
        "--port", type=int, default=8080, metavar=_("PORT"), help=_("port (default 8080; 0 picks a free one)")
    )
    serve.add_argument(
        "--max-body",
        type=int,
        default=None,
        metavar="BYTES",
        help=_("largest request body (default 1 MiB)"),
    )
    serve.set_defaults(handler=serve_entry)


def serve_entry(run: Invocation) -> int:
    import asyncio

    from tui_chat.serve.app import MAX_BODY_BYTES
    from tui_chat.serve.server import serve

    args = run.args
    if not 0 <= args.port <= 65535:
        raise UsageError(_("--port must be between 0 and 65535, not {port}").format(port=args.port))
    max_body = MAX_BODY_BYTES if args.max_body is None else args.max_body
    if max_body < 1024:
        raise UsageError(_("--max-body must be at least 1024 bytes"))
    try:
        asyncio.run(serve(run.config, run.data_dir, host=args.host, port=args.port, max_body=max_body))
    except OSError as error:
        raise UsageError(
            _("cannot listen on {address}: {reason}").format(
                address=f"{args.host}:{args.port}", reason=error.strerror or error
            )
        ) from None
    return EXIT_OK
