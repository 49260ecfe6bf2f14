"""One call's steps, apart from the registry that holds the tools: arguments parsed and checked against
the schema, an in-process handler run (timeout, its own thread), the result made JSON and capped.

Sync handlers run in a daemon thread of their own rather than ``asyncio.to_thread``: a hung handler
cannot be stopped, and in the shared default executor it would also hold a worker and make
``asyncio.run`` wait for it at exit. After a timeout such a thread lingers until the handler returns.
An ``async`` handler that blocks (``time.sleep``) blocks the event loop; that cannot be guarded here.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import inspect
import json
import threading
import traceback
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from typing import Any

from tui_chat.engine.tools.problems import validation_message
from tui_chat.engine.tools.schema import keyword_arguments
from tui_chat.engine.tools.spec import ErrorKind, ToolContext, ToolSpec
from tui_chat.i18n import N_, _, ngettext

MAX_REPORTED_PROBLEMS = 10


class ToolFailed(Exception):
    """A call that ends in an error result before or instead of the handler (the registry catches it)."""

    def __init__(
        self,
        message: str,
        *,
        arguments_valid: bool = True,
        trace: str | None = None,
        kind: ErrorKind = "exception",
    ):
        super().__init__(message)
        self.message, self.arguments_valid, self.trace, self.kind = message, arguments_valid, trace, kind


def _json_fallback(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "model_dump"):  # pydantic models
        return value.model_dump(mode="json")
    return str(value)


def _json_safe(value: Any) -> Any:
    """A JSON round trip, so the stored result is exactly what can be written and sent."""
    try:
        return json.loads(json.dumps(value, default=_json_fallback, ensure_ascii=False))
    except (TypeError, ValueError, RecursionError):
        return repr(value)


def normalise_result(value: Any) -> dict[str, Any]:
    """The seed's ``{success, data | error}``: a ``{"success": bool, ...}`` dict is kept, the rest wrapped."""
    if isinstance(value, Mapping) and isinstance(value.get("success"), bool):
        result = _json_safe(dict(value))
        if isinstance(result, dict):
            return result
    return {"success": True, "data": _json_safe(value)}


def parse_arguments(text: str) -> dict[str, Any]:
    """The call's arguments as a dict; empty text means no arguments."""
    if not text or not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise ToolFailed(
            _(
                "the arguments are not valid JSON: {problem} at line {line}, column {column} "
                "(char {position}); send one JSON object"
            ).format(problem=error.msg, line=error.lineno, column=error.colno, position=error.pos),
            arguments_valid=False,
            kind="invalid_arguments",
        ) from None
    if not isinstance(value, dict):
        message = {
            list: N_("the arguments must be a JSON object, not an array"),
            str: N_("the arguments must be a JSON object, not a string"),
            bool: N_("the arguments must be a JSON object, not a boolean"),
            type(None): N_("the arguments must be a JSON object, not null"),
        }.get(type(value), N_("the arguments must be a JSON object, not a number"))
        raise ToolFailed(_(message), arguments_valid=False, kind="invalid_arguments")
    return value


def truncate(content: str, limit: int) -> tuple[str, bool]:
    if limit <= 0 or len(content) <= limit:
        return content, False
    total = len(content)
    marker = "… [" + _("truncated: {kept:,} of {total:,} chars") + "]"  # brackets outside: not markup
    kept = max(limit - len(marker.format(kept=limit, total=total)), 0)
    return content[:kept] + marker.format(kept=kept, total=total), True


def _handler_traceback(error: BaseException) -> str:
    """The traceback from the handler's frame down: the registry's own frames are noise to a tool author."""
    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    return "".join(traceback.format_exception(type(error), error, frames or error.__traceback__))


def _run_in_daemon_thread(function: Callable[[], Any]) -> asyncio.Future[Any]:
    """Run ``function`` in a new daemon thread; the future resolves on the calling loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()
    run = contextvars.copy_context().run

    def settle(outcome: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is None:
            future.set_result(outcome)
            return
        try:
            future.set_exception(error)
        except TypeError:  # StopIteration cannot travel through a future
            future.set_exception(RuntimeError(f"{type(error).__name__}: {error}"))

    def worker() -> None:
        try:
            outcome, error = run(function), None
        except BaseException as caught:  # delivered to the awaiting task
            outcome, error = None, caught
        with contextlib.suppress(RuntimeError):  # the loop closed while the handler ran: nobody waits
            loop.call_soon_threadsafe(settle, outcome, error)

    threading.Thread(target=worker, name="tui-chat-tool", daemon=True).start()
    return future


def check_arguments(spec: ToolSpec, arguments: dict[str, Any], validators: dict[str, Any]) -> None:
    """Raise :class:`ToolFailed` (invalid_arguments) unless ``arguments`` match the tool's schema.

    ``validators`` caches one compiled validator per tool name (the registry clears it on changes).
    """
    validator = validators.get(spec.name)
    if validator is None:
        from jsonschema import Draft202012Validator, SchemaError
        from jsonschema.validators import validator_for

        cls = validator_for(spec.parameters, default=Draft202012Validator)
        try:
            cls.check_schema(spec.parameters)
        except SchemaError as problem:
            raise ToolFailed(
                _("the tool {name} has an invalid parameter schema: {problem}").format(
                    name=repr(spec.name), problem=problem.message
                )
            ) from None
        validator = validators[spec.name] = cls(spec.parameters)
    problems = sorted(validator.iter_errors(arguments), key=lambda e: [str(p) for p in e.absolute_path])
    if not problems:
        return
    lines = []
    for problem in problems[:MAX_REPORTED_PROBLEMS]:
        where = "/".join(str(part) for part in problem.absolute_path)
        text = validation_message(problem)
        lines.append(f"{where}: {text}" if where else text)
    if len(problems) > MAX_REPORTED_PROBLEMS:
        more = len(problems) - MAX_REPORTED_PROBLEMS
        lines.append(ngettext("and {count} more", "and {count} more", more).format(count=more))
    raise ToolFailed(
        _("invalid arguments for {name}: {problems}").format(name=repr(spec.name), problems="; ".join(lines)),
        arguments_valid=False,
        kind="invalid_arguments",
    )


async def run_handler(spec: ToolSpec, arguments: dict[str, Any], context: ToolContext, timeout: float) -> Any:
    """Call an in-process handler within ``timeout`` seconds; a failure raises :class:`ToolFailed`."""
    try:
        async with asyncio.timeout(timeout) as deadline:
            try:
                if spec.call_style == "args_dict":
                    positional, keywords = (arguments, context), {}
                else:
                    positional = ()
                    keywords = keyword_arguments(spec.handler, arguments)
                    if spec.wants_context:
                        keywords["context"] = context
                if spec.is_async:
                    value = await spec.handler(*positional, **keywords)
                else:
                    value = await _run_in_daemon_thread(lambda: spec.handler(*positional, **keywords))
                if inspect.isawaitable(value):  # a sync callable that returned a coroutine
                    value = await value
                return value
            except (asyncio.CancelledError, ToolFailed):
                raise
            except Exception as problem:
                raise ToolFailed(
                    f"{type(problem).__name__}: {problem}".rstrip(": "), trace=_handler_traceback(problem)
                ) from None
            except (SystemExit, KeyboardInterrupt) as problem:  # must not end the app or the turn
                raised = f"{type(problem).__name__}{': ' + str(problem) if str(problem) else ''}"
                raise ToolFailed(
                    _("{error} raised in {name} (it would have ended the process)").format(
                        error=raised, name=repr(spec.name)
                    ),
                    trace=_handler_traceback(problem),
                    kind="crashed",
                ) from None
    except TimeoutError:
        if deadline.expired():
            message = _("{name} timed out after {seconds:g} s").format(name=repr(spec.name), seconds=timeout)
            raise ToolFailed(message, kind="timeout") from None
        raise
