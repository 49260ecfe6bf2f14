"""Tool sources: where tools that do not run in this process come from, and the thread they live on.

A :class:`ToolSource` is one MCP connection — the local tool host serving the ``[tools] modules``, or
an external server from ``[mcp.servers.NAME]`` — seen the same way by the registry: a list of
:class:`~tui_chat.engine.tools.registry.ToolSpec`, load errors, a :class:`SourceStatus`, and
``call()`` returning a :class:`CallOutcome` (never raising, except cancellation).

Every connection runs on one background event loop, the :class:`ToolRuntime` thread. The MCP SDK's
anyio task groups then never mix with the TUI's loop or a test's, a slow or broken server cannot stall
the caller's loop, and the registry can be used from any loop (a call hops over and back; ~0.1 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from tui_chat.engine.tools.spec import ToolContext, ToolLoadError, ToolSpec

T = TypeVar("T")

State = Literal["stopped", "starting", "ready", "restarting", "failed"]


@dataclass
class SourceStatus:
    """What ``tui-chat tools`` and the TUI show about a source."""

    state: State = "stopped"
    message: str = ""
    """Why it is not ready (the start failure, the exit status), empty when fine."""
    stderr_tail: str = ""
    log_path: str = ""
    pid: int | None = None
    restarts: int = 0
    next_attempt_in: float | None = None
    """Seconds until the next start attempt while restarting with backoff."""


@dataclass
class CallOutcome:
    """What a source answers for one call; the registry turns it into a ToolMessage."""

    result: dict[str, Any]
    error: str | None = None
    error_kind: str | None = None
    traceback: str | None = None
    output: str = ""
    arguments_valid: bool = True


@dataclass
class SourceInfo:
    name: str
    kind: Literal["host", "mcp"]
    status: SourceStatus = field(default_factory=SourceStatus)


class ToolSource:
    """What the registry uses (implemented by :class:`~tui_chat.engine.tools.mcp_client.McpSource`)."""

    name: str
    kind: Literal["host", "mcp"]
    on_change: Callable[[], None] | None = None
    keep_spare: bool = False
    """Keep a started process in reserve for the next restart (the tool host, under hot reload)."""

    def specs(self) -> list[ToolSpec]:
        raise NotImplementedError

    @property
    def load_errors(self) -> list[ToolLoadError]:
        return []

    @property
    def status(self) -> SourceStatus:
        raise NotImplementedError

    def start(self, runtime: ToolRuntime) -> None:
        raise NotImplementedError

    async def wait_started(self) -> None:
        """Until the first start attempt has succeeded or failed (runs on the runtime loop)."""
        raise NotImplementedError

    async def restart(self, reason: str) -> None:
        """Stop the current connection (calls in flight end as cancelled) and start again."""
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def call(
        self, spec: ToolSpec, arguments: dict[str, Any], call_id: str, timeout: float, context: ToolContext
    ) -> CallOutcome:
        raise NotImplementedError


class ToolRuntime:
    """A daemon thread running the event loop every tool source lives on."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                ready = threading.Event()
                loop = asyncio.new_event_loop()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()

                threading.Thread(target=run, name="tui-chat-tool-sources", daemon=True).start()
                ready.wait()
                self._loop = loop
            return self._loop

    @property
    def started(self) -> bool:
        return self._loop is not None

    def in_runtime(self) -> bool:
        try:
            return asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Run ``coroutine`` in the background on the runtime loop."""
        asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    async def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Await ``coroutine`` on the runtime loop from any loop; cancelling the caller cancels it."""
        if self.in_runtime():
            return await coroutine
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return await asyncio.wrap_future(future)

    def run_sync(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Block the calling thread (not the runtime's) until ``coroutine`` is done."""
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def call_soon(self, callback: Callable[[], Any]) -> None:
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(callback)
