"""Check a conversation file against ``session_schema.json``, fast enough for files of 20,000 messages.

jsonschema 4.26 needs 250–580 µs per message here (a new validator object per ``descend``), i.e.
about half a second per thousand messages, on every open and for every file of a cold index build.
This compiles the same schema file into closures instead: the schema stays the single source of
truth, only the subset of draft 2020-12 it uses is understood (an unknown keyword fails loudly at
compile time), and ``tests/test_store.py`` checks that jsonschema agrees on valid and damaged files.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("session_schema.json")

Check = Callable[[Any], None]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda value: isinstance(value, dict),
    "array": lambda value: isinstance(value, list),
    "string": lambda value: isinstance(value, str),
    "boolean": lambda value: isinstance(value, bool),
    "integer": lambda value: (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, float) and value.is_integer())
    ),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "null": lambda value: value is None,
}
_ANNOTATIONS = {"$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples"}


class SchemaMismatch(ValueError):
    """The data does not match the schema; ``str()`` names the JSON path and the reason."""

    def __init__(self, path: tuple, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{format_path(path)}: {reason}" if path else reason)

    def inside(self, key: str | int) -> SchemaMismatch:
        """The same mismatch seen from the container holding it under ``key``."""
        return SchemaMismatch((key, *self.path), self.reason)


def format_path(path: tuple) -> str:
    """``('sessions', 0, 'messages', 3)`` → ``sessions[0].messages[3]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _same_json_value(value: Any, expected: Any) -> bool:
    # JSON Schema tells true from 1, Python's == does not.
    return value == expected and isinstance(value, bool) == isinstance(expected, bool)


class _Compiler:
    def __init__(self, root: dict[str, Any]):
        self.defs = root.get("$defs", {})
        self.compiled_refs: dict[str, Check] = {}

    def ref(self, ref: str) -> Check:
        name = ref.removeprefix("#/$defs/")
        if name == ref or name not in self.defs:
            raise ValueError(f"unsupported $ref {ref!r}")
        if name not in self.compiled_refs:
            # Placeholder first so that a recursive $ref resolves lazily.
            self.compiled_refs[name] = lambda value: self.compiled_refs[name](value)
            self.compiled_refs[name] = self.compile(self.defs[name])
        return self.compiled_refs[name]

    def compile(self, schema: dict[str, Any]) -> Check:
        checks: list[Check] = []
        unknown = set(schema) - _ANNOTATIONS - {
            "$ref", "type", "const", "enum", "required", "properties", "additionalProperties",
            "items", "minItems", "minLength", "minimum", "pattern", "allOf", "if", "then",
        }  # fmt: skip
        if unknown:
            raise ValueError(f"session_check does not understand {sorted(unknown)}")
        if "type" in schema:
            name = schema["type"]
            is_type = _TYPES[name]

            def check_type(value: Any) -> None:
                if not is_type(value):
                    raise SchemaMismatch((), f"expected {name}, got {json.dumps(value)[:60]}")

            checks.append(check_type)
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"]))
        if "const" in schema:
            const = schema["const"]

            def check_const(value: Any) -> None:
                if not _same_json_value(value, const):
                    raise SchemaMismatch((), f"expected {json.dumps(const)}, got {json.dumps(value)[:60]}")

            checks.append(check_const)
        if "enum" in schema:
            options = schema["enum"]

            def check_enum(value: Any) -> None:
                if not any(_same_json_value(value, option) for option in options):
                    raise SchemaMismatch(
                        (), f"expected one of {json.dumps(options)}, got {json.dumps(value)[:60]}"
                    )

            checks.append(check_enum)
        if "minLength" in schema or "pattern" in schema or "minimum" in schema or "minItems" in schema:
            checks.append(self._bounds(schema))
        if any(key in schema for key in ("required", "properties", "additionalProperties")):
            checks.append(self._object(schema))
        if "items" in schema:
            item = self.compile(schema["items"])

            def check_items(value: Any) -> None:
                if isinstance(value, list):
                    for position, element in enumerate(value):
                        try:
                            item(element)
                        except SchemaMismatch as error:
                            raise error.inside(position) from None

            checks.append(check_items)
        for branch in schema.get("allOf", []):
            checks.append(self.compile(branch))
        if "if" in schema:
            matches, then = self._condition(schema["if"]), self.compile(schema.get("then", {}))

            def check_if(value: Any) -> None:
                if matches(value):
                    then(value)

            checks.append(check_if)
        if len(checks) == 1:
            return checks[0]

        def check_all(value: Any) -> None:
            for check in checks:
                check(value)

        return check_all

    def _condition(self, schema: dict[str, Any]) -> Callable[[Any], bool]:
        """An ``if`` as a predicate; the discriminator ``{properties: {k: {const: v}}}`` raises nothing."""
        properties = schema.get("properties", {})
        if set(schema) == {"properties"} and len(properties) == 1:
            ((key, sub),) = properties.items()
            if set(sub) == {"const"}:
                const = sub["const"]
                return lambda value: (
                    not isinstance(value, dict) or key not in value or (_same_json_value(value[key], const))
                )
        check = self.compile(schema)

        def matches(value: Any) -> bool:
            try:
                check(value)
            except SchemaMismatch:
                return False
            return True

        return matches

    def _bounds(self, schema: dict[str, Any]) -> Check:
        min_length, min_items, minimum = (
            schema.get("minLength"),
            schema.get("minItems"),
            schema.get("minimum"),
        )
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None

        def check_bounds(value: Any) -> None:
            if isinstance(value, str):
                if min_length is not None and len(value) < min_length:
                    raise SchemaMismatch((), f"must have at least {min_length} character(s)")
                if pattern is not None and not pattern.search(value):
                    raise SchemaMismatch((), f"{value[:60]!r} does not match {pattern.pattern}")
            elif isinstance(value, list):
                if min_items is not None and len(value) < min_items:
                    raise SchemaMismatch((), f"must have at least {min_items} item(s)")
            elif minimum is not None and _TYPES["number"](value) and value < minimum:
                raise SchemaMismatch((), f"must be at least {minimum}, got {value}")

        return check_bounds

    def _object(self, schema: dict[str, Any]) -> Check:
        required = schema.get("required", [])
        properties = {name: self.compile(sub) for name, sub in schema.get("properties", {}).items()}
        extra = schema.get("additionalProperties", True)
        extra_check = self.compile(extra) if isinstance(extra, dict) else None

        def check_object(value: Any) -> None:
            if not isinstance(value, dict):
                return
            for name in required:
                if name not in value:
                    raise SchemaMismatch((), f"missing field {name!r}")
            for name, element in value.items():
                check = properties.get(name, extra_check)
                if check is None:
                    if extra is False:
                        raise SchemaMismatch((), f"unknown field {name!r}")
                    continue
                try:
                    check(element)
                except SchemaMismatch as error:
                    raise error.inside(name) from None

        return check_object


@functools.cache
def load_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _conversation_check() -> Check:
    return _Compiler(load_schema()).compile(load_schema())


def check_conversation(data: Any) -> None:
    """Raise ``SchemaMismatch`` naming the first field of ``data`` that breaks the session schema."""
    _conversation_check()(data)
