"""The schema a tool author gets from a typed function, and the @tool decorator."""

from __future__ import annotations

import enum
import subprocess
import sys
from datetime import datetime
from typing import Annotated, Any, Literal, Optional

import pytest

from tui_chat.engine.tools.schema import (
    ToolDefinition,
    keyword_arguments,
    schema_from_function,
    tool,
    tool_definition,
)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


def test_simple_types_map_to_json_types_and_all_are_required():
    def f(text: str, count: int, ratio: float, flag: bool):
        pass

    assert schema_from_function(f) == {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "count": {"type": "integer"},
            "ratio": {"type": "number"},
            "flag": {"type": "boolean"},
        },
        "required": ["text", "count", "ratio", "flag"],
        "additionalProperties": False,
    }


def test_a_default_makes_a_parameter_optional_and_is_shown():
    def f(query: str, limit: int = 10):
        pass

    schema = schema_from_function(f)
    assert schema["required"] == ["query"]
    assert schema["properties"]["limit"] == {"type": "integer", "default": 10}


def test_optional_and_union_with_none_are_not_required_and_accept_null():
    def f(a: str | None, b: Optional[int] = None):  # noqa: UP045 - the old spelling is supported too
        pass

    schema = schema_from_function(f)
    assert "required" not in schema
    assert schema["properties"]["a"] == {"type": ["string", "null"]}
    assert schema["properties"]["b"] == {"type": ["integer", "null"], "default": None}


def test_literal_becomes_an_enum_with_its_type():
    def f(kind: Literal["email", "sms", "push"]):
        pass

    assert schema_from_function(f)["properties"]["kind"] == {
        "type": "string",
        "enum": ["email", "sms", "push"],
    }


def test_enum_subclasses_become_an_enum_of_their_values():
    def f(colour: Colour = Colour.BLUE, level: Level = Level.LOW):
        pass

    properties = schema_from_function(f)["properties"]
    assert properties["colour"] == {"type": "string", "enum": ["red", "blue"], "default": "blue"}
    assert properties["level"] == {"type": "integer", "enum": [1, 2], "default": 1}


def test_nested_containers_describe_their_items():
    def f(matrix: list[list[int]], scores: dict[str, float], pair: tuple[int, str], many: tuple[str, ...]):
        pass

    properties = schema_from_function(f)["properties"]
    assert properties["matrix"] == {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}}
    assert properties["scores"] == {"type": "object", "additionalProperties": {"type": "number"}}
    assert properties["pair"] == {
        "type": "array",
        "prefixItems": [{"type": "integer"}, {"type": "string"}],
        "minItems": 2,
        "maxItems": 2,
    }
    assert properties["many"] == {"type": "array", "items": {"type": "string"}}


def test_bare_containers_and_any_and_unannotated_parameters_are_accepted():
    def f(items: list, mapping: dict, anything: Any, untyped):
        pass

    properties = schema_from_function(f)["properties"]
    assert properties == {
        "items": {"type": "array"},
        "mapping": {"type": "object"},
        "anything": {},
        "untyped": {},
    }


def test_a_union_of_types_becomes_any_of():
    def f(value: int | str):
        pass

    assert schema_from_function(f)["properties"]["value"] == {
        "anyOf": [{"type": "integer"}, {"type": "string"}]
    }


def test_annotated_text_describes_the_parameter():
    def f(city: Annotated[str, "City name, e.g. Madrid"]):
        pass

    assert schema_from_function(f)["properties"]["city"] == {
        "type": "string",
        "description": "City name, e.g. Madrid",
    }


def test_google_style_args_section_describes_parameters():
    def f(query: str, limit: int = 5):
        """Search things.

        Args:
            query: What to look for,
                over two lines.
            limit (int): How many results.

        Returns:
            The hits.
        """

    properties = schema_from_function(f)["properties"]
    assert properties["query"]["description"] == "What to look for, over two lines."
    assert properties["limit"]["description"] == "How many results."


def test_rest_style_params_describe_parameters():
    def f(query: str, limit: int):
        """Search things.

        :param query: What to look for.
        :param int limit: How many results.
        :returns: The hits.
        """

    properties = schema_from_function(f)["properties"]
    assert properties["query"]["description"] == "What to look for."
    assert properties["limit"]["description"] == "How many results."


def test_the_context_parameter_is_left_out_of_the_schema():
    def f(query: str, context: Any = None):
        pass

    assert list(schema_from_function(f)["properties"]) == ["query"]


def test_kwargs_allows_extra_properties():
    def f(query: str, **extra: Any):
        pass

    schema = schema_from_function(f)
    assert "additionalProperties" not in schema
    assert list(schema["properties"]) == ["query"]


def test_string_annotations_from_future_import_are_resolved():
    # This module uses `from __future__ import annotations`, so every annotation here is a string.
    def f(colour: Colour, when: list[int] | None = None):
        pass

    assert schema_from_function(f)["properties"]["colour"]["enum"] == ["red", "blue"]


def test_tool_bare_marks_the_function_and_returns_it_unchanged():
    def search(query: str) -> str:
        """Search the notes.

        Longer explanation that is not part of the description.
        """
        return query.upper()

    decorated = tool(search)

    assert decorated is search
    assert search("x") == "X"
    definition = tool_definition(search)
    assert definition == ToolDefinition(
        name="search",
        description="Search the notes.",
        parameters=schema_from_function(search),
        timeout=None,
        wants_context=False,
    )


def test_tool_with_arguments_overrides_name_description_and_timeout():
    @tool(name="find", description="Find things.", timeout=2)
    def search(query: str, context: Any = None):
        """Ignored."""

    definition = tool_definition(search)
    assert (definition.name, definition.description, definition.timeout) == ("find", "Find things.", 2.0)
    assert definition.wants_context is True


def test_the_definition_converts_to_an_openai_tool():
    @tool
    def ping():
        """Answer pong."""

    assert tool_definition(ping).to_openai() == {
        "type": "function",
        "function": {
            "name": "ping",
            "description": "Answer pong.",
            "parameters": {"type": "object", "properties": {}, "additionalProperties": False},
        },
    }


def test_an_undecorated_function_has_no_definition():
    def plain():
        pass

    assert tool_definition(plain) is None


def test_an_unsupported_annotation_fails_at_decoration_naming_function_and_parameter():
    with pytest.raises(TypeError, match=r"tool '.*schedule'.*parameter 'when'.*datetime"):

        @tool
        def schedule(title: str, when: datetime):
            pass


def test_an_unsupported_item_type_inside_a_list_is_reported_too():
    with pytest.raises(TypeError, match=r"parameter 'moments'"):

        @tool
        def schedule(moments: list[datetime]):
            pass


def test_dict_keys_must_be_strings():
    with pytest.raises(TypeError, match=r"parameter 'table'.*keys must be str"):

        @tool
        def lookup(table: dict[int, str]):
            pass


def test_an_unresolvable_string_annotation_is_a_clear_type_error():
    def f(x: NoSuchType):  # type: ignore[name-defined]  # noqa: F821
        pass

    with pytest.raises(TypeError, match=r"cannot resolve the annotation 'NoSuchType' of parameter 'x'"):
        schema_from_function(f)


def test_positional_only_and_var_positional_parameters_are_rejected():
    def f(a: int, /):
        pass

    def g(*values: int):
        pass

    with pytest.raises(TypeError, match="parameter 'a' cannot be passed by name"):
        schema_from_function(f)
    with pytest.raises(TypeError, match="parameter 'values' cannot be passed by name"):
        schema_from_function(g)


def test_an_invalid_tool_name_is_rejected():
    with pytest.raises(ValueError, match="invalid tool name"):

        @tool(name="has spaces")
        def f():
            pass


def test_a_non_positive_timeout_is_rejected():
    with pytest.raises(ValueError, match="timeout must be a positive number"):

        @tool(timeout=0)
        def f():
            pass


def test_keyword_arguments_fill_omitted_optionals_and_build_enum_members():
    def f(colour: Colour, note: str | None, level: Level | None = None):
        pass

    assert keyword_arguments(f, {"colour": "red"}) == {"colour": Colour.RED, "note": None}
    assert keyword_arguments(f, {"colour": "blue", "level": 2})["level"] is Level.HIGH


def test_importing_tui_chat_tool_is_cheap():
    code = (
        "import sys; from tui_chat import tool, ToolContext; "
        "heavy = [m for m in ('litellm', 'textual', 'jsonschema') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
