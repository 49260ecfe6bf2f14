"""Reading saved conversations: ``list``, ``show``, ``export`` and ``stats``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tui_chat.cli.common import EXIT_OK, Invocation, UsageError


def register(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser("list", help="list conversations, newest first")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=lambda run: list_command(_store(run), as_json=run.args.json))

    show = commands.add_parser("show", help="print a conversation")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")
    show.set_defaults(
        handler=lambda run: show_command(
            _store(run), run.args.id, as_json=run.args.json, language=run.config.session.language
        )
    )

    export = commands.add_parser("export", help="export a conversation as Markdown or JSON")
    export.add_argument("id")
    export.add_argument("--format", "-f", choices=["md", "json"], default="md")
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")
    export.set_defaults(
        handler=lambda run: export_command(_store(run), run.args, language=run.config.session.language)
    )

    stats = commands.add_parser("stats", help="conversations, messages, tokens and per-tool figures")
    stats.add_argument("--json", action="store_true")
    stats.set_defaults(handler=lambda run: stats_command(_store(run), as_json=run.args.json))


def _store(run: Invocation) -> Any:
    from tui_chat.engine.store.conversation_store import ConversationStore

    return ConversationStore(run.data_dir)


def list_command(store: Any, *, as_json: bool) -> int:
    summaries = store.list_conversations()
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
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not summaries:
        print("No conversations yet. Start one with: tui-chat ask 'Hello'")
        return EXIT_OK
    for s in summaries:
        when = s.last_activity.astimezone().strftime("%Y-%m-%d %H:%M")
        if s.damaged:
            print(f"{s.id}  {when}  DAMAGED: {s.damaged}")
            continue
        print(
            f"{s.id}  {when}  {s.message_count:>4} msgs  {s.tool_call_count:>3} tools  {s.model}  {s.title}"
        )
    return EXIT_OK


def show_command(store: Any, conversation_id: str, *, as_json: bool, language: str) -> int:
    from tui_chat.engine.export import to_json, to_markdown

    conversation = store.load(conversation_id)
    print(to_json(conversation) if as_json else to_markdown(conversation, language=language), end="\n")
    return EXIT_OK


def export_command(store: Any, args: argparse.Namespace, *, language: str) -> int:
    from tui_chat.engine.export import to_json, to_markdown

    conversation = store.load(args.id)
    text = (
        to_json(conversation) + "\n"
        if args.format == "json"
        else to_markdown(conversation, language=language)
    )
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {args.output}: {error.strerror}") from error
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def stats_command(store: Any, *, as_json: bool) -> int:
    from tui_chat.engine.stats import format_stats, stats_dict

    totals = store.totals()
    print(json.dumps(stats_dict(totals), indent=2) if as_json else format_stats(totals))
    return EXIT_OK
