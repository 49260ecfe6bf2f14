"""A stdio MCP server as a child process of ours: spawned in its own process group, read and written as
the SDK's streams, its exit status recorded, killed whole; a warm spare kept for the tool host.

A mixin of :class:`tui_chat.engine.tools.mcp_client.McpSource` (its attributes are the source's). Apart
from the session lifecycle because it is what ``mcp.client.stdio`` would do, done here so the exit
status is known and a hung host can be killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.engine.tools.sources import SourceStatus
from tui_chat.i18n import current_language

if TYPE_CHECKING:
    from tui_chat.engine.tools.mcp_client import Endpoint

LOG_ROTATE_BYTES = 2_000_000


def _rotate(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))


class StdioProcess:
    """Spawning, reading, reaping and killing a stdio server; the attributes are the McpSource's."""

    kind: Literal["host", "mcp"]
    log_path: Path | None
    _resolve: Callable[[], Endpoint]
    _status: SourceStatus
    _process: Any
    _spare: tuple[Any, Any] | None
    _stderr: deque[str]
    _exit_codes: dict[int, int | None]
    _generation: int
    _down: asyncio.Event | None
    _closed: bool

    @asynccontextmanager
    async def _stdio(self, endpoint: Endpoint, generation: int) -> AsyncIterator[tuple[Any, Any]]:
        import anyio
        import mcp_types as types
        from mcp.shared.message import SessionMessage

        spare, self._spare = self._spare, None
        if spare is not None and spare[0].returncode is None:
            process, log_file = spare
        else:
            if spare is not None:
                self._discard(spare)
            process, log_file = await self._spawn(endpoint)
        self._process = process
        self._status.pid = process.pid
        read_writer, read_stream = anyio.create_memory_object_stream[Any](16)
        write_stream, write_reader = anyio.create_memory_object_stream[Any](16)

        async def stdout_reader() -> None:
            buffer = bytearray()
            async with read_writer:
                try:
                    async for chunk in process.stdout:
                        start = len(buffer)
                        buffer += chunk
                        while (end := buffer.find(b"\n", start)) >= 0:
                            line = bytes(buffer[:end])
                            del buffer[: end + 1]
                            start = 0
                            if not line.strip():
                                continue
                            try:
                                message = types.jsonrpc_message_adapter.validate_json(line, by_name=False)
                            except ValueError as error:
                                await read_writer.send(error)
                                continue
                            await read_writer.send(SessionMessage(message))
                except (anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                    pass
            await self._reap(process, generation)

        async def stderr_reader() -> None:
            pending = b""
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                async for chunk in process.stderr:
                    if log_file is not None:
                        log_file.write(chunk)
                        log_file.flush()
                    lines = (pending + chunk).split(b"\n")
                    pending = lines.pop()
                    for line in lines:
                        self._stderr.append(line.decode("utf-8", "replace") + "\n")

        async def stdin_writer() -> None:
            with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError, OSError):
                async with write_reader:
                    async for session_message in write_reader:
                        data = session_message.message.model_dump_json(by_alias=True, exclude_unset=True)
                        await process.stdin.send(data.encode() + b"\n")

        async with anyio.create_task_group() as group:
            group.start_soon(stdout_reader)
            group.start_soon(stdin_writer)
            if process.stderr is not None:
                group.start_soon(stderr_reader)
            try:
                yield read_stream, write_stream
            finally:
                with anyio.CancelScope(shield=True):
                    with contextlib.suppress(Exception):
                        await process.stdin.aclose()
                    await self._wait_exit(process, 1.0)
                    if process.returncode is None:
                        self._kill_process(process)
                        await self._wait_exit(process, 2.0)
                    self._exit_codes.setdefault(generation, process.returncode)
                    group.cancel_scope.cancel()
        for stream in (read_stream, write_stream):
            await stream.aclose()
        with contextlib.suppress(Exception):
            await process.aclose()
        if log_file is not None:
            log_file.close()
        if self._process is process:
            self._process = None

    async def _spawn(self, endpoint: Endpoint) -> tuple[Any, Any]:
        """Start the server process in a process group of its own; stderr to its log (or a pipe)."""
        import anyio

        stderr: Any = subprocess.PIPE
        log_file = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            _rotate(self.log_path)
            log_file = open(self.log_path, "ab")  # noqa: SIM115 - the child's stderr, closed after it
            if self.kind == "host":
                stderr = log_file
        env = endpoint.env
        if self.kind == "host":  # the host words its load errors in the app's language
            env = {**(os.environ if env is None else env), "TUI_CHAT_LANGUAGE": current_language()}
        try:
            process = await anyio.open_process(
                [endpoint.command, *endpoint.args],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=endpoint.cwd,
                start_new_session=True,
            )
        except BaseException:
            if log_file is not None:
                log_file.close()
            raise
        return process, log_file

    async def _prepare_spare(self) -> None:
        """A host process started ahead, warm but without user code, for the next restart or reload."""
        if self._spare is not None or self._closed:
            return
        try:
            spare = await self._spawn(self._resolve())
        except Exception:
            return
        if self._closed or self._spare is not None:
            self._discard(spare)
        else:
            self._spare = spare

    def _discard(self, spare: tuple[Any, Any]) -> None:
        process, log_file = spare
        self._kill_process(process)
        if log_file is not None:
            log_file.close()

    async def _reap(self, process: Any, generation: int) -> None:
        """stdout ended: the process is exiting; record how, and tell the supervisor."""
        await self._wait_exit(process, 2.0)
        self._exit_codes[generation] = process.returncode
        if generation == self._generation and self._down is not None:
            self._down.set()

    @staticmethod
    async def _wait_exit(process: Any, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while process.returncode is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    @staticmethod
    def _kill_process(process: Any) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, OSError):
            process.kill()
