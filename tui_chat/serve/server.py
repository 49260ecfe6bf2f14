"""Starting and stopping the server: bind, say where it listens and how to authenticate, serve until a signal.

``import litellm`` (~3 s of CPU) is not paid before the server listens: it is warmed in a background
thread once the socket is bound, so the first model call does not wait for all of it either.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from aiohttp import web

from tui_chat.config import Config
from tui_chat.i18n import _
from tui_chat.serve.app import MAX_BODY_BYTES, make_app
from tui_chat.serve.auth import TOKEN_ENV, ServeToken, resolve_token
from tui_chat.serve.backend import ChatBackend

log = logging.getLogger("tui_chat.serve")

SHUTDOWN_GRACE = 5.0
"""Seconds running turns get at shutdown; then they are cancelled (saved, marked interrupted)."""


@dataclass
class RunningServer:
    runner: web.AppRunner
    backend: ChatBackend
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def close(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Stop listening, give running turns ``grace`` seconds, cancel the rest (saved, interrupted)."""
        for site in list(self.runner.sites):
            await site.stop()
        cancelled = await self.backend.stop_turns(grace)
        if cancelled:
            log.info(
                "stopped %d running turn(s); their partial replies are kept, marked interrupted", cancelled
            )
        await self.runner.cleanup()


async def start_server(
    backend: ChatBackend,
    *,
    token: str,
    host: str = "127.0.0.1",
    port: int = 8080,
    max_body: int = MAX_BODY_BYTES,
    access_log: logging.Logger | None = None,
) -> RunningServer:
    """Listen on ``host:port`` (port 0: a free one) and return once the socket is bound."""
    app = make_app(backend, token=token, max_body=max_body)
    runner = web.AppRunner(
        app,
        handler_cancellation=True,  # a client that disconnects cancels its turn
        shutdown_timeout=SHUTDOWN_GRACE,
        access_log=access_log,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    bound_port = runner.addresses[0][1] if runner.addresses else port
    return RunningServer(runner, backend, host, bound_port)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def bind_warning(host: str) -> str:
    if is_loopback(host):
        return ""
    return _(
        "warning: listening on {host}, which is not a loopback address: anyone who can reach this port "
        "and has the token can chat and run your tools. The traffic is plain HTTP; put a TLS proxy in front."
    ).format(host=host)


def warm_litellm() -> None:
    """Import litellm in a daemon thread, so the first request does not pay for all of it."""

    def run() -> None:
        from tui_chat.engine.provider.litellm_import import import_litellm

        try:
            import_litellm()
        except Exception:  # the first model call reports it properly
            log.warning("warming litellm failed", exc_info=True)

    threading.Thread(target=run, name="warm-litellm", daemon=True).start()


def describe_token(token: ServeToken) -> str:
    if token.source == "env":
        return _("token: from {variable}").format(variable=TOKEN_ENV)
    if token.source == "file":
        return _("token: in {path}").format(path=token.path)
    return "\n".join(
        [
            _("token (printed this once; kept in {path}, mode 0600):").format(path=token.path),
            f"  {token.value}",
            _("send it as: {header}").format(header="Authorization: Bearer <token>"),
        ]
    )


def configure_logging(stream: TextIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("tui_chat.serve", "aiohttp.access", "aiohttp.server", "aiohttp.web"):
        logger = logging.getLogger(name)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logging.getLogger("aiohttp.access")


async def serve(
    config: Config,
    data_dir: Path,
    *,
    host: str,
    port: int,
    max_body: int = MAX_BODY_BYTES,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or ``stop``); the ``tui-chat serve`` command."""
    token = resolve_token(data_dir)
    if token.warning:
        print(_("warning: {problem}").format(problem=token.warning), file=err)
    backend = ChatBackend.build(config, data_dir)
    for problem in backend.startup_problems():
        print(_("warning: {problem}").format(problem=problem), file=err)
    warning = bind_warning(host)
    if warning:
        print(warning, file=err)
    access_log = configure_logging(err)
    running = await start_server(
        backend,
        token=token.value,
        host=host,
        port=port,
        max_body=max_body,
        access_log=access_log,
    )
    warm_litellm()
    listening = _("listening on {url} (data in {path})").format(url=running.url, path=data_dir)
    print(f"tui-chat serve: {listening}", file=out)
    print(describe_token(token), file=out, flush=True)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        print("tui-chat serve: " + _("stopping"), file=err, flush=True)
        await running.close()
        backend.close()
