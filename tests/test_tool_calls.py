"""ToolCallAccumulator against the delta shapes real providers send (plain dicts, no litellm)."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from scripted_server import tool_calls

from tui_chat.engine.models import ToolCall
from tui_chat.engine.provider.tool_calls import ToolCallAccumulator

CALLS = [("get_weather", '{"city": "Madrid", "unit": "c"}'), ("get_time", '{"tz": "Europe/Madrid"}')]


def feed_all(deltas: list[dict[str, Any]]) -> list[ToolCall]:
    accumulator = ToolCallAccumulator()
    for delta in deltas:
        accumulator.feed(delta)
    return accumulator.result()


def scripted_deltas(style: str, **kwargs: Any) -> list[dict[str, Any]]:
    """The deltas the scripted server would stream for ``CALLS`` in ``style``."""
    return list(tool_calls(CALLS, style=style, **kwargs).deltas)


EXPECTED = [
    ToolCall("call_001", "get_weather", '{"city": "Madrid", "unit": "c"}'),
    ToolCall("call_002", "get_time", '{"tz": "Europe/Madrid"}'),
]


def test_sequential_parallel_calls() -> None:
    assert feed_all(scripted_deltas("sequential")) == EXPECTED


def test_interleaved_fragments() -> None:
    deltas = scripted_deltas("interleaved", fragment_size=3)
    indexes = [delta["tool_calls"][0]["index"] for delta in deltas if "tool_calls" in delta]
    assert indexes[:4] == [0, 1, 0, 1]  # the fixture really interleaves
    assert feed_all(deltas) == EXPECTED


def test_every_call_at_index_zero_with_different_ids() -> None:
    calls = feed_all(scripted_deltas("same_index"))
    assert calls == EXPECTED
    assert all(json.loads(call.arguments) for call in calls)


def test_deltas_without_index() -> None:
    deltas = scripted_deltas("no_index")
    assert all("index" not in delta["tool_calls"][0] for delta in deltas if "tool_calls" in delta)
    assert feed_all(deltas) == EXPECTED


def test_id_repeated_on_every_delta() -> None:
    assert feed_all(scripted_deltas("repeated_id")) == EXPECTED


def test_name_repeated_is_not_concatenated() -> None:
    deltas = [
        {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "lookup", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "id": "a", "function": {"name": "lookup", "arguments": '{"q": 1}'}}]},
    ]
    assert feed_all(deltas) == [ToolCall("a", "lookup", '{"q": 1}')]


def test_no_ids_and_no_index_split_on_a_new_name() -> None:
    deltas = [
        {"tool_calls": [{"function": {"name": "first", "arguments": '{"a": 1}'}}]},
        {"tool_calls": [{"function": {"name": "second", "arguments": '{"b":'}}]},
        {"tool_calls": [{"function": {"arguments": " 2}"}}]},
    ]
    assert feed_all(deltas) == [
        ToolCall("call_1", "first", '{"a": 1}'),
        ToolCall("call_2", "second", '{"b": 2}'),
    ]


def test_duplicate_summary_fragment_from_a_proxy_is_ignored() -> None:
    deltas = [
        {"tool_calls": [{"index": 0, "id": "c1", "function": {"name": "f", "arguments": '{"x":'}}]},
        {"tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": " 1}"}}]},
        {"tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": json.dumps('{"x": 1}')}}]},
        {"tool_calls": [{"index": 0, "id": "c1", "function": {"arguments": '{"x": 1}'}}]},
    ]
    assert feed_all(deltas) == [ToolCall("c1", "f", '{"x": 1}')]


def test_id_arriving_after_the_first_delta_is_kept() -> None:
    deltas = [
        {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": ""}}]},
        {"tool_calls": [{"index": 0, "id": "late", "function": {"arguments": "{}"}}]},
    ]
    assert feed_all(deltas) == [ToolCall("late", "f", "{}")]


def test_legacy_function_call_gets_a_synthetic_id() -> None:
    deltas = [
        {"role": "assistant", "function_call": {"name": "search", "arguments": ""}},
        {"function_call": {"arguments": '{"q": '}},
        {"function_call": {"arguments": '"tui"}'}},
    ]
    assert feed_all(deltas) == [ToolCall("call_1", "search", '{"q": "tui"}')]


def test_synthetic_ids_do_not_clash_with_provider_ids() -> None:
    deltas = [
        {"tool_calls": [{"index": 0, "id": "call_2", "function": {"name": "a", "arguments": "{}"}}]},
        {"tool_calls": [{"index": 1, "function": {"name": "b", "arguments": "{}"}}]},
    ]
    calls = feed_all(deltas)
    assert [call.name for call in calls] == ["a", "b"]
    assert len({call.id for call in calls}) == 2


def test_object_deltas_like_litellm_sends() -> None:
    def fragment(index: int, call_id: str | None, name: str | None, arguments: str) -> SimpleNamespace:
        function = SimpleNamespace(name=name, arguments=arguments)
        return SimpleNamespace(index=index, id=call_id, type="function", function=function)

    deltas = [
        SimpleNamespace(content=None, tool_calls=[fragment(0, "x1", "f", "")], function_call=None),
        SimpleNamespace(content=None, tool_calls=[fragment(0, None, None, '{"k": ')], function_call=None),
        SimpleNamespace(content=None, tool_calls=[fragment(0, None, None, "true}")], function_call=None),
        SimpleNamespace(content="ignored text", tool_calls=None, function_call=None),
    ]
    accumulator = ToolCallAccumulator()
    for delta in deltas:
        accumulator.feed(delta)
    assert accumulator.result() == [ToolCall("x1", "f", '{"k": true}')]
    assert len(accumulator) == 1


def test_content_only_deltas_make_no_calls() -> None:
    accumulator = ToolCallAccumulator()
    accumulator.feed({"content": "hello", "tool_calls": None})
    accumulator.feed({"content": " world"})
    assert not accumulator
    assert accumulator.result() == []
