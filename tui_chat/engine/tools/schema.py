"""JSON schema from a function's signature and docstring, and the ``@tool`` decorator.

Writing a tool should take a typed Python function, not a hand-written schema: the schema the model
sees is derived here from the type hints (``str``, ``int``, ``float``, ``bool``, ``list[T]``,
``dict[str, T]``, ``tuple[...]``, ``Literal[...]``, ``Enum`` subclasses, ``X | None``, unions,
``Annotated[T, "description"]``, ``Any``) and from the docstring (its first paragraph is the tool's
description; Google ``Args:`` sections and reST ``:param x:`` lines describe the parameters).

A parameter named ``context`` is not part of the schema: the registry passes the
:class:`~tui_chat.engine.tools.spec.ToolContext` through it. An unannotated parameter accepts any
JSON value. ``**kwargs`` allows extra properties; without it ``additionalProperties`` is false, so a
misspelt argument is reported to the model instead of being silently dropped. Annotations this module
cannot express raise ``TypeError`` at decoration time, naming the function and the parameter.

Its parts: :mod:`~tui_chat.engine.tools.type_schema` (one annotation → schema) and
:mod:`~tui_chat.engine.tools.docstrings` (the description and the parameters' texts).
"""

from __future__ import annotations

import enum
import functools
import inspect
import json
import math
import re
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

from tui_chat.engine.tools.docstrings import first_paragraph, parameter_docs
from tui_chat.engine.tools.type_schema import Unsupported, annotation_schema, is_optional, type_label
from tui_chat.i18n import _

CONTEXT_PARAMETER = "context"
TOOL_ATTRIBUTE = "__tui_chat_tool__"
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class ToolDefinition:
    """What ``@tool`` attaches to a function: its name, description and parameter schema."""

    name: str
    description: str
    parameters: dict[str, Any] = field(hash=False)
    timeout: float | None = None
    wants_context: bool = False

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


def check_tool_name(name: str) -> str:
    """Names the OpenAI-style APIs accept: 1-64 letters, digits, ``_`` or ``-``."""
    if not isinstance(name, str) or not _NAME_PATTERN.match(name):
        raise ValueError(
            _("invalid tool name {name}: use 1-64 letters, digits, '_' or '-'").format(name=repr(name))
        )
    return name


def check_timeout(timeout: float | None) -> float | None:
    """A per-tool timeout: None (the registry default) or a positive number of seconds."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not (0 < timeout < math.inf):
        raise ValueError(
            _("timeout must be a positive number of seconds, not {value}").format(value=repr(timeout))
        )
    return float(timeout)


def _globals_of(fn: Callable[..., Any]) -> dict[str, Any]:
    target = inspect.unwrap(fn)
    target = getattr(target, "__func__", target)
    if isinstance(target, functools.partial):
        target = target.func
    if not hasattr(target, "__globals__") and callable(target):
        target = getattr(type(target).__call__, "__func__", type(target).__call__)
    return getattr(target, "__globals__", {})


def _resolve(fn: Callable[..., Any], name: str, annotation: Any) -> Any:
    """Evaluate a string annotation (``from __future__ import annotations``) one parameter at a time.

    One at a time so that ``context: ToolContext`` imported only under ``TYPE_CHECKING`` does not
    break the other parameters.
    """
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, _globals_of(fn))
    except Exception as error:
        raise TypeError(
            _(
                "tool {tool}: cannot resolve the annotation {annotation} of parameter {name}: {problem}"
            ).format(tool=_label(fn), annotation=repr(annotation), name=repr(name), problem=error)
        ) from None


def _label(fn: Callable[..., Any]) -> str:
    return repr(getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or fn)


def _json_default(value: Any) -> tuple[bool, Any]:
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, tuple):
        value = list(value)
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False, None
    return True, value


def _signature(fn: Callable[..., Any]) -> inspect.Signature:
    if not callable(fn):
        raise TypeError(_("a tool must be a function, not {kind}").format(kind=type(fn).__name__))
    if isinstance(fn, type):
        raise TypeError(_("a tool must be a function, not the class {name}").format(name=fn.__name__))
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError) as error:
        raise TypeError(
            _("tool {tool}: cannot read its signature: {problem}").format(tool=_label(fn), problem=error)
        ) from None


def schema_from_function(fn: Callable[..., Any]) -> dict[str, Any]:
    """The JSON schema of ``fn``'s keyword arguments, as the ``parameters`` of a tool definition."""
    signature = _signature(fn)
    docs = parameter_docs(inspect.getdoc(fn) or "")
    properties: dict[str, Any] = {}
    required: list[str] = []
    extra_allowed = False
    for name, parameter in signature.parameters.items():
        if name == CONTEXT_PARAMETER:
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            extra_allowed = True
            continue
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.POSITIONAL_ONLY):
            raise TypeError(
                _(
                    "tool {tool}: parameter {name} cannot be passed by name; "
                    "tool arguments arrive as keyword arguments"
                ).format(tool=_label(fn), name=repr(name))
            )
        annotation = _resolve(fn, name, parameter.annotation)
        try:
            schema = annotation_schema(annotation)
        except Unsupported as error:
            raise TypeError(
                _(
                    "tool {tool}: parameter {name} has an unsupported annotation {annotation} ({problem}); "
                    "use str, int, float, bool, list[...], dict[str, ...], tuple[...], Literal[...], "
                    "an Enum, Any or X | None"
                ).format(tool=_label(fn), name=repr(name), annotation=type_label(annotation), problem=error)
            ) from None
        if "description" not in schema and docs.get(name):
            schema = {**schema, "description": docs[name]}
        if parameter.default is not inspect.Parameter.empty:
            serialisable, default = _json_default(parameter.default)
            if serialisable:
                schema = {**schema, "default": default}
        elif not is_optional(annotation):
            required.append(name)
        properties[name] = schema
    result: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        result["required"] = required
    if not extra_allowed:
        result["additionalProperties"] = False
    return result


def describe_function(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> ToolDefinition:
    """Build the :class:`ToolDefinition` of a plain function (what ``@tool`` does, without marking)."""
    parameters = schema_from_function(fn)
    tool_name = name or getattr(fn, "__name__", "")
    try:
        check_tool_name(tool_name)
        timeout = check_timeout(timeout)
    except ValueError as error:
        raise ValueError(_("tool {tool}: {problem}").format(tool=_label(fn), problem=error)) from None
    if description is None:
        description = first_paragraph(inspect.getdoc(fn) or "")
    wants_context = CONTEXT_PARAMETER in _signature(fn).parameters
    return ToolDefinition(tool_name, description, parameters, timeout, wants_context)


@overload
def tool(fn: Callable[..., Any], /) -> Callable[..., Any]: ...


@overload
def tool(
    *, name: str | None = None, description: str | None = None, timeout: float | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]: ...


def tool(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
) -> Any:
    """Mark a function as a tool: ``@tool`` or ``@tool(name=..., description=..., timeout=...)``.

    The function is returned unchanged (still callable and testable as is); its
    :class:`ToolDefinition` is stored in ``fn.__tui_chat_tool__`` so a module can be scanned for tools.
    """

    def mark(target: Callable[..., Any]) -> Callable[..., Any]:
        definition = describe_function(target, name=name, description=description, timeout=timeout)
        try:
            setattr(target, TOOL_ATTRIBUTE, definition)
        except (AttributeError, TypeError):
            raise TypeError(
                _("tool {tool}: cannot be marked as a tool (read-only object)").format(tool=_label(target))
            ) from None
        return target

    return mark(fn) if fn is not None else mark


def tool_definition(fn: Callable[..., Any]) -> ToolDefinition | None:
    """The definition ``@tool`` attached to ``fn``, or None for an undecorated function."""
    definition = getattr(fn, TOOL_ATTRIBUTE, None)
    return definition if isinstance(definition, ToolDefinition) else None


# --- calling --------------------------------------------------------------------------------------


@functools.cache
def _call_plan(fn: Callable[..., Any]) -> tuple[tuple[str, ...], tuple[tuple[str, type[enum.Enum]], ...]]:
    """Which parameters get ``None`` when omitted, and which get their JSON value turned into an Enum."""
    fill_none: list[str] = []
    enums: list[tuple[str, type[enum.Enum]]] = []
    for name, parameter in _signature(fn).parameters.items():
        if name == CONTEXT_PARAMETER or parameter.kind is inspect.Parameter.VAR_KEYWORD:
            continue
        annotation = _resolve(fn, name, parameter.annotation)
        if parameter.default is inspect.Parameter.empty and is_optional(annotation):
            fill_none.append(name)
        if typing.get_origin(annotation) is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        candidates = typing.get_args(annotation) if is_optional(annotation) else (annotation,)
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
                enums.append((name, candidate))
                break
    return tuple(fill_none), tuple(enums)


def keyword_arguments(fn: Callable[..., Any], arguments: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments to call ``fn`` with, from already validated JSON ``arguments``.

    An omitted ``X | None`` parameter without a default gets ``None``; a value of an ``Enum``
    parameter becomes the member.
    """
    try:
        fill_none, enums = _call_plan(fn)
    except TypeError:  # an unhashable callable object: plan it every time
        fill_none, enums = _call_plan.__wrapped__(fn)
    kwargs = dict(arguments)
    for name in fill_none:
        kwargs.setdefault(name, None)
    for name, enum_type in enums:
        if kwargs.get(name) is not None:
            kwargs[name] = enum_type(kwargs[name])
    return kwargs
