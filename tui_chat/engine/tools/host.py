"""The tool host: the configured ``@tool`` modules served as an MCP stdio server, in a process of its own.

Run as ``python -m tui_chat.engine.tools.host --module ~/my_tools.py [--module ...]``; the app starts it
(``managed`` mode, see :mod:`tui_chat.engine.tools.mcp_client`) and ``tui-chat tools serve`` runs the
same server for any MCP client.

Before any user code is imported, the protocol moves to private copies of fd 0 and fd 1; fd 0 then
reads ``/dev/null`` and fd 1 writes where fd 2 does (the host log the app opened for it, or the
terminal's stderr under ``tools serve``). ``sys.stdout``/``sys.stderr`` become routers that give each
call its own captured output (:mod:`tui_chat.engine.tools.capture`), returned in the result's
``_meta``. Nothing a tool prints can corrupt the protocol or reach the app's terminal.

In managed mode the app enforces timeouts: on a timeout it cancels the request over MCP and then
asks the hidden :data:`STATUS_TOOL` whether the call is still running (a sync handler's thread cannot
be stopped); if it is, the app kills this process and starts a new one.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import os
import sys
import time
from collections.abc import Callable
from typing import Any

STATUS_TOOL = "_tui_chat_status"
"""Not listed; answers ``{"running": [call ids]}`` (calls whose handler has not returned)."""
META = "tui_chat"
"""The key of our data in ``_meta``: ``output``, ``error``, ``error_kind``, ``traceback`` of a call;
``source``/``timeout`` of a tool; ``load_errors`` of a tools/list."""
CALL_ID = "tui_chat/call_id"
"""The request ``_meta`` key the app sends the call id in."""
LANGUAGE = "tui_chat/language"
"""The request ``_meta`` key the app sends its language in: errors made here (a tool that exits, reports
failure…) are worded in it. ``TUI_CHAT_LANGUAGE`` in the environment sets it for the load errors."""
NO_TIMEOUT = 1e9


def _move_protocol_off_std_fds() -> tuple[int, int]:
    """Private copies of fd 0 and fd 1 for the protocol; fd 0 → /dev/null, fd 1 → fd 2."""
    import fcntl

    wire_in = fcntl.fcntl(0, fcntl.F_DUPFD_CLOEXEC, 3)
    wire_out = fcntl.fcntl(1, fcntl.F_DUPFD_CLOEXEC, 3)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    return wire_in, wire_out


def _install_routers() -> Any:
    from tui_chat.engine.tools.capture import Router

    log = open(2, "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)  # noqa: SIM115
    sys.stdout = Router(log, "<stdout>")  # type: ignore[assignment]
    sys.stderr = Router(log, "<stderr>")  # type: ignore[assignment]
    return log


class _Running:
    """Calls whose handler has not returned yet, by call id (a hung sync thread stays here)."""

    def __init__(self) -> None:
        self.calls: dict[str, str] = {}

    def wrap(self, handler: Callable[..., Any], is_async: bool) -> Callable[..., Any]:
        from tui_chat.engine.tools.capture import CURRENT

        def key() -> str | None:
            capture = CURRENT.get()
            return getattr(capture, "call_id", None)

        if is_async:

            @functools.wraps(handler)
            async def run_async(*args: Any, **kwargs: Any) -> Any:
                call_id = key()
                if call_id:
                    self.calls[call_id] = handler.__name__
                try:
                    return await handler(*args, **kwargs)
                finally:
                    self.calls.pop(call_id or "", None)

            return run_async

        @functools.wraps(handler)
        def run_sync(*args: Any, **kwargs: Any) -> Any:
            call_id = key()
            if call_id:
                self.calls[call_id] = getattr(handler, "__name__", "tool")
            try:
                return handler(*args, **kwargs)
            finally:
                self.calls.pop(call_id or "", None)

        return run_sync


def build_server(
    modules: list[str], *, managed: bool, default_timeout: float, output_limit: int, log: Any
) -> Any:
    """The MCP server over the tools of ``modules`` (imports them: call after the fds are moved)."""
    import json

    import mcp_types as types
    from mcp.server.lowlevel import Server

    from tui_chat.engine.models import ToolCall
    from tui_chat.engine.tools.capture import CURRENT, Capture
    from tui_chat.engine.tools.loader import load_tool_modules
    from tui_chat.engine.tools.registry import ToolContext, ToolRegistry
    from tui_chat.i18n import LANGUAGES, current_language, set_language

    known = {code for _name, code in LANGUAGES}

    def speak(language: object) -> None:
        if isinstance(language, str) and language in known and language != current_language():
            set_language(language)

    speak(os.environ.get("TUI_CHAT_LANGUAGE"))

    loaded = ToolRegistry(default_timeout=NO_TIMEOUT if managed else default_timeout, max_result_chars=0)
    load_tool_modules(loaded, modules)
    running = _Running()
    registry = ToolRegistry(default_timeout=NO_TIMEOUT if managed else default_timeout, max_result_chars=0)
    timeouts: dict[str, float | None] = {}
    for spec in loaded.specs():
        timeouts[spec.name] = spec.timeout
        registry.include(
            dataclasses.replace(
                spec,
                handler=running.wrap(spec.handler, spec.is_async),
                timeout=None if managed else spec.timeout,
            )
        )
    load_errors = [dataclasses.asdict(error) for error in loaded.load_errors]
    for error in loaded.load_errors:
        print(f"tui-chat tool host: not loaded: {error.source}: {error.message}", file=sys.__stderr__)

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        tools = [
            types.Tool(
                name=spec.name,
                description=spec.description,
                input_schema=spec.parameters,
                meta={META: {"source": spec.source, "timeout": timeouts.get(spec.name)}},
            )
            for spec in registry.specs()
        ]
        return types.ListToolsResult(tools=tools, meta={META: {"load_errors": load_errors}})

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        meta = dict(params.meta or {})
        call_id = str(meta.get(CALL_ID) or ctx.request_id or "")
        if params.name == STATUS_TOOL:
            status = {"running": sorted(running.calls), "pid": os.getpid()}
            return types.CallToolResult(content=[types.TextContent(type="text", text=json.dumps(status))])
        speak(meta.get(LANGUAGE))  # the app's language now (the settings may have changed it)
        capture = Capture(output_limit, mirror=log if managed else None)
        capture.call_id = call_id  # type: ignore[attr-defined]
        if managed:
            log.write(f"\n[{time.strftime('%H:%M:%S')}] call {params.name} ({call_id})\n")
            log.flush()
        token = CURRENT.set(capture)
        try:
            arguments = json.dumps(params.arguments or {}, ensure_ascii=False)
            context = ToolContext(
                user_id=str(meta.get("tui_chat/user_id") or ""),
                conversation_id=str(meta.get("tui_chat/conversation_id") or ""),
                session_id=str(meta.get("tui_chat/session_id") or ""),
                turn_id=str(meta.get("tui_chat/turn_id") or ""),
            )
            message = await registry.execute(
                ToolCall(id=call_id, name=params.name, arguments=arguments), context
            )
        finally:
            CURRENT.reset(token)
        ours = {
            "output": capture.text(),
            "error": message.error,
            "error_kind": message.error_kind,
            "traceback": message.traceback,
            "arguments_valid": message.arguments_valid,
        }
        if message.error is not None:
            text = message.error + (f"\n\n{message.traceback}" if message.traceback else "")
        elif managed:
            text = ""  # the app reads structuredContent: a 10 MB result crosses the pipe once
        else:
            text = json.dumps(message.result, ensure_ascii=False)
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=text)],
            structured_content=message.result,
            is_error=message.error is not None,
            meta={META: ours},
        )

    server = Server("tui-chat-tools", version="1", on_list_tools=list_tools, on_call_tool=call_tool)
    return server


async def _serve(server: Any, wire_in: int, wire_out: int) -> None:
    import anyio
    from mcp.server.stdio import stdio_server

    stdin = anyio.wrap_file(open(wire_in, encoding="utf-8", errors="replace", closefd=False))  # noqa: SIM115
    stdout = anyio.wrap_file(open(wire_out, "w", encoding="utf-8", closefd=False))  # noqa: SIM115
    async with stdio_server(stdin=stdin, stdout=stdout) as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tui_chat.engine.tools.host")
    parser.add_argument("--module", action="append", default=[], help="a tool module (file or dotted name)")
    parser.add_argument("--managed", action="store_true", help="started by tui-chat (it enforces timeouts)")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-call timeout when not managed")
    parser.add_argument("--output-limit", type=int, default=64_000)
    args = parser.parse_args(argv)
    wire_in, wire_out = _move_protocol_off_std_fds()
    log = _install_routers()
    import faulthandler

    faulthandler.enable(file=sys.__stderr__ or 2, all_threads=True)  # a segfault's traceback → the log
    code = 0
    try:
        import anyio
        import mcp.server.lowlevel  # the SDK: ~0.8 s of imports, done before waiting
        import mcp.server.stdio  # noqa: F401

        if args.managed:
            # A spare host started ahead of time waits here, warm, until the app connects: the user
            # modules are imported only then, so a reload gets the code as it is on disk now.
            import select

            select.select([wire_in], [], [])
        server = build_server(
            args.module,
            managed=args.managed,
            default_timeout=args.timeout,
            output_limit=args.output_limit,
            log=log,
        )
        anyio.run(_serve, server, wire_in, wire_out)
    except KeyboardInterrupt:
        code = 130
    except BaseException as error:  # the host itself failed: say so in the log, exit non-zero
        import traceback

        traceback.print_exception(error, file=sys.__stderr__)
        code = 70
    # A hung tool thread must not keep the process alive once the client has gone.
    sys.__stderr__.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
