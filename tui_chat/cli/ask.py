"""``tui-chat ask``: one message, headless, the reply streamed to stdout and tool calls to stderr.

Like the seed's ``/message`` without an id (and like ``llm``), ``ask`` starts a new conversation unless
told which one to continue: ``--continue`` (the latest) or ``--conversation ID``.

The turn runs through the Workspace, as in the TUI: ``send`` starts it, ``follow`` streams its events.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from typing import TYPE_CHECKING, Any, TextIO

from tui_chat.cli.common import EXIT_ERROR, EXIT_OK, ID_HELP, Invocation, UsageError
from tui_chat.engine.errors import EngineError, StoreError
from tui_chat.engine.terminal_text import json_text, visible
from tui_chat.i18n import _, ngettext

if TYPE_CHECKING:
    from tui_chat.engine.models import Conversation
    from tui_chat.engine.workspace import Workspace


def register(commands: argparse._SubParsersAction) -> None:
    ask = commands.add_parser("ask", help=_("send one message headless and stream the reply"))
    ask.add_argument(
        "message", nargs="?", metavar=_("message"), help=_("the message, or - to read it from standard input")
    )
    which = ask.add_mutually_exclusive_group()
    which.add_argument(
        "--continue",
        "-c",
        dest="continue_latest",
        action="store_true",
        help=_("continue the latest conversation"),
    )
    which.add_argument(
        "--conversation",
        "--cid",
        metavar="ID",
        help=_("continue this conversation: {id_help}").format(id_help=_(ID_HELP)),
    )
    which.add_argument("--new", action="store_true", help=_("start a new conversation (the default)"))
    ask.add_argument(
        "--model", "-m", metavar=_("MODEL"), help=_("the model for this turn (any litellm model string)")
    )
    ask.add_argument(
        "--json", action="store_true", help=_("print the whole turn as JSON (control characters escaped)")
    )
    ask.add_argument(
        "--context",
        metavar="JSON",
        help=_("user context (a JSON object) merged into the conversation's; sent in the system prompt"),
    )
    ask.set_defaults(handler=ask_entry)


def ask_entry(run: Invocation) -> int:
    text = _read_message(run.args.message)  # a usage error before the data dir is touched
    if run.args.model:
        run.config.model.name = run.args.model  # before the workspace is built over this config
    return run.with_workspace(ask_command, run.args, text)


def _read_message(argument: str | None) -> str:
    if argument is None:
        raise UsageError(_("ask needs a MESSAGE (or - to read it from standard input)"))
    text = sys.stdin.read() if argument == "-" else argument
    if not text.strip():
        raise UsageError(_("the message is empty"))
    return text


async def ask_command(workspace: Workspace, args: argparse.Namespace, text: str) -> int:
    from tui_chat.engine.events import (
        Retrying,
        RoundStarted,
        TextDelta,
        ToolCallFinished,
        ToolCallStarted,
        TurnFailed,
        TurnFinished,
        TurnStarted,
    )

    config = workspace.config
    tools = workspace.tools
    tools.close_with_loop()  # the tool host and MCP servers end with this command
    for problem in await tools.problems(config.tools.start_timeout):
        say(problem)
    context = _parse_context(args.context)
    conversation = await _pick_conversation(workspace, args)
    out: TextIO = sys.stdout
    failed_calls: list[str] = []
    streamed = False
    error: EngineError | None = None
    finished: TurnFinished | None = None
    omitted_said = False
    # What a tool prints goes to stderr: stdout carries only the reply (or the JSON), whole.
    with contextlib.redirect_stdout(sys.stderr):
        # The message is saved even without a key: the turn then fails with that error, as one turn does.
        turn = workspace.send(conversation, text, context=context, refuse_without_key=False)
        async for event in _events_of(turn):
            if isinstance(event, TurnStarted) and event.session_started and _idle_reset(conversation):
                minutes = config.session.idle_reset_minutes
                say(
                    _(
                        "conversation {id} was idle for over {minutes} minutes: this starts a new model "
                        "session, so the earlier messages are kept but not sent to the model."
                    ).format(id=conversation.id, minutes=f"{minutes:g}")
                )
            elif isinstance(event, RoundStarted) and not omitted_said:
                omitted = event.assistant.request.omitted if event.assistant.request else 0
                if omitted:
                    say(
                        ngettext(
                            "{n} earlier message of this session not sent to the model (the context "
                            "window or [session] history_messages limits the history).",
                            "{n} earlier messages of this session not sent to the model (the context "
                            "window or [session] history_messages limits the history).",
                            omitted,
                        ).format(n=omitted)
                    )
                    omitted_said = True
            elif isinstance(event, TextDelta) and not args.json:
                out.write(visible(event.text))
                out.flush()
                streamed = True
            elif isinstance(event, ToolCallStarted) and not args.json:
                print(visible(f"▸ {event.call.name}({event.call.arguments})"), file=sys.stderr)
            elif isinstance(event, ToolCallFinished):
                result = event.result
                if not result.ok:
                    failed_calls.append(f"{result.name}: {result.error}")
                if not args.json:
                    status = "✓" if result.ok else f"✗ {result.error}"
                    duration = _("{ms} ms").format(ms=f"{result.duration_ms:.0f}")
                    print(visible(f"  {status} {result.name} {duration}"), file=sys.stderr)
                for line in result.output.splitlines():  # what the tool printed (captured by the host)
                    print(visible(f"  │ {line}"), file=sys.stderr)
            elif isinstance(event, Retrying):
                say(
                    _("{error} Retrying in {seconds} s…").format(
                        error=event.error.message, seconds=f"{event.delay:g}"
                    )
                )
            elif isinstance(event, TurnFailed):
                error = event.error
            elif isinstance(event, TurnFinished):
                finished = event
    if isinstance(turn.error, StoreError):
        raise turn.error  # e.g. the message could not be saved: reported as every command reports it
    error = error or turn.error
    if args.json:
        print(json_text(_turn_json(conversation.id, finished, error)), file=out)
    elif streamed:
        out.write("\n")
    if finished and finished.note and finished.reason == "max_rounds":
        say(finished.note)
    if error is not None:
        say(str(error))
        if turn.accepted:
            say(_("your message is saved in conversation {id}.").format(id=conversation.id))
        return EXIT_ERROR
    if failed_calls:
        count = len(failed_calls)
        say(
            ngettext("{n} tool call failed: {calls}", "{n} tool calls failed: {calls}", count).format(
                n=count, calls="; ".join(failed_calls)
            )
        )
        return EXIT_ERROR
    return EXIT_OK


def say(text: str) -> None:
    """A note on stderr, prefixed like every message of the command, with control characters shown."""
    print(visible(f"tui-chat: {text}"), file=sys.stderr)


def _idle_reset(conversation: Any) -> bool:
    return bool(conversation.sessions) and conversation.current_session.reason == "idle_reset"


def _parse_context(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(_("--context is not valid JSON: {error}").format(error=error)) from None
    if not isinstance(value, dict):
        raise UsageError(
            _("--context must be a JSON object, such as {example}").format(example="""'{"name": "Ana"}'""")
        )
    return value


async def _pick_conversation(workspace: Workspace, args: argparse.Namespace) -> Conversation:
    if args.conversation:
        return await workspace.open(await workspace.resolve(args.conversation))
    if args.continue_latest:
        latest = await workspace.latest()
        if latest is not None:
            return latest
    return workspace.new()


async def _events_of(turn: Any) -> Any:
    """The turn's events as they come; interrupted (Ctrl+C), the turn is stopped and its reply saved."""
    try:
        async for event in turn.follow():
            yield event
    except asyncio.CancelledError:
        turn.stop()
        await turn.wait()
        raise


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
