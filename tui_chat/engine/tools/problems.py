"""What is wrong with a call's arguments, in the current language.

``jsonschema`` words its problems in English ("'a' is a required property"). The model and the person
at the inspector read them, so the commonest ones come from the catalog: the English msgid is
jsonschema's own wording, checked against the library's text each time (if a new jsonschema words it
otherwise, its words are shown as they are, in every language).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tui_chat.i18n import N_, _


def _types(value: Any) -> str:
    kinds = value if isinstance(value, list) else [value]
    return ", ".join(repr(kind) for kind in kinds)


def _extras(problem: Any) -> dict[str, str]:
    schema = problem.schema if isinstance(problem.schema, dict) else {}
    known = schema.get("properties", {})
    extras = sorted((name for name in problem.instance if name not in known), key=str)
    return {"names": ", ".join(repr(name) for name in extras)}


_Fields = Callable[[Any], dict[str, str]]
_NOTHING: _Fields = lambda problem: {}  # noqa: E731
_LIMIT: _Fields = lambda problem: {"limit": repr(problem.validator_value)}  # noqa: E731

_WORDINGS: dict[str, list[tuple[str, _Fields]]] = {
    "required": [(N_("{property} is a required property"), _NOTHING)],
    "type": [
        (N_("{value} is not of type {types}"), lambda problem: {"types": _types(problem.validator_value)})
    ],
    "enum": [
        (N_("{value} is not one of {choices}"), lambda problem: {"choices": repr(problem.validator_value)})
    ],
    "const": [(N_("{expected} was expected"), lambda problem: {"expected": repr(problem.validator_value)})],
    "minimum": [(N_("{value} is less than the minimum of {limit}"), _LIMIT)],
    "maximum": [(N_("{value} is greater than the maximum of {limit}"), _LIMIT)],
    "exclusiveMinimum": [(N_("{value} is less than or equal to the minimum of {limit}"), _LIMIT)],
    "exclusiveMaximum": [(N_("{value} is greater than or equal to the maximum of {limit}"), _LIMIT)],
    "minLength": [(N_("{value} is too short"), _NOTHING), (N_("{value} should be non-empty"), _NOTHING)],
    "maxLength": [(N_("{value} is too long"), _NOTHING), (N_("{value} is expected to be empty"), _NOTHING)],
    "minItems": [(N_("{value} is too short"), _NOTHING), (N_("{value} should be non-empty"), _NOTHING)],
    "maxItems": [(N_("{value} is too long"), _NOTHING), (N_("{value} is expected to be empty"), _NOTHING)],
    "pattern": [
        (N_("{value} does not match {pattern}"), lambda problem: {"pattern": repr(problem.validator_value)})
    ],
    "format": [(N_("{value} is not a {format}"), lambda problem: {"format": repr(problem.validator_value)})],
    "anyOf": [(N_("{value} is not valid under any of the given schemas"), _NOTHING)],
    "oneOf": [(N_("{value} is not valid under any of the given schemas"), _NOTHING)],
    "additionalProperties": [
        (N_("Additional properties are not allowed ({names} was unexpected)"), _extras),
        (N_("Additional properties are not allowed ({names} were unexpected)"), _extras),
    ],
}


def validation_message(problem: Any) -> str:
    """One ``jsonschema.ValidationError``'s message in the current language."""
    for msgid, fields_of in _WORDINGS.get(problem.validator, []):
        try:
            fields = {"value": repr(problem.instance), **fields_of(problem)}
            if problem.validator == "required":  # the one missing: jsonschema reports one error per name
                missing = [name for name in problem.validator_value if name not in problem.instance]
                fields["property"] = next(
                    (repr(name) for name in missing if msgid.format(property=repr(name)) == problem.message),
                    "",
                )
            if msgid.format(**fields) == problem.message:  # still jsonschema's wording
                return _(msgid).format(**fields)
        except (KeyError, IndexError, ValueError, TypeError):
            continue
    return str(problem.message)
