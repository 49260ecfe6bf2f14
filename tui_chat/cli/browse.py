"""Reading saved conversations: ``list``, ``show``, ``export`` and ``stats``, through the Workspace.

The workspace is built lazily (``Invocation.workspace``): these commands open the store only, and never
load tool modules nor import the provider.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui_chat.cli.common import EXIT_OK, ID_HELP, UsageError
from tui_chat.engine.terminal_text import escape_json, json_text, visible
from tui_chat.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from tui_chat.engine.workspace import Workspace

JSON_HELP = N_("print JSON (control characters escaped) instead of text")


def register(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("list", help=_("list conversations, newest first"))
    listing.add_argument("--json", action="store_true", help=_(JSON_HELP))
    listing.add_argument("--limit", "-n", type=_positive, metavar="N", help=_("show at most N conversations"))
    listing.add_argument(
        "--query", "-q", metavar=_("TEXT"), default="", help=_("only conversations whose title contains TEXT")
    )
    listing.set_defaults(
        handler=lambda run: run.with_workspace(
            list_command, as_json=run.args.json, limit=run.args.limit, query=run.args.query
        )
    )

    show = commands.add_parser("show", help=_("print a conversation"))
    show.add_argument("id", metavar=_("id"), help=_(ID_HELP))
    show.add_argument("--json", action="store_true", help=_(JSON_HELP))
    show.set_defaults(
        handler=lambda run: run.with_workspace(show_command, run.args.id, as_json=run.args.json)
    )

    export = commands.add_parser("export", help=_("export a conversation as Markdown or JSON"))
    export.add_argument("id", metavar=_("id"), help=_(ID_HELP))
    export.add_argument(
        "--format", "-f", choices=["md", "json"], default="md", help=_("md (default) or json")
    )
    export.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar=_("OUTPUT"),
        help=_("write to this file instead of standard output"),
    )
    export.set_defaults(handler=lambda run: run.with_workspace(export_command, run.args))

    stats = commands.add_parser("stats", help=_("conversations, messages, tokens and per-tool figures"))
    stats.add_argument("--json", action="store_true", help=_(JSON_HELP))
    stats.set_defaults(handler=lambda run: run.with_workspace(stats_command, as_json=run.args.json))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text} is not a whole number").format(text=repr(text))) from None
    if value < 1:
        raise argparse.ArgumentTypeError(_("must be at least 1"))
    return value


async def list_command(
    workspace: Workspace, *, as_json: bool, limit: int | None = None, query: str = ""
) -> int:
    summaries = await workspace.list(query, limit=limit)
    total = summaries.total
    if as_json:
        rows = [
            {
                "id": s.id,
                "title": s.title,
                "created_at": s.created_at.isoformat(),
                "last_activity": s.last_activity.isoformat(),
                "model": s.model,
                "messages": s.message_count,
                "tool_calls": s.tool_call_count,
                "sessions": s.session_count,
                "damaged": s.damaged,
            }
            for s in summaries
        ]
        print(json_text(rows))
        return EXIT_OK
    if not summaries:
        if query:
            print(visible(_("No conversation title contains {query}.").format(query=repr(query))))
        else:
            print(_("No conversations yet. Start one with: tui-chat ask 'Hello'"))
        return EXIT_OK
    table = [_list_row(s) for s in summaries]
    widths = [max(len(row[column]) for row in table) for column in range(4)]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        print(visible("  ".join([*cells, row[4]]).rstrip()))
    if len(summaries) < total:
        shown = _("({shown} of {total} shown; --limit N shows more)").format(
            shown=len(summaries), total=total
        )
        print(shown, file=sys.stderr)
    return EXIT_OK


def _list_row(s: Any) -> tuple[str, str, str, str, str]:
    """ID, time, messages, tool calls, then the free text (model and title, or the damage)."""
    when = s.last_activity.astimezone().strftime("%Y-%m-%d %H:%M")
    if s.damaged:
        return s.id, when, "", "", _("DAMAGED: {problem}").format(problem=_one_line(s.damaged))
    tail = "  ".join(part for part in (_one_line(s.model), _one_line(s.title)) if part)
    messages = ngettext("{n} message", "{n} messages", s.message_count).format(n=s.message_count)
    calls = ngettext("{n} tool call", "{n} tool calls", s.tool_call_count).format(n=s.tool_call_count)
    return s.id, when, messages, calls, tail


def _one_line(text: str) -> str:
    return " ".join(text.split())


async def show_command(workspace: Workspace, conversation_id: str, *, as_json: bool) -> int:
    conversation = await workspace.open(await workspace.resolve(conversation_id))
    text = (
        escape_json(workspace.export(conversation, "json"))
        if as_json
        else visible(workspace.export(conversation, "md"))
    )
    print(text, end="\n")
    return EXIT_OK


async def export_command(workspace: Workspace, args: argparse.Namespace) -> int:
    conversation = await workspace.open(await workspace.resolve(args.id))
    text = (
        escape_json(workspace.export(conversation, "json")) + "\n"
        if args.format == "json"
        else visible(workspace.export(conversation, "md"))
    )
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(
            _("cannot write {path}: {reason}").format(path=args.output, reason=error.strerror)
        ) from error
    print(_("wrote {path}").format(path=args.output), file=sys.stderr)
    return EXIT_OK


async def stats_command(workspace: Workspace, *, as_json: bool) -> int:
    from tui_chat.engine.stats import format_stats, stats_dict

    totals = await workspace.totals()
    print(json_text(stats_dict(totals)) if as_json else visible(format_stats(totals)))
    return EXIT_OK
