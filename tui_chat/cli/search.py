"""``tui-chat search``: full-text search over every conversation, newest first."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from tui_chat.cli.browse import JSON_HELP
from tui_chat.cli.common import EXIT_OK, Invocation, UsageError
from tui_chat.engine.terminal_text import json_text, visible
from tui_chat.i18n import N_, _

if TYPE_CHECKING:
    from tui_chat.engine.workspace import Workspace

ROLES = ("user", "assistant", "tool", "title")
ROLE_NAMES = {"user": N_("user"), "assistant": N_("assistant"), "tool": N_("tool"), "title": N_("title")}
"""A hit's role as a person reads it (``--role`` and ``--json`` keep the English word)."""


def register(commands: argparse._SubParsersAction) -> None:
    search = commands.add_parser(
        "search",
        help=_("search every conversation: messages, replies, tool names, arguments, results, errors"),
    )
    search.add_argument(
        "query", nargs="?", default="", metavar=_("QUERY"), help=_("words to find (all of them)")
    )
    search.add_argument(
        "--tool", metavar=_("NAME"), help=_("only calls of this tool (and replies calling it)")
    )
    search.add_argument("--errors", action="store_true", help=_("only failed tool calls and failed replies"))
    search.add_argument("--role", choices=ROLES, help=_("only messages of this role"))
    search.add_argument("--limit", type=int, default=20, metavar="N", help=_("at most N hits (default 20)"))
    search.add_argument(
        "--no-wait",
        action="store_true",
        help=_("search what is indexed now instead of indexing every conversation first (and say how much)"),
    )
    search.add_argument("--json", action="store_true", help=_(JSON_HELP))
    search.set_defaults(handler=search_command)


def search_command(run: Invocation) -> int:
    args = run.args
    if not args.query.strip() and not (args.tool or args.errors or args.role):
        raise UsageError(_("give words to search for, or a filter (--tool, --errors, --role)"))
    if args.limit < 1:
        raise UsageError(_("--limit must be at least 1"))
    return run.with_workspace(_search, args)


async def _search(workspace: Workspace, args: argparse.Namespace) -> int:
    try:
        if not args.no_wait:
            progress = await workspace.index_progress()  # new or changed files first: the count is right
            if not progress.complete and sys.stderr.isatty():
                left = progress.total - progress.indexed
                print(_("Indexing {n} conversations for search…").format(n=f"{left:,}"), file=sys.stderr)
        result = await workspace.search(
            args.query,
            role=args.role,
            tool=args.tool,
            errors_only=args.errors,
            limit=args.limit,
            wait=not args.no_wait,
        )
    finally:
        workspace.close()
    if args.json:
        print(json_text(hits_json(result, result.index_complete)))
        return EXIT_OK
    if not result:
        print(_("No matches."))
    bold = sys.stdout.isatty()
    roles = {role: _(name) for role, name in ROLE_NAMES.items()}
    width = max(len(name) for name in roles.values())
    for hit in result:
        when = hit.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        where = hit.message_id or _("(title)")
        tools = f"  [{', '.join(hit.tools)}]" if hit.tools else ""
        error = "  " + _("error") if hit.error else ""
        title = shown(hit.title)[:60]
        role = roles.get(hit.role, hit.role).ljust(width)
        print(f"{when}  {hit.conversation_id}  {role} {shown(where)}{tools}{error}  {title}")
        print("    " + highlighted(hit.snippet, hit.highlights, bold=bold).replace("\n", " "))
    if not result.index_complete:
        print(
            _("(the index is still being built: {indexed} of {total} conversations)").format(
                indexed=f"{result.indexed:,}", total=f"{result.total:,}"
            )
        )
    return EXIT_OK


def hits_json(hits: Any, index_complete: bool) -> dict[str, Any]:
    return {
        "index_complete": index_complete,
        "hits": [
            {
                "conversation_id": hit.conversation_id,
                "message_id": hit.message_id or None,
                "role": hit.role,
                "snippet": hit.snippet,
                "highlights": [list(span) for span in hit.highlights],
                "title": hit.title,
                "tools": list(hit.tools),
                "error": hit.error,
                "created_at": hit.created_at.isoformat(),
            }
            for hit in hits
        ],
    }


def shown(text: str) -> str:
    """Text for the terminal: control characters (escape sequences), BiDi controls made visible."""
    return visible(text)


def highlighted(snippet: str, spans: tuple[tuple[int, int], ...], *, bold: bool) -> str:
    """The snippet with its matches in bold (a terminal) or between ``[…]`` (a pipe)."""
    start_mark, end_mark = ("\x1b[1;4m", "\x1b[0m") if bold else ("[", "]")
    parts, last = [], 0
    for start, end in spans:
        parts += [shown(snippet[last:start]), start_mark, shown(snippet[start:end]), end_mark]
        last = end
    parts.append(shown(snippet[last:]))
    return "".join(parts)
