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
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from tui_chat.config import ModelSettings
from tui_chat.engine.errors import ProviderError
from tui_chat.engine.provider.attempt import Progress, stream_attempt
from tui_chat.engine.provider.litellm_import import import_litellm, is_imported
from tui_chat.engine.provider.request import completion_kwargs, request_params, resolve_route
from tui_chat.engine.provider.stream_events import StreamEvent, StreamRetry

MAX_RETRY_AFTER = 60.0
"""A Retry-After longer than this (seconds) is not waited for: the error is raised with its message."""

BACKOFF_BASE = 0.5
"""First backoff delay in seconds when the provider gives no Retry-After; doubles on each retry."""


class ProviderClient:
    """Streams completions for one model configuration. Holds no connection: keep it or make one per turn."""

    def __init__(
        self, settings: ModelSettings, *, sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep

    def request_params(self) -> dict[str, Any]:
        """The parameters as sent (model string after routing, base, sampling, timeout); never the key."""
        return request_params(self.settings)

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
        kwargs = completion_kwargs(self.settings, route, messages, tools, tool_choice)

        attempt = 0
        while True:
            attempt += 1
            progress = Progress()
            try:
                async with contextlib.aclosing(
                    stream_attempt(
                        litellm,
                        kwargs,
                        route,
                        progress,
                        started,
                        attempt,
                        tool_call_format=self.settings.tool_call_format,
                    )
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

    def _retry_delay(self, error: ProviderError, attempt: int, progress: Progress) -> float | None:
        """Seconds to wait before the next attempt, or None when we must not retry."""
        if not error.retryable or progress.received or attempt > self.settings.max_retries:
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= MAX_RETRY_AFTER else None
        return BACKOFF_BASE * 2 ** (attempt - 1)
