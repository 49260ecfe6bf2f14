"""The tool registry: what the model may call, and running a call so that a turn never crashes.

Two ways in, two calling conventions:

* ``add(fn)`` takes a ``@tool``-decorated (or plain, typed) function; its schema comes from the
  signature and it is called with **keyword arguments**, plus ``context=`` if it has a ``context``
  parameter.
* ``register(name, handler, definition)`` takes an explicit JSON-schema definition as the seed's
  ``registerFunction`` did; the handler is called like the seed's, ``handler(args, context)``, with
  the arguments as **one dict**. Its signature is checked when registering.

``execute()`` never raises (except ``CancelledError`` when the turn is cancelled): an unknown tool,
arguments that are not JSON or do not match the schema, an exception, a timeout all come back as a
``{"success": false, "error": ...}`` result the model can read and react to, with ``error_kind``
(invalid_arguments, unknown_tool, exception, timeout, crashed, cancelled).

Tools that run elsewhere come from *sources* (:mod:`tui_chat.engine.tools.sources`): the tool host
serving the user's ``[tools] modules`` and external MCP servers. ``add_source()`` offers their tools
beside the in-process ones (a clashing name keeps the first and is reported in ``load_errors``);
arguments are checked here against the tool's schema, then the call goes to the source.
``start()`` starts the sources in the background, ``subscribe(callback)`` reports changes of the tool
set, load errors or a source's state on the subscriber's loop, ``await reload()`` restarts the hosts.

Sync handlers run in a daemon thread of their own rather than ``asyncio.to_thread``: a hung handler
cannot be stopped, and in the shared default executor it would also hold a worker and make
``asyncio.run`` wait for it at exit. After a timeout such a thread lingers until the handler returns.
An ``async`` handler that blocks (``time.sleep``) blocks the event loop; that cannot be guarded here.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import copy
import dataclasses
import inspect
import json
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import PurePath
from time import perf_counter
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.engine.models import ToolCall, ToolMessage, utcnow
from tui_chat.i18n import N_, _, ngettext

if TYPE_CHECKING:
    from tui_chat.engine.tools.sources import ToolRuntime, ToolSource
from tui_chat.engine.tools.problems import validation_message
from tui_chat.engine.tools.schema import (
    check_timeout,
    check_tool_name,
    describe_function,
    keyword_arguments,
    tool_definition,
)

MAX_REPORTED_PROBLEMS = 10


@dataclass(frozen=True)
class ToolContext:
    """Who a tool call runs for; handed to handlers that ask for it."""

    user_id: str
    conversation_id: str
    session_id: str
    turn_id: str = ""


@dataclass(frozen=True)
class ToolSpec:
    """One registered tool: its definition as the model sees it and how to call it."""

    name: str
    description: str
    parameters: dict[str, Any] = field(hash=False)
    handler: Callable[..., Any] = field(hash=False)
    timeout: float | None = None
    """Seconds; None means the registry's default."""
    source: str = ""
    """Where it came from (a file path, a module name), for the inspector and load errors."""
    wants_context: bool = False
    is_async: bool = False
    call_style: Literal["keywords", "args_dict"] = "keywords"
    """``keywords``: ``handler(**args[, context=...])``; ``args_dict``: ``handler(args, context)``."""
    origin: Any = field(default=None, compare=False, hash=False, repr=False)
    """The :class:`~tui_chat.engine.tools.sources.ToolSource` that runs it; None: this process."""
    remote_name: str = ""
    """The tool's name at its MCP server (``get_current_time`` for ``time__get_current_time``)."""
    server: str = ""
    """The external MCP server it comes from (empty for the tool host and in-process tools)."""

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": copy.deepcopy(self.parameters),
            },
        }


@dataclass(frozen=True)
class ToolLoadError:
    """A tool module that could not be loaded (a record to show, not an exception)."""

    source: str
    message: str
    traceback: str = ""


class DuplicateToolError(ValueError):
    """A tool name that is already registered from another source."""

    def __init__(self, name: str, existing: ToolSpec, source: str):
        self.name, self.existing, self.source = name, existing, source
        unknown = _("(unknown source)")
        super().__init__(
            _("tool {name} from {source} is already registered from {first}; the first one is kept").format(
                name=repr(name), source=source or unknown, first=existing.source or unknown
            )
        )


ErrorKind = Literal["invalid_arguments", "unknown_tool", "exception", "timeout", "crashed", "cancelled"]


class _ToolFailed(Exception):
    """Internal: a call that ends in an error result before or instead of the handler."""

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


def _is_async(handler: Callable[..., Any]) -> bool:
    target = handler
    if not inspect.isfunction(target) and not inspect.ismethod(target) and callable(target):
        target = getattr(target, "__call__", target)  # noqa: B004 - an object with async __call__
    return inspect.iscoroutinefunction(inspect.unwrap(target))


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
        raise _ToolFailed(
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
        raise _ToolFailed(_(message), arguments_valid=False, kind="invalid_arguments")
    return value


def _truncate(content: str, limit: int) -> tuple[str, bool]:
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


class ToolRegistry:
    """Holds the tools, gives their definitions to the model, and runs the calls it asks for."""

    def __init__(self, *, default_timeout: float = 30.0, max_result_chars: int = 16000):
        self.default_timeout = check_timeout(default_timeout) or 30.0
        self.max_result_chars = max_result_chars
        """0 or less: never truncate."""
        self._own_errors: list[ToolLoadError] = []
        self._specs: dict[str, ToolSpec] = {}
        self._validators: dict[str, Any] = {}
        self._sources: list[ToolSource] = []
        self._merged: dict[str, ToolSpec] | None = None
        self._merge_errors: list[ToolLoadError] = []
        self._subscribers: list[tuple[Callable[[], Any], asyncio.AbstractEventLoop | None]] = []
        self._runtime: ToolRuntime | None = None
        self._home_loop: asyncio.AbstractEventLoop | None = None
        self._guard: asyncio.Task[None] | None = None
        self.watcher: Any = None
        """The hot-reload watcher (:mod:`tui_chat.engine.tools.watch`), when one is attached."""

    # --- sources, change notification, reload ------------------------------------------------------

    @property
    def load_errors(self) -> list[ToolLoadError]:
        """Modules that did not load (here or in the tool host) and tool names that clash."""
        errors = list(self._own_errors)
        for source in self._sources:
            errors.extend(source.load_errors)
        self._merged_specs()
        return errors + self._merge_errors

    def report_load_errors(self, errors: list[ToolLoadError]) -> None:
        self._own_errors.extend(errors)
        self._notify()

    @property
    def sources(self) -> list[ToolSource]:
        return list(self._sources)

    @property
    def runtime(self) -> ToolRuntime:
        if self._runtime is None:
            from tui_chat.engine.tools.sources import ToolRuntime

            self._runtime = ToolRuntime()
        return self._runtime

    def add_source(self, source: ToolSource) -> None:
        """Offer the tools of ``source`` (started by :meth:`start`, or by the first call)."""
        source.on_change = self._source_changed
        self._sources.append(source)
        self._source_changed()

    def _source_changed(self) -> None:
        self._merged = None
        self._validators = {}
        self._notify()

    def subscribe(self, callback: Callable[[], Any]) -> Callable[[], None]:
        """Call ``callback()`` on the subscriber's event loop whenever the tools or load errors change.

        Subscribe from the loop that should run the callback (or call :meth:`start` from it first).
        Returns a function that unsubscribes.
        """
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        entry = (callback, loop)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(entry)

        return unsubscribe

    def changed(self) -> None:
        """Tell the subscribers that something changed (the watcher calls it after a reload)."""
        self._notify()

    def _notify(self) -> None:
        for callback, loop in list(self._subscribers):
            target = loop or self._home_loop
            if target is None or target.is_closed():
                continue
            with contextlib.suppress(RuntimeError):
                target.call_soon_threadsafe(callback)

    def start(self, *, watch: bool = False) -> None:
        """Start every source in the background (the tool host, MCP servers); returns at once.

        ``watch``: also start the hot-reload watcher, when one is attached (the TUI does).
        """
        if self._home_loop is None and not (self._runtime is not None and self._runtime.in_runtime()):
            with contextlib.suppress(RuntimeError):
                self._home_loop = asyncio.get_running_loop()
        if not self._sources and self.watcher is None:
            return
        runtime = self.runtime
        for source in self._sources:
            if watch and source.kind == "host":
                source.keep_spare = True
            source.start(runtime)
        if watch and self.watcher is not None:
            self.watcher.start(runtime)

    async def wait_ready(self, timeout: float | None = None, *, servers_timeout: float | None = None) -> None:
        """Start the sources if needed and wait until each has started or failed its first attempt.

        The tool host is waited for up to ``timeout``; external MCP servers up to ``servers_timeout``
        (default: the same), so a slow server delays the first message by at most that, once.
        """
        self.start()
        if not self._sources:
            return

        async def started(source: ToolSource) -> None:
            limit = timeout if source.kind == "host" or servers_timeout is None else servers_timeout
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(limit):
                    await source.wait_started()

        async def all_started() -> None:
            await asyncio.gather(*(started(source) for source in self._sources))

        await self.runtime.run(all_started())

    async def reload(self) -> None:
        """Restart every local tool host (new code, new schemas); returns once they answer again."""
        self.start()
        hosts = [source for source in self._sources if source.kind == "host"]
        if hosts:
            await self.runtime.run(_restart_all(hosts, "reload"))
        self._source_changed()

    async def problems(self, timeout: float | None = None) -> list[str]:
        """Wait for the sources' first start; then one line per load error and per source not running."""
        await self.wait_ready(timeout, servers_timeout=None if timeout is None else min(timeout, 5.0))
        lines = [
            _("tools from {source} not loaded: {problem}").format(source=error.source, problem=error.message)
            for error in self.load_errors
        ]
        for source in self._sources:
            status = source.status
            if status.state != "ready" and not (source.kind == "host" and self.load_errors):
                label = getattr(source, "label", source.name)
                lines.append(
                    _("{source} is not available: {problem}").format(source=label, problem=status.message)
                )
        return lines

    def notices(self) -> set[str]:
        """One line per current problem (a module not loaded, a source down), for toasts."""
        lines = {f"{error.source}: {error.message}" for error in self.load_errors}
        for source in self._sources:
            status = source.status
            if status.state in ("failed", "restarting") and status.message:
                lines.add(status.message)
        return lines

    def close_with_loop(self) -> None:
        """Close when the running event loop ends (``asyncio.run`` cancels this guard on the way out)."""

        async def guard() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                self.close()

        self._guard = asyncio.get_running_loop().create_task(guard(), name="tool-sources-guard")

    def close(self) -> None:
        """Stop every source and the watcher (their processes are killed); safe to call twice."""
        if self._runtime is None or not self._runtime.started:
            return

        async def stop_all() -> None:
            if self.watcher is not None:
                await self.watcher.stop()
            await asyncio.gather(*(source.stop() for source in self._sources), return_exceptions=True)

        with contextlib.suppress(Exception):
            self._runtime.run_sync(stop_all(), timeout=10)

    def _merged_specs(self) -> dict[str, ToolSpec]:
        merged = self._merged
        if merged is not None:
            return merged
        merged = dict(self._specs)
        errors: list[ToolLoadError] = []
        for source in self._sources:
            for spec in source.specs():
                existing = merged.get(spec.name)
                if existing is not None:
                    errors.append(
                        ToolLoadError(spec.source, str(DuplicateToolError(spec.name, existing, spec.source)))
                    )
                    continue
                merged[spec.name] = spec
        self._merged, self._merge_errors = merged, errors
        return merged

    # --- registering ------------------------------------------------------------------------------

    def register(
        self,
        name: str,
        handler: Callable[..., Any],
        definition: Mapping[str, Any],
        *,
        timeout: float | None = None,
        source: str = "",
    ) -> ToolSpec:
        """Register ``handler(args: dict, context: ToolContext)`` under an explicit JSON-schema definition.

        ``definition`` is ``{"name", "description", "parameters"}`` (the seed's shape) or the OpenAI
        ``{"type": "function", "function": {...}}`` wrapper.
        """
        check_tool_name(name)
        if isinstance(definition.get("function"), Mapping):
            definition = definition["function"]
        if definition.get("name", name) != name:
            raise ValueError(
                _("tool {tool}: the definition is named {other}").format(
                    tool=repr(name), other=repr(definition.get("name"))
                )
            )
        parameters = definition.get("parameters", {"type": "object", "properties": {}})
        if not isinstance(parameters, Mapping) or parameters.get("type", "object") != "object":
            raise ValueError(
                _("tool {tool}: 'parameters' must be a JSON schema of type 'object'").format(tool=repr(name))
            )
        description = definition.get("description", "")
        if not isinstance(description, str):
            raise ValueError(_("tool {tool}: 'description' must be a string").format(tool=repr(name)))
        if not callable(handler):
            raise TypeError(_("tool {tool}: the handler is not callable").format(tool=repr(name)))
        try:
            inspect.signature(handler).bind(None, None)
        except TypeError:
            raise TypeError(
                _("tool {tool}: the handler must accept (args, context), like the seed's handlers").format(
                    tool=repr(name)
                )
            ) from None
        except ValueError:  # no signature (some builtins): trust it
            pass
        spec = ToolSpec(
            name=name,
            description=description,
            parameters=copy.deepcopy(dict(parameters)),
            handler=handler,
            timeout=check_timeout(timeout),
            source=source,
            wants_context=True,
            is_async=_is_async(handler),
            call_style="args_dict",
        )
        return self.include(spec)

    def add(self, fn: Callable[..., Any], *, source: str | None = None) -> ToolSpec:
        """Register a ``@tool``-decorated function, or a plain typed one (described on the spot)."""
        definition = tool_definition(fn) or describe_function(fn)
        spec = ToolSpec(
            name=definition.name,
            description=definition.description,
            parameters=copy.deepcopy(definition.parameters),
            handler=fn,
            timeout=definition.timeout,
            source=(getattr(fn, "__module__", None) or "") if source is None else source,
            wants_context=definition.wants_context,
            is_async=_is_async(fn),
            call_style="keywords",
        )
        return self.include(spec)

    def include(self, spec: ToolSpec) -> ToolSpec:
        """Add a ready spec; a second tool with a taken name raises :class:`DuplicateToolError`.

        Including the very same handler again under the same name is a no-op (one function imported
        by two tool modules is one tool).
        """
        existing = self._specs.get(spec.name)
        if existing is not None:
            if existing.handler is spec.handler:
                return existing
            raise DuplicateToolError(spec.name, existing, spec.source)
        self._specs[spec.name] = spec
        self._source_changed()
        return spec

    def get(self, name: str) -> ToolSpec | None:
        return self._merged_specs().get(name)

    def specs(self) -> list[ToolSpec]:
        """In-process tools first, then each source's, in order; a clashing name keeps the first."""
        return list(self._merged_specs().values())

    def definitions(self) -> list[dict[str, Any]]:
        """The OpenAI ``tools`` list, in registration order (copies: safe to keep or change)."""
        return [spec.to_openai() for spec in self._merged_specs().values()]

    def __len__(self) -> int:
        return len(self._merged_specs())

    def __contains__(self, name: object) -> bool:
        return name in self._merged_specs()

    # --- running ----------------------------------------------------------------------------------

    async def execute(self, call: ToolCall, context: ToolContext) -> ToolMessage:
        """Run one call; always returns a :class:`ToolMessage` (only cancellation propagates)."""
        started_at = utcnow()
        start = perf_counter()
        error: str | None = None
        trace: str | None = None
        kind: str | None = None
        output = ""
        arguments_valid = True
        try:
            specs = self._merged_specs()
            spec = specs.get(call.name)
            if spec is None and self._sources:
                await self.wait_ready()  # on demand: a source may not have listed its tools yet
                specs = self._merged_specs()
                spec = specs.get(call.name)
            if spec is None:
                if specs:
                    message = _("function {name} is not implemented; available functions: {available}")
                else:
                    message = _("function {name} is not implemented; no functions are available")
                raise _ToolFailed(
                    message.format(name=repr(call.name), available=", ".join(specs)), kind="unknown_tool"
                )
            arguments = parse_arguments(call.arguments)
            self._validate(spec, arguments)
            if spec.origin is not None:
                self.start()
                outcome = await spec.origin.call(
                    spec, arguments, call.id, spec.timeout or self.default_timeout, context
                )
                result, error, kind = outcome.result, outcome.error, outcome.error_kind
                trace, output, arguments_valid = outcome.traceback, outcome.output, outcome.arguments_valid
            else:
                result = normalise_result(await self._call(spec, arguments, context))
            if result.get("success") is False and error is None:
                reported = result.get("error")
                error = str(reported) if reported else _("the tool reported failure (success: false)")
            if error is not None and kind is None:
                kind = "exception"
        except _ToolFailed as failure:
            error, trace, arguments_valid = failure.message, failure.trace, failure.arguments_valid
            kind = failure.kind
            result = {"success": False, "error": error}
        duration_ms = (perf_counter() - start) * 1000
        content, truncated = _truncate(
            json.dumps(result, ensure_ascii=False, separators=(",", ":")), self.max_result_chars
        )
        return ToolMessage(
            tool_call_id=call.id,
            name=call.name,
            arguments=call.arguments,
            result=result,
            content=content,
            duration_ms=duration_ms,
            started_at=started_at,
            error=error,
            traceback=trace,
            arguments_valid=arguments_valid,
            truncated=truncated,
            turn_id=context.turn_id or None,
            output=output,
            error_kind=kind,
        )

    def _validate(self, spec: ToolSpec, arguments: dict[str, Any]) -> None:
        validator = self._validators.get(spec.name)
        if validator is None:
            from jsonschema import Draft202012Validator, SchemaError
            from jsonschema.validators import validator_for

            cls = validator_for(spec.parameters, default=Draft202012Validator)
            try:
                cls.check_schema(spec.parameters)
            except SchemaError as problem:
                raise _ToolFailed(
                    _("the tool {name} has an invalid parameter schema: {problem}").format(
                        name=repr(spec.name), problem=problem.message
                    )
                ) from None
            validator = self._validators[spec.name] = cls(spec.parameters)
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
        raise _ToolFailed(
            _("invalid arguments for {name}: {problems}").format(
                name=repr(spec.name), problems="; ".join(lines)
            ),
            arguments_valid=False,
            kind="invalid_arguments",
        )

    async def _call(self, spec: ToolSpec, arguments: dict[str, Any], context: ToolContext) -> Any:
        timeout = spec.timeout or self.default_timeout
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
                except (asyncio.CancelledError, _ToolFailed):
                    raise
                except Exception as problem:
                    raise _ToolFailed(
                        f"{type(problem).__name__}: {problem}".rstrip(": "), trace=_handler_traceback(problem)
                    ) from None
                except (SystemExit, KeyboardInterrupt) as problem:  # must not end the app or the turn
                    raised = f"{type(problem).__name__}{': ' + str(problem) if str(problem) else ''}"
                    raise _ToolFailed(
                        _("{error} raised in {name} (it would have ended the process)").format(
                            error=raised, name=repr(spec.name)
                        ),
                        trace=_handler_traceback(problem),
                        kind="crashed",
                    ) from None
        except TimeoutError:
            if deadline.expired():
                message = _("{name} timed out after {seconds:g} s").format(
                    name=repr(spec.name), seconds=timeout
                )
                raise _ToolFailed(message, kind="timeout") from None
            raise


async def _restart_all(sources: list[ToolSource], reason: str) -> None:
    await asyncio.gather(*(source.restart(reason) for source in sources))
