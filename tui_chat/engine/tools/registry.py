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
set, load errors or a source's state on the subscriber's loop, ``await reload()`` restarts the hosts
(that side is :mod:`tui_chat.engine.tools.registry_sources`; a call's steps are
:mod:`tui_chat.engine.tools.execution`; :class:`ToolContext`, :class:`ToolSpec` and the load-error
records are :mod:`tui_chat.engine.tools.spec`, ``ToolContext`` importable from here too).
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
from collections.abc import Callable, Mapping
from time import perf_counter
from typing import TYPE_CHECKING, Any

from tui_chat.engine.models import ToolCall, ToolMessage, utcnow
from tui_chat.engine.tools.execution import (
    ToolFailed,
    check_arguments,
    normalise_result,
    parse_arguments,
    run_handler,
    truncate,
)
from tui_chat.engine.tools.registry_sources import RegistrySources
from tui_chat.engine.tools.schema import check_timeout, check_tool_name, describe_function, tool_definition
from tui_chat.engine.tools.spec import DuplicateToolError, ToolContext, ToolLoadError, ToolSpec
from tui_chat.i18n import _

if TYPE_CHECKING:
    from tui_chat.engine.tools.sources import ToolRuntime, ToolSource


def _is_async(handler: Callable[..., Any]) -> bool:
    target = handler
    if not inspect.isfunction(target) and not inspect.ismethod(target) and callable(target):
        target = getattr(target, "__call__", target)  # noqa: B004 - an object with async __call__
    return inspect.iscoroutinefunction(inspect.unwrap(target))


class ToolRegistry(RegistrySources):
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
                raise ToolFailed(
                    message.format(name=repr(call.name), available=", ".join(specs)), kind="unknown_tool"
                )
            arguments = parse_arguments(call.arguments)
            check_arguments(spec, arguments, self._validators)
            if spec.origin is not None:
                self.start()
                outcome = await spec.origin.call(
                    spec, arguments, call.id, spec.timeout or self.default_timeout, context
                )
                result, error, kind = outcome.result, outcome.error, outcome.error_kind
                trace, output, arguments_valid = outcome.traceback, outcome.output, outcome.arguments_valid
            else:
                timeout = spec.timeout or self.default_timeout
                result = normalise_result(await run_handler(spec, arguments, context, timeout))
            if result.get("success") is False and error is None:
                reported = result.get("error")
                error = str(reported) if reported else _("the tool reported failure (success: false)")
            if error is not None and kind is None:
                kind = "exception"
        except ToolFailed as failure:
            error, trace, arguments_valid = failure.message, failure.trace, failure.arguments_valid
            kind = failure.kind
            result = {"success": False, "error": error}
        duration_ms = (perf_counter() - start) * 1000
        content, truncated = truncate(
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
