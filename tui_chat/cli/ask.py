"""``tui-chat ask``: one message, headless, the reply streamed to stdout and tool calls to stderr."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from tui_chat.cli.common import EXIT_ERROR, EXIT_OK, Invocation, UsageError
from tui_chat.config import Config
from tui_chat.engine.errors import EngineError


def register(commands: argparse._SubParsersAction) -> None:
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
    ask.set_defaults(handler=ask_entry)


def ask_entry(run: Invocation) -> int:
    import asyncio

    config = run.config
    if run.args.model:
        config.model.name = run.args.model
    return asyncio.run(ask_command(run.args, config, run.data_dir))


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
    services.registry.close_with_loop()  # the tool host and MCP servers end with this command
    for problem in await services.registry.problems(config.tools.start_timeout):
        print(f"tui-chat: {problem}", file=sys.stderr)
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
