"""Check a call's arguments (JSON text) against a tool's parameter schema, for editors that check as
the user types: where the JSON breaks (line, column) or which fields do not match, in plain words.

The registry checks again when the call runs (the tool host may have a newer schema); this is the
early, inline check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tui_chat.i18n import _, ngettext

MAX_PROBLEMS = 10


@dataclass(frozen=True)
class ArgumentProblem:
    """One thing wrong with the arguments: ``where`` is a JSON path (``items/0``) or ``line 2, column 5``."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


def parse_object(text: str) -> tuple[dict[str, Any] | None, ArgumentProblem | None]:
    """The arguments as a dict (empty text is ``{}``), or the reason they are not one JSON object."""
    if not text.strip():
        return {}, None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        return None, ArgumentProblem(
            _("line {line}, column {column}").format(line=error.lineno, column=error.colno),
            _("not valid JSON: {reason}").format(reason=error.msg),
        )
    if not isinstance(value, dict):
        return None, ArgumentProblem(
            "", _("the arguments must be a JSON object, not {type}").format(type=type(value).__name__)
        )
    return value, None


def schema_problems(parameters: dict[str, Any], arguments: dict[str, Any]) -> list[ArgumentProblem]:
    """Where ``arguments`` break the JSON schema ``parameters`` (a broken schema is one problem too)."""
    from jsonschema import Draft202012Validator, SchemaError
    from jsonschema.validators import validator_for

    cls = validator_for(parameters, default=Draft202012Validator)
    try:
        cls.check_schema(parameters)
    except SchemaError as problem:
        return [
            ArgumentProblem(
                _("schema"),
                _("the tool's parameter schema is invalid: {reason}").format(reason=problem.message),
            )
        ]
    found = sorted(cls(parameters).iter_errors(arguments), key=lambda e: [str(p) for p in e.absolute_path])
    problems = [
        ArgumentProblem("/".join(str(part) for part in error.absolute_path), error.message)
        for error in found[:MAX_PROBLEMS]
    ]
    if len(found) > MAX_PROBLEMS:
        left = len(found) - MAX_PROBLEMS
        problems.append(ArgumentProblem("", ngettext("and {n} more", "and {n} more", left).format(n=left)))
    return problems


def check_arguments(parameters: dict[str, Any] | None, text: str) -> list[ArgumentProblem]:
    """Everything wrong with ``text`` as arguments for a tool taking ``parameters`` (None: no schema)."""
    value, problem = parse_object(text)
    if problem is not None:
        return [problem]
    if parameters is None or value is None:
        return []
    return schema_problems(parameters, value)
