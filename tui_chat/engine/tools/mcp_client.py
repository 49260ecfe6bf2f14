"""One MCP connection, supervised: the local tool host or an external server, over stdio or streamable HTTP.

:class:`McpSource` keeps a ``ClientSession`` (the official SDK) open on the tool runtime loop, lists the
server's tools (again on ``notifications/tools/list_changed``), calls them, and restarts the server when
it dies — at once after it ran fine, with backoff (1, 2, 4 … 30 s) while it keeps failing to start.

stdio servers are spawned here rather than through ``mcp.client.stdio`` so the exit status is known
("the tool host exited with status 7 while running 'die'") and a hung host can be killed: each runs in
a process group of its own, which is killed whole. A call past its timeout is cancelled over MCP (the
SDK sends ``notifications/cancelled``); for the tool host the hidden status tool then says whether the
handler stopped, and if it does not within ``cancel_grace`` seconds the host is killed and restarted,
so no thread is left running a hung tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import re
import signal
import subprocess
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from tui_chat.engine.tools.capture import cap_text
from tui_chat.engine.tools.host import CALL_ID, LANGUAGE, META, STATUS_TOOL
from tui_chat.engine.tools.sources import CallOutcome, SourceStatus, ToolRuntime, ToolSource
from tui_chat.engine.tools.spec import ToolContext, ToolLoadError, ToolSpec
from tui_chat.i18n import N_, _, current_language

MAX_BACKOFF = 30.0
LOG_ROTATE_BYTES = 2_000_000
STDERR_TAIL_LINES = 40
_NAME_INVALID = re.compile(r"[^A-Za-z0-9_-]")


def exposed_name(server: str, tool: str, taken: set[str] | None = None) -> str:
    """``<server>__<tool>`` made valid for provider function names (``^[a-zA-Z0-9_-]{1,64}$``)."""
    name = _NAME_INVALID.sub("_", f"{server}__{tool}")
    if len(name) > 64:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{name[:55]}_{digest}"
    base, suffix = name, 2
    while taken is not None and name in taken:
        name = f"{base[: 64 - len(str(suffix)) - 1]}_{suffix}"
        suffix += 1
    return name


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


_SIGNAL_MEANINGS = {"SIGSEGV": N_("segmentation fault"), "SIGKILL": N_("killed"), "SIGABRT": N_("aborted")}
_STATES = {
    "stopped": N_("it is stopped"),
    "starting": N_("it is starting"),
    "ready": N_("it is ready"),
    "restarting": N_("it is restarting"),
    "failed": N_("it is failed"),
}
_KILL_REASONS = {"reload": N_("reload"), "stopped": N_("stopped")}
"""Reasons given as words by the callers of ``restart()``/``stop()``; the others are made translated."""


def _signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return _("signal {number}").format(number=number)
    meaning = _SIGNAL_MEANINGS.get(name)
    if meaning:
        return _("signal {number} ({name}, {meaning})").format(number=number, name=name, meaning=_(meaning))
    return _("signal {number} ({name})").format(number=number, name=name)


def describe_exit(returncode: int | None) -> str:
    """How a server process ended, to follow its name: "the tool host {exit}"."""
    if returncode is None:
        return _("stopped answering")
    if returncode < 0:
        return _("was killed by {signal}").format(signal=_signal_name(-returncode))
    return _("exited with status {code}").format(code=returncode)


def _remote_handler(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError("a tool of an MCP source is called through ToolRegistry.execute")


def _rotate(path: Path) -> None:
    with contextlib.suppress(OSError):
        if path.stat().st_size > LOG_ROTATE_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))


class McpSource(ToolSource):
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
        if _contains(error, TimeoutError):
            return _("{source} did not answer within {seconds:g} s of starting").format(
                source=self.label, seconds=self.start_timeout
            )
        if isinstance(error, FileNotFoundError | PermissionError):
            return _("cannot start {source}: {problem}: {path}").format(
                source=self.label, problem=error.strerror, path=error.filename
            )
        code = self._exit_codes.get(generation, "unknown")
        if code != "unknown" and code is not None:
            exit = describe_exit(code)  # type: ignore[arg-type]
            return _("{source} {exit} while starting").format(source=self.label, exit=exit)
        text = _error_text(error)
        return _("{source} failed to start: {problem}").format(source=self.label, problem=text)

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
            message = _("could not list the tools again: {problem}").format(problem=_error_text(error))
            self._set(self._status.state, message)

    async def _list_tools(self, session: Any) -> None:
        tools: list[Any] = []
        cursor: str | None = None
        meta: dict[str, Any] = {}
        while True:
            params = {"cursor": cursor} if cursor else None
            result = await session.list_tools(params=params) if params else await session.list_tools()
            tools.extend(result.tools)
            meta = (result.meta or {}).get(META) or meta
            cursor = result.next_cursor
            if not cursor:
                break
        specs: list[ToolSpec] = []
        taken: set[str] = set()
        for tool in tools:
            ours = (tool.meta or {}).get(META) or {} if self.kind == "host" else {}
            parameters = dict(tool.input_schema or {})
            parameters.setdefault("type", "object")
            if self.kind == "host":
                name, source, timeout = tool.name, str(ours.get("source") or "tool host"), ours.get("timeout")
            else:
                name, source, timeout = exposed_name(self.name, tool.name, taken), f"mcp:{self.name}", None
            taken.add(name)
            specs.append(
                ToolSpec(
                    name=name,
                    description=tool.description or tool.title or "",
                    parameters=parameters,
                    handler=_remote_handler,
                    timeout=float(timeout) if isinstance(timeout, int | float) else self.call_timeout,
                    source=source,
                    origin=self,
                    remote_name=tool.name,
                    server=self.name if self.kind == "mcp" else "",
                )
            )
        self._specs = specs
        if self.kind == "host":
            self._load_errors = [
                ToolLoadError(
                    str(e.get("source", "")), str(e.get("message", "")), str(e.get("traceback", ""))
                )
                for e in meta.get("load_errors", [])
            ]
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

    # --- calls (runtime loop) -------------------------------------------------------------------

    async def call(
        self, spec: ToolSpec, arguments: dict[str, Any], call_id: str, timeout: float, context: ToolContext
    ) -> CallOutcome:
        assert self._runtime is not None
        return await self._runtime.run(self._call(spec, arguments, call_id, timeout, context))

    async def _call(
        self, spec: ToolSpec, arguments: dict[str, Any], call_id: str, timeout: float, context: ToolContext
    ) -> CallOutcome:
        import mcp_types as types
        from mcp.shared.exceptions import MCPError

        loop = asyncio.get_running_loop()
        assert self._ready is not None
        if not self._ready.is_set() and self._status.state != "failed":
            # Starting or restarting (after a crash, a reload): that time is not the tool's, so the
            # call's timeout starts once the server answers. A server waiting out its backoff
            # after failed starts is not waited for.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.start_timeout):
                    await self._ready.wait()
        deadline = loop.time() + timeout
        session, generation = self._session, self._generation
        if session is None or not self._ready.is_set():
            state = self._status.state
            detail = self._status.message or _(_STATES.get(state, state))
            message = _("{source} is not available: {problem}").format(source=self.label, problem=detail)
            return _failed(message, "crashed")
        offset = self._log_size()
        meta = {
            CALL_ID: call_id,
            "tui_chat/user_id": context.user_id,
            "tui_chat/conversation_id": context.conversation_id,
            "tui_chat/session_id": context.session_id,
            "tui_chat/turn_id": context.turn_id,
            LANGUAGE: current_language(),
        }
        try:
            result = await session.call_tool(
                spec.remote_name or spec.name,
                arguments,
                read_timeout_seconds=max(deadline - loop.time(), 0.001),
                meta=meta,
            )
        except MCPError as error:
            if error.code == types.REQUEST_TIMEOUT:
                return await self._timed_out(spec, call_id, timeout, session, generation, offset)
            if error.code == types.CONNECTION_CLOSED:
                return await self._crashed(spec, call_id, generation, offset)
            message = _("{source} answered with an error: {problem}").format(
                source=self.label, problem=error.message
            )
            return _failed(message, "exception")
        except asyncio.CancelledError:
            # The turn was cancelled: the SDK has sent notifications/cancelled. A sync handler's
            # thread does not stop for that; if it is still running after the grace period, the host
            # is restarted so the thread does not live on.
            if self.kind == "host":
                self._background(self._stop_if_still_running(spec, call_id, session, generation))
            raise
        except Exception as error:  # a broken transport, an answer that is not a valid result
            if self._process is None and self.kind != "host" and self._down is not None:
                self._down.set()  # an HTTP server that went away: reconnect
            message = _("calling {tool} on {source} failed: {problem}").format(
                tool=repr(spec.name), source=self.label, problem=_error_text(error)
            )
            return _failed(message, "exception")
        return self._outcome(result)

    def _outcome(self, result: Any) -> CallOutcome:
        ours = (result.meta or {}).get(META) if self.kind == "host" else None
        structured = result.structured_content
        if (
            isinstance(ours, dict)
            and isinstance(structured, dict)
            and isinstance(structured.get("success"), bool)
        ):
            return CallOutcome(
                result=structured,
                error=ours.get("error"),
                error_kind=ours.get("error_kind"),
                traceback=ours.get("traceback"),
                output=ours.get("output") or "",
                arguments_valid=bool(ours.get("arguments_valid", True)),
            )
        texts = [block.text for block in result.content if getattr(block, "type", "") == "text"]
        others = [
            block.model_dump(mode="json", by_alias=True, exclude_none=True)
            for block in result.content
            if getattr(block, "type", "") != "text"
        ]
        text = "\n".join(texts)
        if result.is_error:
            message = text or _("the tool reported an error")
            return CallOutcome(
                result={"success": False, "error": message}, error=message, error_kind="exception"
            )
        data: Any
        if structured is not None:
            data = structured
        elif len(texts) == 1 and not others:
            try:
                data = json.loads(text)
            except ValueError:
                data = text
        else:
            data = [*texts, *others] if others else text
        return CallOutcome(result={"success": True, "data": data})

    async def _timed_out(
        self, spec: ToolSpec, call_id: str, timeout: float, session: Any, generation: int, offset: int
    ) -> CallOutcome:
        tool = repr(spec.name)
        if self.kind != "host":
            message = _(
                "{tool} timed out after {seconds:g} s and was cancelled (notifications/cancelled sent)"
            )
            return _failed(message.format(tool=tool, seconds=timeout), "timeout")
        stopped = not await self._still_running(call_id, session)
        output = self._log_output(call_id, offset)
        if stopped:
            message = _("{tool} timed out after {seconds:g} s and was cancelled")
            return _failed(message.format(tool=tool, seconds=timeout), "timeout", output)
        await self._kill_generation(generation, _("{tool} did not stop after its timeout").format(tool=tool))
        message = _(
            "{tool} timed out after {seconds:g} s and was cancelled; it did not stop within {grace:g} s, "
            "so the tool host was restarted"
        )
        return _failed(message.format(tool=tool, seconds=timeout, grace=self.cancel_grace), "timeout", output)

    async def _still_running(self, call_id: str, session: Any) -> bool:
        """Ask the host, for up to ``cancel_grace`` seconds, whether the call's handler has returned."""
        end = time.monotonic() + self.cancel_grace
        while time.monotonic() < end:
            try:
                status = await session.call_tool(
                    STATUS_TOOL, {}, read_timeout_seconds=max(end - time.monotonic(), 0.001)
                )
                running = json.loads(status.content[0].text).get("running", [])
            except Exception:
                return True  # no answer: treat as stuck
            if call_id not in running:
                return False
            await asyncio.sleep(0.02)
        return True

    async def _stop_if_still_running(
        self, spec: ToolSpec, call_id: str, session: Any, generation: int
    ) -> None:
        await asyncio.sleep(0)
        if generation == self._generation and await self._still_running(call_id, session):
            reason = _("{tool} did not stop when its turn was cancelled").format(tool=repr(spec.name))
            await self._kill_generation(generation, reason)

    async def _kill_generation(self, generation: int, reason: str) -> None:
        if generation != self._generation:
            return
        self._kill_reasons[generation] = reason
        self._session = None  # new calls wait for the next process
        if self._ready is not None:
            self._ready.clear()
        if self._process is not None:
            self._kill_process(self._process)

    async def _crashed(self, spec: ToolSpec, call_id: str, generation: int, offset: int) -> CallOutcome:
        done = self._attempt_done.get(generation)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(3):
                while generation not in self._exit_codes and self._process is not None:
                    await asyncio.sleep(0.01)
        output = self._log_output(call_id, offset)
        reason = self._kill_reasons.get(generation)
        if reason is not None:
            message = _("{source} was restarted ({reason}) while running {tool}").format(
                source=self.label, reason=_(_KILL_REASONS.get(reason, reason)), tool=repr(spec.name)
            )
            return _failed(message, "cancelled", output)
        code = self._exit_codes.get(generation)
        del done
        message = _("{source} {exit} while running {tool}").format(
            source=self.label, exit=describe_exit(code), tool=repr(spec.name)
        )
        return _failed(message, "crashed", output)

    def _log_size(self) -> int:
        if self.kind != "host" or self.log_path is None:
            return 0
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def _log_output(self, call_id: str, offset: int) -> str:
        """What the host log got since the call began (its prints, a crash's traceback)."""
        if self.kind != "host" or self.log_path is None:
            return ""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(offset)
                text = log.read(self.output_limit * 8).decode("utf-8", "replace")
        except OSError:
            return ""
        marker = f"({call_id})\n"
        if marker in text:
            text = text.split(marker, 1)[1]
        return cap_text(text.strip("\n"), self.output_limit)


def _quiet_sdk_logging() -> None:
    """The SDK logs warnings with no handler set; Python would print them on our stderr (the TUI's)."""
    import logging

    for name in ("mcp", "client", "httpx2", "httpx"):
        logger = logging.getLogger(name)
        if not logger.handlers:
            logger.addHandler(logging.NullHandler())
            logger.propagate = False


def _failed(message: str, kind: str, output: str = "") -> CallOutcome:
    return CallOutcome(
        result={"success": False, "error": message}, error=message, error_kind=kind, output=output
    )


def _contains(error: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return any(_contains(inner, kind) for inner in error.exceptions)
    return isinstance(error, kind)


def _error_text(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(_error_text(inner) for inner in error.exceptions)
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if not str(error).startswith(type(error).__name__) else text
