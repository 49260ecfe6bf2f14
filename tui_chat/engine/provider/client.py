"""ProviderClient: one streamed chat completion through litellm, with our own bounded retries.

Why this shape (measured with litellm 1.110.2, see docs/research notes on litellm):

* always streamed, with ``stream_options.include_usage`` so token usage arrives in a last chunk with
  ``choices: []``;
* ``max_retries=0`` because the OpenAI SDK otherwise retries twice, silently; litellm's ``num_retries``
  is never used (it needs an undeclared dependency and retries 401 and context-window errors);
* our retry loop retries only rate limits, 5xx, timeouts and connection failures, and only before any
  text or tool-call delta arrived (retrying later would show the user a reply twice);
* ``timeout`` is httpx's per-read timeout, i.e. an *inactivity* timeout on a stream. A deadline for a
  whole turn is the caller's job: ``run_turn`` bounds every wait with ``asyncio.timeout_at(deadline)``;
  cancelling the consuming task closes the HTTP connection (``aclose()`` in ``finally``);
* tool calls are reassembled by :class:`ToolCallAccumulator`, not ``stream_chunk_builder`` (which merges
  calls from providers that send every call with index 0).

Keys are read from the environment at request time and never logged, stored or put in ``request_params``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from tui_chat.config import ModelSettings
from tui_chat.engine.errors import MalformedResponse, MissingCredentials, ProviderError
from tui_chat.engine.models import ToolCall, Usage
from tui_chat.engine.provider.errors import API_BASE_HINT, KEY_ENV_BY_PROVIDER, map_provider_error
from tui_chat.engine.provider.json_calls import could_be_call, parse_content_calls
from tui_chat.engine.provider.litellm_import import import_litellm, is_imported
from tui_chat.engine.provider.tool_calls import ToolCallAccumulator
from tui_chat.i18n import _

MAX_RETRY_AFTER = 60.0
"""A Retry-After longer than this (seconds) is not waited for: the error is raised with its message."""

BACKOFF_BASE = 0.5
"""First backoff delay in seconds when the provider gives no Retry-After; doubles on each retry."""

PLACEHOLDER_KEY = "no-key"
"""Sent to OpenAI-compatible local servers (llama.cpp, vLLM, LM Studio) that need no key."""

OPENROUTER_VENDORS = frozenset(
    {
        "openai",
        "anthropic",
        "google",
        "deepseek",
        "cohere",
        "perplexity",
        "meta-llama",
        "mistralai",
        "x-ai",
        "qwen",
        "microsoft",
        "amazon",
        "nvidia",
    }
)
"""Prefixes that are OpenRouter vendor names (``openai/gpt-4o-mini``) rather than litellm routes."""

_FALLBACK_PROVIDERS = frozenset(
    {
        "openai",
        "anthropic",
        "openrouter",
        "ollama",
        "ollama_chat",
        "gemini",
        "vertex_ai",
        "groq",
        "mistral",
        "deepseek",
        "xai",
        "azure",
        "bedrock",
        "together_ai",
        "fireworks_ai",
        "hosted_vllm",
        "lm_studio",
        "llamafile",
        "huggingface",
        "cohere",
        "perplexity",
    }
)

_STREAM_CONTENT_TYPES = ("event-stream", "ndjson")


@dataclass(frozen=True)
class StreamText:
    """A piece of the reply's text, as it arrives."""

    text: str


@dataclass(frozen=True)
class StreamRetry:
    """Attempt ``attempt`` failed with a retryable ``error``; the next one starts after ``delay`` s."""

    attempt: int
    delay: float
    error: ProviderError


@dataclass(frozen=True)
class StreamResult:
    """The whole reply, always the last item of a successful stream.

    ``raw`` is the reassembled assistant message in OpenAI shape plus ``finish_reason``, ``usage`` and
    ``model`` (JSON-serialisable, for the inspector). ``first_token_ms`` counts from the start of the
    attempt that succeeded; ``duration_ms`` from the first attempt, retries and waits included.
    """

    content: str
    tool_calls: list[ToolCall]
    finish_reason: str | None
    usage: Usage | None
    model: str | None
    raw: dict[str, Any]
    first_token_ms: float | None
    duration_ms: float
    attempts: int


StreamEvent = StreamText | StreamRetry | StreamResult


@dataclass(frozen=True)
class Route:
    """Where a request goes: the litellm model string, base URL and key (the key is never shown)."""

    model: str
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    key_env: str = ""
    """The variable the key came from (or should come from), for error hints."""


@dataclass
class _Progress:
    """What one attempt has produced so far; once anything arrived we must not retry."""

    received: bool = False


def _known_providers() -> frozenset[str]:
    """litellm's provider names when it is loaded; a fixed list otherwise (keeps this import-free)."""
    module = sys.modules.get("litellm")
    providers = getattr(module, "provider_list", None)
    if not providers:
        return _FALLBACK_PROVIDERS
    return frozenset(str(getattr(provider, "value", provider)) for provider in providers)


def resolve_route(settings: ModelSettings, environ: dict[str, str] | None = None) -> Route:
    """Work out model string, base and key from the settings and the environment.

    * ``model.api_key_env`` names the variable holding the key (an unset one is an error);
    * the seed's ``OPENROUTER_BASE_URL`` (with ``OPENROUTER_API_KEY`` or ``OPENAI_API_KEY``) routes a model
      without a litellm provider prefix as ``openrouter/<model>``, when ``model.api_base`` is empty;
    * an ``openai/<name>`` model with a base URL and no key anywhere gets a placeholder key, so local
      OpenAI-compatible servers work;
    * otherwise litellm reads the provider's usual variables (``OPENAI_API_KEY``, ``OLLAMA_API_BASE`` …).
    """
    env = os.environ if environ is None else environ
    model = settings.name.strip()
    api_base = settings.api_base.strip() or None
    api_key: str | None = None
    key_env = settings.api_key_env.strip()
    prefix = model.split("/", 1)[0] if "/" in model else ""

    if key_env:
        api_key = env.get(key_env) or None
        if api_key is None:
            raise MissingCredentials(
                _("model.api_key_env names {env}, but {env} is not set.").format(env=key_env),
                hint=_("Set {env} in the environment, or change model.api_key_env in the config.").format(
                    env=key_env
                ),
            )

    openrouter_base = env.get("OPENROUTER_BASE_URL", "").strip()
    routed_by_prefix = prefix in _known_providers() and prefix not in OPENROUTER_VENDORS
    if openrouter_base and not api_base and (prefix == "openrouter" or not routed_by_prefix):
        if prefix != "openrouter":
            model = f"openrouter/{model}"
        api_base = openrouter_base
        if api_key is None:
            for name in ("OPENROUTER_API_KEY", "OPENAI_API_KEY"):
                if env.get(name):
                    api_key, key_env = env[name], name
                    break
            else:
                key_env = "OPENROUTER_API_KEY"
        return Route(model, api_base, api_key, key_env)

    if api_key is None and prefix == "openai":
        base = api_base or env.get("OPENAI_API_BASE") or env.get("OPENAI_BASE_URL")
        if base and not env.get("OPENAI_API_KEY"):
            api_key = PLACEHOLDER_KEY
    return Route(model, api_base, api_key, key_env)


_BARE_MODEL_PROVIDERS = (
    ("gpt-", "openai"),
    ("o1", "openai"),
    ("o3", "openai"),
    ("o4", "openai"),
    ("claude", "anthropic"),
)


def missing_credentials(
    settings: ModelSettings, environ: dict[str, str] | None = None
) -> MissingCredentials | None:
    """The problem when the configured model obviously has no key, found without importing litellm.

    Lets the UI say how to configure a model before the first message fails. ``None`` means "looks
    configured" (or cannot be told without asking the provider: local servers, unknown prefixes).
    """
    env = os.environ if environ is None else environ
    try:
        route = resolve_route(settings, env)
    except MissingCredentials as problem:
        return problem
    if route.api_key or route.api_base:
        return None
    prefix = route.model.split("/", 1)[0] if "/" in route.model else ""
    if not prefix:
        prefix = next((p for start, p in _BARE_MODEL_PROVIDERS if route.model.startswith(start)), "")
    key_env = KEY_ENV_BY_PROVIDER.get(prefix)
    if key_env is None or env.get(key_env):
        return None
    return MissingCredentials(
        _("No API key for {model}: {env} is not set.").format(model=settings.name, env=key_env),
        hint=_(
            "Set {env} in the environment (or name another variable in [model] api_key_env), "
            "or choose a local model such as 'ollama_chat/llama3.1' or 'openai/<name>' with [model] api_base."
        ).format(env=key_env),
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


class ProviderClient:
    """Streams completions for one model configuration. Holds no connection: keep it or make one per turn."""

    def __init__(
        self, settings: ModelSettings, *, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep

    def request_params(self) -> dict[str, Any]:
        """The parameters as sent (model string after routing, base, sampling, timeout); never the key."""
        try:
            route = resolve_route(self.settings)
        except MissingCredentials:
            route = Route(self.settings.name, self.settings.api_base or None)
        params: dict[str, Any] = {
            "model": route.model,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "timeout": self.settings.timeout,
            "stream": True,
        }
        if route.api_base:
            params["api_base"] = route.api_base
        return params

    async def context_window(self) -> int | None:
        """The model's context window in tokens: ``[model] context_window``, else litellm's model map.

        Only called on the way to a request, which imports litellm anyway; ``None`` when not known.
        """
        if self.settings.context_window > 0:
            return self.settings.context_window
        litellm = import_litellm() if is_imported() else await asyncio.to_thread(import_litellm)
        try:
            route = resolve_route(self.settings)
            info = litellm.get_model_info(route.model)
        except Exception:  # unknown model, or a route that needs a key: no window known
            return None
        window = info.get("max_input_tokens") or info.get("max_tokens")
        return int(window) if isinstance(window, int | float) and window > 0 else None

    async def stream_completion(
        self,
        messages: list[dict[str, Any]],
        tools: list[dict[str, Any]] | None,
        *,
        tool_choice: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Yield :class:`StreamText` pieces (and :class:`StreamRetry` notices), then a :class:`StreamResult`.

        ``tool_choice`` overrides ``[model] tool_choice`` for this request (the turn loop asks for
        ``auto`` after a ``required`` first round, so the model can answer with the results).

        Raises a :class:`ProviderError` subclass when the request fails for good.
        """
        started = time.monotonic()
        litellm = import_litellm() if is_imported() else await asyncio.to_thread(import_litellm)
        route = resolve_route(self.settings)
        kwargs: dict[str, Any] = {
            "model": route.model,
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
            "timeout": self.settings.timeout,
            "max_retries": 0,
        }
        if route.api_base:
            kwargs["api_base"] = route.api_base
        if route.api_key:
            kwargs["api_key"] = route.api_key
        if tools:
            kwargs["tools"] = tools
            kwargs["tool_choice"] = tool_choice or self.settings.tool_choice

        attempt = 0
        while True:
            attempt += 1
            progress = _Progress()
            try:
                async with contextlib.aclosing(
                    self._attempt(litellm, kwargs, route, progress, started, attempt)
                ) as events:
                    async for event in events:
                        yield event
                return
            except ProviderError as error:
                delay = self._retry_delay(error, attempt, progress)
                if delay is None:
                    raise
                yield StreamRetry(attempt, delay, error)
                await self._sleep(delay)

    def _retry_delay(self, error: ProviderError, attempt: int, progress: _Progress) -> float | None:
        """Seconds to wait before the next attempt, or None when we must not retry."""
        if not error.retryable or progress.received or attempt > self.settings.max_retries:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= MAX_RETRY_AFTER else None
        return BACKOFF_BASE * 2 ** (attempt - 1)

    async def _attempt(
        self,
        litellm: Any,
        kwargs: dict[str, Any],
        route: Route,
        progress: _Progress,
        started: float,
        attempt: int,
    ) -> AsyncIterator[StreamEvent]:
        attempt_started = time.monotonic()
        accumulator = ToolCallAccumulator()
        parts: list[str] = []
        finish_reason: str | None = None
        usage: dict[str, int] | None = None
        model: str | None = None
        first_token_ms: float | None = None
        legacy_call: dict[str, str] | None = None
        offered = _offered_names(kwargs) if self.settings.tool_call_format == "json-in-content" else set()
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
            usage_record = Usage(
                usage["prompt_tokens"], usage["completion_tokens"], _cost(litellm, route, usage)
            )
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
