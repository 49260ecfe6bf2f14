"""One MCP connection, supervised: the local tool host or an external server, over stdio or streamable HTTP.

:class:`McpSource` keeps a ``ClientSession`` (the official SDK) open on the tool runtime loop, lists the
server's tools (again on ``notifications/tools/list_changed``), calls them, and restarts the server when
it dies — at once after it ran fine, with backoff (1, 2, 4 … 30 s) while it keeps failing to start.

Its parts: :mod:`~tui_chat.engine.tools.mcp_process` spawns stdio servers itself rather than through
``mcp.client.stdio`` so the exit status is known ("the tool host exited with status 7 while running
'die'") and a hung host can be killed: each runs in a process group of its own, which is killed whole.
:mod:`~tui_chat.engine.tools.mcp_calls` is the call path (timeout, cancellation, a crash mid-call);
:mod:`~tui_chat.engine.tools.mcp_listing` turns the listed tools into specs;
:mod:`~tui_chat.engine.tools.mcp_failures` words how a server ended or failed. This module holds the
session lifecycle: connect, supervise, restart with backoff, stop.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tui_chat.engine.tools.mcp_calls import McpCalls
from tui_chat.engine.tools.mcp_failures import describe_exit, error_text, start_failure
from tui_chat.engine.tools.mcp_listing import host_load_errors, list_all, tool_specs
from tui_chat.engine.tools.mcp_process import StdioProcess
from tui_chat.engine.tools.sources import SourceStatus, ToolRuntime, ToolSource
from tui_chat.engine.tools.spec import ToolLoadError, ToolSpec
from tui_chat.i18n import _

MAX_BACKOFF = 30.0
STDERR_TAIL_LINES = 40


@dataclass
class Endpoint:
    """How to reach one server, with secrets already interpolated (never written anywhere)."""

    command: str = ""
    args: list[str] = field(default_factory=list)
    env: dict[str, str] | None = None
    """The whole environment of the child; None inherits ours."""
    cwd: str | None = None
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class McpSource(McpCalls, StdioProcess, ToolSource):
    """A supervised MCP connection whose tools the registry offers (see the module docstring)."""

    def __init__(
        self,
        name: str,
        kind: Literal["host", "mcp"],
        resolve: Callable[[], Endpoint],
        *,
        log_path: Path | None = None,
        call_timeout: float | None = None,
        start_timeout: float = 20.0,
        cancel_grace: float = 1.0,
        output_limit: int = 64_000,
    ):
        self.name = name
        self.kind = kind
        self._resolve = resolve
        self.log_path = log_path
        self.call_timeout = call_timeout
        self.start_timeout = start_timeout
        self.cancel_grace = cancel_grace
        self.output_limit = output_limit
        self.on_change: Callable[[], None] | None = None
        self._status = SourceStatus(log_path=str(log_path or ""))
        self._specs: list[ToolSpec] = []
        self._load_errors: list[ToolLoadError] = []
        self._runtime: ToolRuntime | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: Any = None
        self._process: Any = None
        self._generation = 0
        self._ready: asyncio.Event | None = None
        self._down: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._first_attempt: asyncio.Event | None = None
        self._attempt_done: dict[int, asyncio.Event] = {}
        self._exit_codes: dict[int, int | None] = {}
        self._kill_reasons: dict[int, str] = {}
        self._closed = False
        self._stderr: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._spare: tuple[Any, Any] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.keep_spare = False
        """Keep a warm host process ready (the TUI, with hot reload): a reload then costs ~0.1 s."""

    # --- what the registry reads (any thread) ---------------------------------------------------

    def specs(self) -> list[ToolSpec]:
        return list(self._specs)

    @property
    def load_errors(self) -> list[ToolLoadError]:
        return list(self._load_errors)

    @property
    def status(self) -> SourceStatus:
        status = self._status
        status.stderr_tail = "".join(self._stderr)[-4000:] if self._stderr else status.stderr_tail
        return status

    # --- lifecycle (runtime loop) ---------------------------------------------------------------

    def start(self, runtime: ToolRuntime) -> None:
        if self._runtime is not None:
            return
        self._runtime = runtime
        runtime.call_soon(self._begin)

    def _begin(self) -> None:
        self._ready, self._down, self._wake = asyncio.Event(), asyncio.Event(), asyncio.Event()
        self._first_attempt = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._supervise(), name=f"mcp:{self.name}")

    async def wait_started(self) -> None:
        while self._first_attempt is None:
            await asyncio.sleep(0.005)
        await self._first_attempt.wait()

    def _background(self, coroutine: Any) -> None:
        """A task of this source on the runtime loop, referenced until it ends."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @property
    def label(self) -> str:
        """How messages name this source, in the current language."""
        if self.kind == "host":
            return _("the tool host")
        return _("the MCP server {name}").format(name=repr(self.name))

    def _set(self, state: str, message: str = "", **fields: Any) -> None:
        self._status.state = state  # type: ignore[assignment]
        self._status.message = message
        for key, value in fields.items():
            setattr(self._status, key, value)
        self._changed()

    async def _supervise(self) -> None:
        failures = 0
        while not self._closed:
            self._generation += 1
            generation = self._generation
            done = self._attempt_done[generation] = asyncio.Event()
            assert self._ready and self._down and self._wake and self._first_attempt
            self._down.clear()
            self._wake.clear()
            was_ready = False
            self._set("starting" if self._status.restarts == 0 else "restarting", self._status.message)
            try:
                async with AsyncExitStack() as stack:
                    session = await self._connect(stack, generation)
                    was_ready = True
                    failures = 0
                    self._session = session
                    self._ready.set()
                    self._set("ready", "", next_attempt_in=None)
                    if self.keep_spare and self.kind == "host":
                        self._background(self._prepare_spare())
                    done.set()
                    self._first_attempt.set()
                    await self._down.wait()
                    self._session = None
                    self._ready.clear()
            except Exception as error:  # a start failure, a broken transport: report, retry with backoff
                message = self._failure_message(error, generation)
                self._set("failed", message)
                if self.kind == "host":
                    self._load_errors = [ToolLoadError(_("tool host"), message, self.status.stderr_tail)]
                    self._specs = []
                    self._changed()
            finally:
                self._session = None
                self._ready.clear()
                done.set()
                self._first_attempt.set()
            if self._closed:
                break
            self._status.restarts += 1
            if was_ready and generation not in self._kill_reasons:
                code = self._exit_codes.get(generation)
                self._set(
                    "restarting",
                    _("{source} {exit}; restarting").format(source=self.label, exit=describe_exit(code)),
                )
                delay = 0.0
            elif generation in self._kill_reasons:
                delay = 0.0
            else:
                failures += 1
                delay = min(2.0 ** (failures - 1), MAX_BACKOFF)
                self._status.next_attempt_in = delay
                self._changed()
            if delay:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()
        self._set("stopped", "")

    def _failure_message(self, error: BaseException, generation: int) -> str:
        return start_failure(
            self.label, error, self.start_timeout, self._exit_codes.get(generation, "unknown")
        )

    async def _connect(self, stack: AsyncExitStack, generation: int) -> Any:
        import mcp_types as types
        from mcp.client.session import ClientSession

        _quiet_sdk_logging()

        endpoint = self._resolve()  # a missing ${VAR} raises here, each attempt
        if endpoint.url:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = await stack.enter_async_context(create_mcp_http_client(headers=endpoint.headers or None))
            read, write = await stack.enter_async_context(
                streamable_http_client(endpoint.url, http_client=http)
            )
        else:
            read, write = await stack.enter_async_context(self._stdio(endpoint, generation))
        session = await stack.enter_async_context(
            ClientSession(
                read,
                write,
                message_handler=self._on_message,
                client_info=types.Implementation(name="tui-chat", version="1"),
            )
        )
        async with asyncio.timeout(self.start_timeout):
            await session.initialize()
            await self._list_tools(session)
        return session

    async def _on_message(self, message: Any) -> None:
        import mcp_types as types

        if isinstance(message, types.ToolListChangedNotification):
            session = self._session
            if session is not None:
                self._background(self._relist(session))

    async def _relist(self, session: Any) -> None:
        try:
            await self._list_tools(session)
        except Exception as error:
            message = _("could not list the tools again: {problem}").format(problem=error_text(error))
            self._set(self._status.state, message)

    async def _list_tools(self, session: Any) -> None:
        tools, meta = await list_all(session)
        self._specs = tool_specs(tools, self)
        if self.kind == "host":
            self._load_errors = host_load_errors(meta)
        self._changed()

    async def restart(self, reason: str) -> None:
        """Kill the current process (its calls end as cancelled) and wait for the next start attempt."""
        if self._runtime is None or self._down is None:
            return
        generation = self._generation
        await self._kill_generation(generation, reason)
        self._down.set()
        assert self._wake is not None
        self._wake.set()
        while self._generation == generation and not self._closed:
            await asyncio.sleep(0.005)
        event = self._attempt_done.get(self._generation)
        if event is not None:
            await event.wait()

    async def stop(self) -> None:
        self._closed = True
        spare, self._spare = self._spare, None
        if spare is not None:
            self._discard(spare)
        if self._process is not None:
            self._kill_reasons.setdefault(self._generation, "stopped")
            self._kill_process(self._process)
        if self._down is not None:
            self._down.set()
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                async with asyncio.timeout(5):
                    await asyncio.shield(self._task)

    async def _kill_generation(self, generation: int, reason: str) -> None:
        if generation != self._generation:
            return
        self._kill_reasons[generation] = reason
        self._session = None  # new calls wait for the next process
        if self._ready is not None:
            self._ready.clear()
        if self._process is not None:
            self._kill_process(self._process)


def _quiet_sdk_logging() -> None:
    """The SDK logs warnings with no handler set; Python would print them on our stderr (the TUI's)."""
    import logging

    for name in ("mcp", "client", "httpx2", "httpx"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.propagate = False
