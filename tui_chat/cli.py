"""The ``tui-chat`` command: the TUI by default, and headless commands over the same engine and store.

Exit status: 0 on success, 1 on a provider or tool error, 2 on a usage or configuration error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn, TextIO

from tui_chat import __version__
from tui_chat.config import Config, default_config_path, default_data_dir, load_config, save_config
from tui_chat.engine.errors import ConfigError, ConversationNotFound, EngineError, StoreError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tui-chat",
        description="Chat with LLMs and debug the tools they call. With no command, opens the TUI.",
    )
    parser.add_argument("--version", action="version", version=f"tui-chat {__version__}")
    parser.add_argument("--data-dir", type=Path, help="where conversations are kept (env TUI_CHAT_DATA_DIR)")
    parser.add_argument("--config", type=Path, help="the config file (env TUI_CHAT_CONFIG)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    ask = commands.add_parser("ask", help="send one message headless and stream the reply")
    ask.add_argument("message", nargs="?", help="the message, or - to read it from standard input")
    which = ask.add_mutually_exclusive_group()
    which.add_argument("--conversation", "-c", metavar="ID", help="continue this conversation")
    which.add_argument("--new", action="store_true", help="start a new conversation")
    ask.add_argument("--model", "-m", help="the model for this turn (any litellm model string)")
    ask.add_argument("--json", action="store_true", help="print the whole turn as JSON")
    ask.add_argument(
        "--context",
        metavar="JSON",
        help="user context (a JSON object) merged into the conversation's; sent in the system prompt",
    )

    listing = commands.add_parser("list", help="list conversations, newest first")
    listing.add_argument("--json", action="store_true")

    show = commands.add_parser("show", help="print a conversation")
    show.add_argument("id")
    show.add_argument("--json", action="store_true")

    export = commands.add_parser("export", help="export a conversation as Markdown or JSON")
    export.add_argument("id")
    export.add_argument("--format", "-f", choices=["md", "json"], default="md")
    export.add_argument("-o", "--output", type=Path, help="write to this file instead of standard output")

    stats = commands.add_parser("stats", help="conversations, messages, tokens and per-tool figures")
    stats.add_argument("--json", action="store_true")

    tools = commands.add_parser("tools", help="registered tools, their schemas and load errors")
    tools.add_argument("--json", action="store_true")

    config = commands.add_parser("config", help="where the config is, what it says, or write a default one")
    config.add_argument("action", choices=["path", "show", "init"])
    config.add_argument("--force", action="store_true", help="with init: overwrite an existing file")
    return parser


def entry() -> NoReturn:
    """The console script: like :func:`main`, but skips litellm's slow interpreter shutdown."""
    main(fast_exit=True)


def main(argv: list[str] | None = None, *, fast_exit: bool = False) -> NoReturn:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = run(args)
    except (UsageError, ConfigError, ConversationNotFound, StoreError) as error:
        print(f"tui-chat: {error}", file=sys.stderr)
        code = (
            EXIT_ERROR
            if isinstance(error, StoreError) and not isinstance(error, ConversationNotFound)
            else EXIT_USAGE
        )
    except BrokenPipeError:
        # The reader went away (`tui-chat list | head`): not an error worth a traceback.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the final flush quiet
        code = EXIT_OK
    except KeyboardInterrupt:
        code = 130
    sys.stdout.flush()
    sys.stderr.flush()
    if fast_exit and "litellm" in sys.modules:
        # litellm's interpreter finalisation takes 1.5–2.5 s; everything is saved and flushed by now.
        os._exit(code)
    sys.exit(code)


def run(args: argparse.Namespace) -> int:
    config_path = args.config or default_config_path()
    data_dir = args.data_dir or default_data_dir()
    if args.command == "config":
        return config_command(args, config_path, data_dir)
    config = load_config(config_path)
    if args.command is None:
        from tui_chat.ui.app import run_tui

        run_tui(config, data_dir)
        return EXIT_OK
    if args.command == "ask":
        if args.model:
            config.model.name = args.model
        return asyncio.run(ask_command(args, config, data_dir))
    from tui_chat.engine.store import ConversationStore

    store = ConversationStore(data_dir)
    if args.command == "list":
        return list_command(store, as_json=args.json)
    if args.command == "show":
        return show_command(store, args.id, as_json=args.json, language=config.session.language)
    if args.command == "export":
        return export_command(store, args, language=config.session.language)
    if args.command == "stats":
        return stats_command(store, as_json=args.json)
    if args.command == "tools":
        return tools_command(config, data_dir, as_json=args.json)
    raise UsageError(f"unknown command {args.command!r}")


def config_command(args: argparse.Namespace, config_path: Path, data_dir: Path) -> int:
    if args.action == "path":
        print(f"config: {config_path}")
        print(f"data:   {data_dir}")
        return EXIT_OK
    if args.action == "init":
        if config_path.exists() and not args.force:
            raise UsageError(f"{config_path} already exists (use --force to overwrite it)")
        save_config(Config(), config_path)
        print(f"wrote {config_path}")
        return EXIT_OK
    import tomli_w

    config = load_config(config_path)
    print(f"# {config_path}{'' if config_path.exists() else ' (not found: defaults)'}")
    print(tomli_w.dumps(config.to_toml_dict()), end="")
    return EXIT_OK


def _read_message(argument: str | None) -> str:
    if argument is None:
        raise UsageError("ask needs a MESSAGE (or - to read it from standard input)")
    text = sys.stdin.read() if argument == "-" else argument
    if not text.strip():
        raise UsageError("the message is empty")
    return text


async def ask_command(args: argparse.Namespace, config: Config, data_dir: Path) -> int:
    from tui_chat.engine.events import (
        Retrying,
        TextDelta,
        ToolCallFinished,
        ToolCallStarted,
        TurnFailed,
        TurnFinished,
    )
    from tui_chat.engine.services import build_services

    text = _read_message(args.message)
    services = build_services(config, data_dir)
    for problem in services.load_errors:
        print(f"tui-chat: tools from {problem.source} not loaded: {problem.message}", file=sys.stderr)
    context = _parse_context(args.context)
    conversation = _pick_conversation(services, args)
    conversation.context.update(context)
    out: TextIO = sys.stdout
    failed_calls: list[str] = []
    streamed = False
    error: EngineError | None = None
    finished: TurnFinished | None = None
    async for event in services.chat.send(conversation, text):
        if isinstance(event, TextDelta) and not args.json:
            out.write(event.text)
            out.flush()
            streamed = True
        elif isinstance(event, ToolCallStarted) and not args.json:
            print(f"▸ {event.call.name}({event.call.arguments})", file=sys.stderr)
        elif isinstance(event, ToolCallFinished):
            result = event.result
            if not result.ok:
                failed_calls.append(f"{result.name}: {result.error}")
            if not args.json:
                status = "✓" if result.ok else f"✗ {result.error}"
                print(f"  {status} {result.name} {result.duration_ms:.0f} ms", file=sys.stderr)
        elif isinstance(event, Retrying):
            print(f"tui-chat: {event.error.message} Retrying in {event.delay:g} s…", file=sys.stderr)
        elif isinstance(event, TurnFailed):
            error = event.error
        elif isinstance(event, TurnFinished):
            finished = event
    if args.json:
        print(json.dumps(_turn_json(conversation.id, finished, error), indent=2, ensure_ascii=False))
    elif streamed:
        out.write("\n")
    if finished and finished.note and finished.reason == "max_rounds":
        print(f"tui-chat: {finished.note}", file=sys.stderr)
    if error is not None:
        print(f"tui-chat: {error}", file=sys.stderr)
        print(f"tui-chat: your message is saved in conversation {conversation.id}.", file=sys.stderr)
        return EXIT_ERROR
    if failed_calls:
        print(
            f"tui-chat: {len(failed_calls)} tool call(s) failed: {'; '.join(failed_calls)}", file=sys.stderr
        )
        return EXIT_ERROR
    return EXIT_OK


def _parse_context(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(f"--context is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise UsageError('--context must be a JSON object, such as \'{"name": "Ana"}\'')
    return value


def _pick_conversation(services: Any, args: argparse.Namespace) -> Any:
    store, chat = services.store, services.chat
    if args.conversation:
        return store.load(args.conversation)
    if not args.new:
        for summary in store.list_conversations():
            if summary.damaged is None:
                return store.load(summary.id)
    return chat.new_conversation()


def _turn_json(conversation_id: str, finished: Any, error: EngineError | None) -> dict[str, Any]:
    messages = [message.to_dict() for message in finished.messages] if finished else []
    return {
        "conversation_id": conversation_id,
        "reason": finished.reason if finished else "error",
        "note": finished.note if finished else "",
        "usage": finished.usage.to_dict() if finished else {},
        "error": {"kind": error.kind, "message": error.message, "hint": error.hint} if error else None,
        "messages": messages,
    }


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


def tools_command(config: Config, data_dir: Path, *, as_json: bool) -> int:
    from tui_chat.engine.services import build_services

    services = build_services(config, data_dir)
    specs = services.registry.specs()
    errors = services.load_errors
    if as_json:
        data = {
            "tools": [
                {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": spec.parameters,
                    "source": spec.source,
                    "timeout": spec.timeout,
                }
                for spec in specs
            ],
            "load_errors": [
                {"source": e.source, "message": e.message, "traceback": e.traceback} for e in errors
            ],
        }
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return EXIT_OK
    if not specs:
        print('No tools registered. Add modules in the config: [tools] modules = ["~/my_tools.py"]')
    for spec in specs:
        print(f"{spec.name}  ({spec.source or 'built-in'})")
        if spec.description:
            print(f"    {spec.description.splitlines()[0]}")
        properties = spec.parameters.get("properties", {})
        required = set(spec.parameters.get("required", []))
        for name, schema in properties.items():
            kind = schema.get("type", "any")
            if "enum" in schema:
                kind = " | ".join(json.dumps(value) for value in schema["enum"])
            marker = "" if name in required else "?"
            print(f"    {name}{marker}: {kind}")
    for problem in errors:
        print(f"NOT LOADED {problem.source}: {problem.message}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK
