"""Reassemble streamed tool calls from their deltas, whatever the provider's quirks.

OpenAI sends each call as a first delta with ``index``, ``id`` and ``function.name`` followed by
argument fragments carrying only ``index``. Providers differ, and ``litellm.stream_chunk_builder``
merges calls into invalid JSON for some of them, so we do it ourselves:

* every call with ``index`` 0 but its own id (ollama_chat, some Groq models): a new id starts a new call;
* no ``index`` at all (old Ollama): fragments go to the latest call, a new id starts a new one;
* the id repeated on every delta (LiteLLM proxy): a known id continues its call;
* a second name on a call that already has one (no ids at all): a new call, never ``name +=``;
* a duplicated "summary" fragment that repeats the complete arguments (LiteLLM proxy): ignored;
* the legacy ``function_call`` delta (name, then argument fragments): one call with a made-up id.

Deltas may be litellm/openai objects or plain dicts. Pure: no litellm import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.models import ToolCall


def _get(obj: Any, key: str) -> Any:
    """Read ``key`` from a dict or an attribute of an object (None when absent)."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@dataclass
class _PartialCall:
    id: str
    name: str
    arguments: str
    index: int | None
    legacy: bool = False

    def add_arguments(self, fragment: str) -> None:
        if not fragment:
            return
        # Only a fragment at least as long as what we have can repeat it (keeps this linear).
        if self.arguments and len(fragment) >= len(self.arguments) and self._repeats_whole(fragment):
            return
        self.arguments += fragment

    def _repeats_whole(self, fragment: str) -> bool:
        """Whether ``fragment`` is the complete arguments again (raw or JSON-string encoded)."""
        if not _is_json(self.arguments):
            return False
        if fragment == self.arguments:
            return True
        try:
            decoded = json.loads(fragment)
        except ValueError:
            return False
        return isinstance(decoded, str) and decoded == self.arguments


class ToolCallAccumulator:
    """Feed it every streamed ``delta``; :meth:`result` gives the calls, in the order they started."""

    def __init__(self) -> None:
        self._calls: list[_PartialCall] = []
        self._legacy: _PartialCall | None = None

    def feed(self, delta: Any) -> None:
        """Take one ``choices[0].delta`` (object or dict); content and other fields are ignored."""
        for fragment in _get(delta, "tool_calls") or []:
            self._feed_tool_call(fragment)
        function_call = _get(delta, "function_call")
        if function_call is not None:
            self._feed_legacy(function_call)

    def __bool__(self) -> bool:
        return bool(self._calls)

    def __len__(self) -> int:
        return len(self._calls)

    def result(self) -> list[ToolCall]:
        """The calls so far. A call the provider gave no id gets ``call_<n>`` (n counts from 1)."""
        taken = {call.id for call in self._calls if call.id}
        calls: list[ToolCall] = []
        for position, call in enumerate(self._calls, start=1):
            call_id = call.id
            if not call_id:
                call_id = f"call_{position}"
                while call_id in taken:
                    call_id += "_"
                taken.add(call_id)
            calls.append(ToolCall(id=call_id, name=call.name, arguments=call.arguments))
        return calls

    # -- internals

    def _start(self, call_id: str, index: int | None, *, legacy: bool = False) -> _PartialCall:
        call = _PartialCall(id=call_id, name="", arguments="", index=index, legacy=legacy)
        self._calls.append(call)
        return call

    def _latest(self, index: int | None) -> _PartialCall | None:
        """The most recent tool call at ``index`` (any index when None); legacy calls excluded."""
        for call in reversed(self._calls):
            if call.legacy:
                continue
            if index is None or call.index == index:
                return call
        return None

    def _feed_tool_call(self, fragment: Any) -> None:
        raw_index = _get(fragment, "index")
        index = raw_index if isinstance(raw_index, int) else None
        call_id = _get(fragment, "id") or ""
        function = _get(fragment, "function")
        name = _get(function, "name") or ""
        arguments = _get(function, "arguments") or ""

        target: _PartialCall | None = None
        if call_id:
            target = next((call for call in self._calls if call.id == call_id), None)
            if target is None:
                latest = self._latest(index)
                if latest is not None and not latest.id and not latest.arguments:
                    latest.id = call_id  # the id came after the first delta of this call
                    target = latest
                else:
                    target = self._start(call_id, index)
        else:
            target = self._latest(index)
            if target is None or (name and target.name and name != target.name):
                target = self._start("", index)
        if name and not target.name:
            target.name = name
        target.add_arguments(arguments if isinstance(arguments, str) else json.dumps(arguments))

    def _feed_legacy(self, function_call: Any) -> None:
        name = _get(function_call, "name") or ""
        arguments = _get(function_call, "arguments") or ""
        if not name and not arguments:
            return
        if self._legacy is None or (name and self._legacy.name and name != self._legacy.name):
            self._legacy = self._start("", None, legacy=True)
        if name and not self._legacy.name:
            self._legacy.name = name
        self._legacy.add_arguments(arguments if isinstance(arguments, str) else json.dumps(arguments))
