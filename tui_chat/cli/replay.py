"""``tui-chat tools run`` (one call by hand) and ``tui-chat replay`` (every recorded call of a conversation
run again against the current tool code): tools tested from scripts and CI.

Exit status: ``tools run`` 0 when the call succeeded, 1 on a tool error or arguments that do not match the
schema (the reason on standard error); ``replay`` 0 when every call gives the recorded result, 1 when any
differs (a diff per call).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

from tui_chat.cli.common import EXIT_ERROR, EXIT_OK, ID_HELP, Invocation
from tui_chat.engine.terminal_text import json_text, visible
from tui_chat.i18n import _


def safe(text: str) -> str:
    """Tool results are untrusted: the project's one control-character rule for the terminal."""
    return visible(text)


def _json(value: Any) -> str:
    return json_text(value)


T = TypeVar("T")


def _run_quietly(run: Invocation, registry: Any, work: Coroutine[Any, Any, T]) -> T:
    """Run tool calls once the tool sources have started (they end with this command), with anything a
    tool prints sent to stderr: stdout carries only our results."""

    async def main() -> T:
        if hasattr(registry, "close_with_loop"):
            registry.watcher = None  # one run: no hot reload
            registry.close_with_loop()
            await registry.wait_ready(run.config.tools.start_timeout)
        return await work

    with contextlib.redirect_stdout(sys.stderr):
        return asyncio.run(main())


def register(commands: argparse._SubParsersAction) -> None:
    replay = commands.add_parser(
        "replay", help=_("re-run every recorded tool call of a conversation and compare the results")
    )
    replay.add_argument("id", metavar=_("id"), help=_(ID_HELP))
    replay.add_argument("--tool", metavar=_("NAME"), help=_("only the calls of this tool"))
    replay.add_argument(
        "--json", action="store_true", help=_("one JSON document: every call and whether it matched")
    )
    replay.set_defaults(handler=replay_command)


def register_tools_run(subcommands: argparse._SubParsersAction) -> None:
    """``tools run``: added to the ``tools`` command's parser (cli/tools.py)."""
    run = subcommands.add_parser("run", help=_("run one tool by hand"))
    run.add_argument("name", metavar=_("name"), help=_("the tool's name (see `tui-chat tools`)"))
    run.add_argument(
        "--args", default="{}", metavar="JSON", help=_("the arguments as a JSON object ('-': stdin)")
    )
    run.add_argument("--json", action="store_true", help=_("print the whole outcome as JSON"))
    run.set_defaults(handler=tools_run_command)


def _report_load_errors(workspace: Any) -> None:
    for problem in workspace.load_errors:
        text = _("NOT LOADED {source}: {message}").format(
            source=safe(problem.source), message=safe(problem.message)
        )
        print(f"tui-chat: {text}", file=sys.stderr)


def tools_run_command(run: Invocation) -> int:
    from tui_chat.engine.workbench.replay import manual_context, run_tool
    from tui_chat.engine.workbench.tool_outcome import error_word, outcome

    arguments = sys.stdin.read() if run.args.args == "-" else run.args.args
    workspace = run.workspace
    context = manual_context(run.config.session.user_id)
    message = _run_quietly(run, workspace.tools, run_tool(workspace.tools, run.args.name, arguments, context))
    result = outcome(message)
    if run.args.json:
        print(_json({"name": message.name, "arguments": arguments, "ok": message.ok} | result))
    elif message.ok:
        data = message.result.get("data", message.result)
        print(safe(data if isinstance(data, str) else _json(data)))
    if message.output and not run.args.json:
        print(safe(message.output.rstrip()), file=sys.stderr)
    if message.ok:
        return EXIT_OK
    kind = result["error_kind"]
    print(f"tui-chat: {safe(message.name)}: {error_word(kind)}: {safe(message.error or '')}", file=sys.stderr)
    if message.traceback and not run.args.json:
        print(safe(message.traceback.rstrip()), file=sys.stderr)
    if kind == "unknown_tool":
        _report_load_errors(workspace)
    return EXIT_ERROR


def replay_command(run: Invocation) -> int:
    from tui_chat.engine.workbench.replay import replay

    workspace = run.workspace
    conversation = asyncio.run(_open(workspace, run.args.id))  # a wrong ID fails before the tools start
    comparisons = _run_quietly(run, workspace.tools, replay(workspace.tools, conversation, run.args.tool))
    differing = [comparison for comparison in comparisons if not comparison.same]
    if run.args.json:
        print(
            _json(
                {
                    "conversation_id": conversation.id,
                    "same": not differing,
                    "calls": [comparison.to_dict() for comparison in comparisons],
                }
            )
        )
        return EXIT_ERROR if differing else EXIT_OK
    for comparison in comparisons:
        recorded = comparison.recorded
        marks = ["✓ " + _("same"), "✗ " + _("differs")]
        width = max(len(mark) for mark in marks)
        mark = (marks[0] if comparison.same else marks[1]).ljust(width)
        print(safe(f"{mark} {recorded.name}({recorded.arguments})  [{recorded.tool_call_id}]"))
        if not comparison.same:
            for line in comparison.diff().splitlines():
                print("    " + safe(line))
    tool, conversation_id = run.args.tool, conversation.id
    if not comparisons:
        if tool:
            print(_("No recorded calls of {tool} in {id}.").format(tool=safe(tool), id=conversation_id))
        else:
            print(_("No recorded calls in {id}.").format(id=conversation_id))
    else:
        counts = {"n": len(comparisons), "same": len(comparisons) - len(differing), "differ": len(differing)}
        if tool:
            summary = _("{n} call(s) of {tool}: {same} same, {differ} differ.").format(
                tool=safe(tool), **counts
            )
        else:
            summary = _("{n} call(s): {same} same, {differ} differ.").format(**counts)
        print(summary)
    if differing:
        _report_load_errors(workspace)
    return EXIT_ERROR if differing else EXIT_OK


async def _open(workspace: Any, text: str) -> Any:
    return await workspace.open(await workspace.resolve(text))
