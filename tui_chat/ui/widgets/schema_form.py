"""A form generated from a tool's JSON schema: one field per parameter, typed.

``form_fields`` reads the schema (plain data, testable without Textual): strings, integers and numbers
become inputs, an ``enum`` a select, a boolean a checkbox, anything else (objects, arrays, unions) a
JSON input. Defaults are filled in and required fields marked ``*``. ``SchemaForm.values`` turns what
was typed back into arguments, with a problem per field that cannot be converted; the schema check
proper is ``engine.workbench.arguments``' (the same as the registry's).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Checkbox, Input, Select, Static

from tui_chat.engine.workbench.arguments import ArgumentProblem
from tui_chat.i18n import N_, _
from tui_chat.ui.formatting import one_line, visible
from tui_chat.ui.widgets.inspector_model import json_problem

NOT_A = {"integer": N_("not an integer"), "number": N_("not a number")}
"""What a field of a numeric kind says when the text is not one (English, translated where shown)."""
PLACEHOLDERS = {"integer": N_("an integer"), "number": N_("a number"), "json": N_("JSON")}
"""The placeholder of an empty text field by kind; a string field's is "text"."""


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str
    """``string``, ``integer``, ``number``, ``boolean``, ``enum`` or ``json``."""
    required: bool = False
    default: Any = None
    has_default: bool = False
    choices: list[Any] = field(default_factory=list)
    description: str = ""


def _simple_type(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # ["integer", "null"]: X | None
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind is None and "anyOf" in schema:
        options = [o for o in schema["anyOf"] if isinstance(o, dict) and o.get("type") != "null"]
        if len(options) == 1:
            return _simple_type(options[0])
    return kind if isinstance(kind, str) else None


def form_fields(parameters: dict[str, Any] | None) -> list[FormField]:
    """The fields of a parameter schema, in the schema's order."""
    properties = (parameters or {}).get("properties") or {}
    required = set((parameters or {}).get("required") or [])
    fields = []
    for name, schema in properties.items():
        schema = schema if isinstance(schema, dict) else {}
        kind = _simple_type(schema)
        choices = list(schema.get("enum") or [])
        if choices:
            form_kind = "enum"
        elif kind in ("string", "integer", "number", "boolean"):
            form_kind = kind
        else:
            form_kind = "json"
        fields.append(
            FormField(
                name=name,
                kind=form_kind,
                required=name in required,
                default=schema.get("default"),
                has_default="default" in schema,
                choices=choices,
                description=str(schema.get("description") or ""),
            )
        )
    return fields


def convert(spec: FormField, raw: str) -> tuple[Any, ArgumentProblem | None]:
    """The value of a text field, or the reason it is not one."""
    if spec.kind == "string":
        return raw, None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        if spec.kind in NOT_A:
            return None, ArgumentProblem(spec.name, _(NOT_A[spec.kind]))
        return None, ArgumentProblem(
            spec.name, _("not valid JSON: {error}").format(error=json_problem(error))
        )
    if spec.kind == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
        return None, ArgumentProblem(spec.name, _(NOT_A["integer"]))
    if spec.kind == "number" and (not isinstance(value, int | float) or isinstance(value, bool)):
        return None, ArgumentProblem(spec.name, _(NOT_A["number"]))
    return value, None


def _text_of(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "string" and isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


class SchemaForm(VerticalScroll):
    """The fields of one tool; posts :class:`SchemaForm.Changed` on every edit."""

    class Changed(Message):
        pass

    def __init__(self, parameters: dict[str, Any] | None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fields = form_fields(parameters)

    def compose(self) -> ComposeResult:
        if not self.fields:
            yield Static(Content(_("This tool takes no arguments.")), classes="field-hint")
        for number, spec in enumerate(self.fields):
            label = visible(spec.name) + (" *" if spec.required else "")
            with Horizontal(classes="form-field"):
                yield Static(Content(label), classes="form-label" + (" -required" if spec.required else ""))
                yield self._input(number, spec)

    def _input(self, number: int, spec: FormField) -> Input | Select[Any] | Checkbox:
        widget_id = f"field-{number}"
        hint = one_line(spec.description, 60)
        if spec.kind == "enum":
            options = [
                (Content(visible(json.dumps(choice, ensure_ascii=False))), choice) for choice in spec.choices
            ]
            value = spec.default if spec.has_default and spec.default in spec.choices else Select.NULL
            return Select(
                options,
                value=value,
                allow_blank=not spec.required or value is Select.NULL,
                id=widget_id,
                compact=True,
            )
        if spec.kind == "boolean":
            return Checkbox(Content(hint or spec.name), value=bool(spec.default), id=widget_id, compact=True)
        placeholder = _(PLACEHOLDERS[spec.kind]) if spec.kind in PLACEHOLDERS else _("text")
        return Input(
            _text_of(spec.default, spec.kind) if spec.has_default else "",
            placeholder=f"{placeholder} — {hint}" if hint else placeholder,
            id=widget_id,
            compact=True,
        )

    @property
    def built(self) -> bool:
        """Every field is mounted (not so while the form is composed, or torn down as the app closes)."""
        return all(self.query(f"#field-{number}") for number in range(len(self.fields)))

    def values(self) -> tuple[dict[str, Any], list[ArgumentProblem]]:
        """The arguments typed so far: empty optional fields are left out (the tool's default applies)."""
        arguments: dict[str, Any] = {}
        problems: list[ArgumentProblem] = []
        for number, spec in enumerate(self.fields):
            widget = self.query_one(f"#field-{number}")
            if isinstance(widget, Checkbox):
                if widget.value or spec.required or spec.has_default:
                    arguments[spec.name] = widget.value
            elif isinstance(widget, Select):
                if widget.value is not Select.NULL:
                    arguments[spec.name] = widget.value
            elif isinstance(widget, Input):
                if widget.value == "" and spec.kind != "string":
                    continue
                if widget.value == "" and not spec.required:
                    continue
                value, problem = convert(spec, widget.value)
                if problem is not None:
                    problems.append(problem)
                else:
                    arguments[spec.name] = value
        return arguments, problems

    def load(self, arguments: dict[str, Any]) -> None:
        """Fill the fields from ``arguments`` (a past run); fields not in it are emptied."""
        for number, spec in enumerate(self.fields):
            widget = self.query_one(f"#field-{number}")
            value = arguments.get(spec.name)
            if isinstance(widget, Checkbox):
                widget.value = bool(value)
            elif isinstance(widget, Select):
                if spec.name in arguments and value in spec.choices:
                    widget.value = value
                elif widget._allow_blank:
                    widget.clear()
            elif isinstance(widget, Input):
                widget.value = _text_of(value, spec.kind) if spec.name in arguments else ""

    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed())
