"""One attempt of a streamed completion: the chunks read into text pieces and a :class:`StreamResult`.

Apart from the retry loop (:mod:`.client`): this is what one HTTP stream becomes — usage, tool-call
deltas, legacy ``function_call``, JSON tool calls written in the text, a reply that is not a stream.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from tui_chat.engine.errors import MalformedResponse, ProviderError
from tui_chat.engine.models import Usage
from tui_chat.engine.provider.errors import API_BASE_HINT, map_provider_error
from tui_chat.engine.provider.json_calls import could_be_call, parse_content_calls
from tui_chat.engine.provider.request import Route
from tui_chat.engine.provider.stream_events import StreamEvent, StreamResult, StreamText
from tui_chat.engine.provider.tool_calls import ToolCallAccumulator
from tui_chat.i18n import _

_STREAM_CONTENT_TYPES = ("event-stream", "ndjson")


@dataclass
class Progress:
    """What one attempt has produced so far; once anything arrived we must not retry."""

    received: bool = False


async def stream_attempt(
    litellm: Any,
    kwargs: dict[str, Any],
    route: Route,
    progress: Progress,
    started: float,
    attempt: int,
    *,
    tool_call_format: str,
) -> AsyncIterator[StreamEvent]:
    """Yield the text of attempt number ``attempt`` as it arrives, then its :class:`StreamResult`.

    ``started``: when the first attempt began (for ``duration_ms``). Raises a :class:`ProviderError`.
    """
    attempt_started = time.monotonic()
    accumulator = ToolCallAccumulator()
    parts: list[str] = []
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    model: str | None = None
    first_token_ms: float | None = None
    legacy_call: dict[str, str] | None = None
    offered = _offered_names(kwargs) if tool_call_format == "json-in-content" else set()
    held: list[str] | None = [] if offered else None
    """Text held back while the reply may still be only a JSON tool call (json-in-content)."""

    stream: Any = None
    try:
        stream = await litellm.acompletion(**kwargs)
        async for chunk in stream:
            model = getattr(chunk, "model", None) or model
            usage = _usage_from(getattr(chunk, "usage", None)) or usage
            choices = getattr(chunk, "choices", None)
            if not choices:
                continue  # the include_usage chunk has choices: []
            choice = choices[0]
            finish_reason = getattr(choice, "finish_reason", None) or finish_reason
            delta = getattr(choice, "delta", None)
            if delta is None:
                continue
            text = getattr(delta, "content", None)
            has_call = bool(getattr(delta, "tool_calls", None) or getattr(delta, "function_call", None))
            if has_call:
                accumulator.feed(delta)
                legacy_call = _merge_legacy(legacy_call, getattr(delta, "function_call", None))
            if text or has_call:
                progress.received = True
                if first_token_ms is None:
                    first_token_ms = (time.monotonic() - attempt_started) * 1000
            if text:
                parts.append(text)
                if held is None:
                    yield StreamText(text)
                elif could_be_call("".join(parts)):
                    held.append(text)
                else:
                    yield StreamText("".join([*held, text]))
                    held = None
        if not parts and not accumulator and not _is_stream_response(stream):
            raise MalformedResponse(
                _("The server answered with something that is not a stream of events."),
                hint=_(API_BASE_HINT),
                detail=f"content-type: {_content_type(stream)}",
            )
    except Exception as exc:
        failure = (
            exc
            if isinstance(exc, ProviderError)
            else map_provider_error(
                exc, model=route.model, api_base=route.api_base or "", api_key_env=route.key_env
            )
        )
        if held:  # the reply broke off while held back: what arrived is still the user's to see
            yield StreamText("".join(held))
        if failure is exc:
            raise
        raise failure from exc
    finally:
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.aclose()

    content = "".join(parts)
    tool_calls = accumulator.result()
    raw: dict[str, Any] = {"role": "assistant", "content": content or None}
    written = parse_content_calls(content, offered) if offered and not tool_calls else None
    if written is not None:
        # The reply as sent stays in ``raw``; the message keeps only the text around the calls.
        raw["tool_call_format"] = "json-in-content"
        content, tool_calls = written.text, written.calls
    if held:
        shown = content if written is not None else "".join(held)
        if shown:
            yield StreamText(shown)
    if tool_calls:
        raw["tool_calls"] = [call.to_openai() for call in tool_calls]
    if legacy_call is not None:
        raw["function_call"] = legacy_call
    raw["finish_reason"] = finish_reason
    if written is not None:
        finish_reason = "tool_calls"
    if finish_reason == "function_call" and tool_calls:
        finish_reason = "tool_calls"  # the legacy reply is handled exactly like a tool call
    usage_record: Usage | None = None
    if usage is not None:
        usage_record = Usage(usage["prompt_tokens"], usage["completion_tokens"], _cost(litellm, route, usage))
        raw["usage"] = usage_record.to_dict()
    raw["model"] = model
    yield StreamResult(
        content=content,
        tool_calls=tool_calls,
        finish_reason=finish_reason,
        usage=usage_record,
        model=model,
        raw=raw,
        first_token_ms=first_token_ms,
        duration_ms=(time.monotonic() - started) * 1000,
        attempts=attempt,
    )


def _usage_from(raw_usage: Any) -> dict[str, int] | None:
    if raw_usage is None:
        return None
    prompt = getattr(raw_usage, "prompt_tokens", None)
    completion = getattr(raw_usage, "completion_tokens", None)
    if isinstance(raw_usage, dict):
        prompt, completion = raw_usage.get("prompt_tokens"), raw_usage.get("completion_tokens")
    if prompt is None and completion is None:
        return None
    return {"prompt_tokens": int(prompt or 0), "completion_tokens": int(completion or 0)}


def _offered_names(kwargs: dict[str, Any]) -> set[str]:
    """The names of the tools a request offers (none when tool_choice is "none")."""
    if kwargs.get("tool_choice") == "none":
        return set()
    return {
        str(tool.get("function", {}).get("name"))
        for tool in kwargs.get("tools") or []
        if isinstance(tool, dict) and isinstance(tool.get("function"), dict)
    }


def _merge_legacy(current: dict[str, str] | None, function_call: Any) -> dict[str, str] | None:
    """Keep the legacy ``function_call`` as sent, for the inspector's raw reply."""
    if function_call is None:
        return current
    merged = current or {"name": "", "arguments": ""}
    name = getattr(function_call, "name", None)
    arguments = getattr(function_call, "arguments", None)
    if name and not merged["name"]:
        merged["name"] = name
    if arguments:
        merged["arguments"] += arguments
    return merged


def _content_type(stream: Any) -> str:
    hidden = getattr(stream, "_hidden_params", None) or {}
    headers = hidden.get("additional_headers") or {} if isinstance(hidden, dict) else {}
    return str(headers.get("llm_provider-content-type", ""))


def _is_stream_response(stream: Any) -> bool:
    """False when the server plainly did not stream (e.g. a 200 HTML page): litellm then yields nothing."""
    content_type = _content_type(stream)
    return not content_type or any(kind in content_type for kind in _STREAM_CONTENT_TYPES)


def _cost(litellm: Any, route: Route, usage: dict[str, int]) -> float | None:
    """The cost in USD when litellm's bundled price map knows the model; never raises, never downloads."""
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=route.model,
            prompt_tokens=usage["prompt_tokens"],
            completion_tokens=usage["completion_tokens"],
        )
    except Exception:
        return None
    return float(prompt_cost) + float(completion_cost)
