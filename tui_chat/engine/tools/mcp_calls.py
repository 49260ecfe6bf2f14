"""Calling a tool of a supervised MCP source: the deadline, the answer made a CallOutcome, and what a
timeout, a cancelled turn or a process that died mid-call end as.

A mixin of :class:`tui_chat.engine.tools.mcp_client.McpSource` (its attributes are the source's). A call
past its timeout is cancelled over MCP (the SDK sends ``notifications/cancelled``); for the tool host
the hidden status tool then says whether the handler stopped, and if it does not within
``cancel_grace`` seconds the host is killed and restarted, so no thread is left running a hung tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.engine.tools.capture import cap_text
from tui_chat.engine.tools.host import CALL_ID, LANGUAGE, META, STATUS_TOOL
from tui_chat.engine.tools.mcp_failures import KILL_REASONS, STATES, describe_exit, error_text
from tui_chat.engine.tools.sources import CallOutcome, SourceStatus
from tui_chat.engine.tools.spec import ToolContext, ToolSpec
from tui_chat.i18n import _, current_language

if TYPE_CHECKING:
    from tui_chat.engine.tools.sources import ToolRuntime


class McpCalls:
    """The call path; the attributes, ``label``, ``_background``, ``_kill_generation``: the McpSource's."""

    kind: Literal["host", "mcp"]
    label: str
    log_path: Path | None
    cancel_grace: float
    output_limit: int
    start_timeout: float
    _runtime: ToolRuntime | None
    _status: SourceStatus
    _session: Any
    _process: Any
    _generation: int
    _ready: asyncio.Event | None
    _down: asyncio.Event | None
    _attempt_done: dict[int, asyncio.Event]
    _exit_codes: dict[int, int | None]
    _kill_reasons: dict[int, str]

    def _background(self, coroutine: Coroutine[Any, Any, Any]) -> None:  # pragma: no cover - the source's
        raise NotImplementedError

    async def _kill_generation(self, generation: int, reason: str) -> None:  # pragma: no cover - the source's
        raise NotImplementedError

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
            detail = self._status.message or _(STATES.get(state, state))
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
                tool=repr(spec.name), source=self.label, problem=error_text(error)
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
                source=self.label, reason=_(KILL_REASONS.get(reason, reason)), tool=repr(spec.name)
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


def _failed(message: str, kind: str, output: str = "") -> CallOutcome:
    return CallOutcome(
        result={"success": False, "error": message}, error=message, error_kind=kind, output=output
    )
