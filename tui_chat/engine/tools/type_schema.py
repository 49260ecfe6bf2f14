"""The JSON schema of one Python annotation (``str``, ``list[T]``, ``Literal``, ``Enum``, ``X | None`` …).

Apart from reading a function's signature: a pure mapping from a type to a schema, raising
:class:`Unsupported` for what JSON schema cannot describe here (the caller names the parameter).
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from typing import Any, Literal

from tui_chat.i18n import _

_SIMPLE_TYPES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class Unsupported(Exception):
    """An annotation (or part of one) that JSON schema cannot describe here."""


def _enum_schema(values: list[Any]) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    kinds = {type(value) for value in values}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind is type(None):
            schema["type"] = "null"
        elif kind in _SIMPLE_TYPES:
            schema["type"] = _SIMPLE_TYPES[kind]
        else:
            raise Unsupported(
                _("enum values must be str, int, float or bool, not {kind}").format(kind=kind.__name__)
            )
    schema["enum"] = values
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Let ``null`` through too: ``None`` is a legal value of ``X | None``."""
    schema = dict(schema)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*kinds, "null"] if "null" not in kinds else kinds
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    if "anyOf" in schema:
        schema["anyOf"] = [*schema["anyOf"], {"type": "null"}]
    return schema


def is_optional(annotation: Any) -> bool:
    if typing.get_origin(annotation) is typing.Annotated:
        return is_optional(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return type(None) in typing.get_args(annotation)
    return annotation is None or annotation is type(None)


def annotation_schema(annotation: Any) -> dict[str, Any]:
    """The JSON schema of one annotation; raises ``Unsupported`` for what it cannot express."""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return {}
    if annotation is None or annotation is type(None):
        return {"type": "null"}
    if annotation in _SIMPLE_TYPES:
        return {"type": _SIMPLE_TYPES[annotation]}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _enum_schema([member.value for member in annotation])
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        schema = annotation_schema(args[0])
        text = next((meta for meta in args[1:] if isinstance(meta, str)), None)
        return {**schema, "description": text} if text else schema
    if origin is Literal:
        return _enum_schema([value.value if isinstance(value, enum.Enum) else value for value in args])
    if origin in (typing.Union, types.UnionType):
        options = [option for option in args if option is not type(None)]
        schema = (
            annotation_schema(options[0])
            if len(options) == 1
            else {"anyOf": [annotation_schema(o) for o in options]}
        )
        return _nullable(schema) if len(options) < len(args) else schema
    if annotation is list or origin is list:
        return {"type": "array", "items": annotation_schema(args[0])} if args else {"type": "array"}
    if annotation is tuple or origin is tuple:
        if not args or args == ((),):
            return {"type": "array"} if not args else {"type": "array", "maxItems": 0}
        if len(args) == 2 and args[1] is Ellipsis:
            return {"type": "array", "items": annotation_schema(args[0])}
        return {
            "type": "array",
            "prefixItems": [annotation_schema(arg) for arg in args],
            "minItems": len(args),
            "maxItems": len(args),
        }
    if annotation is dict or origin is dict:
        if not args:
            return {"type": "object"}
        if args[0] not in (str, Any):
            raise Unsupported(_("dict keys must be str (JSON object keys are strings)"))
        return {"type": "object", "additionalProperties": annotation_schema(args[1])}
    raise Unsupported(_("no JSON schema for {annotation}").format(annotation=type_label(annotation)))


def type_label(annotation: Any) -> str:
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")
