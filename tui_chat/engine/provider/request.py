"""What one completion request is: where it goes (model string, base URL, key) and the parameters sent.

Apart from the streaming loop so routing can be asked about without a request (the settings screen's
"no key" problem, ``request_params`` for the inspector) and without importing litellm. Keys are read from
the environment at request time and never logged, stored or put in ``request_params``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

from tui_chat.config import ModelSettings
from tui_chat.engine.errors import MissingCredentials
from tui_chat.engine.provider.errors import KEY_ENV_BY_PROVIDER
from tui_chat.i18n import _

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


@dataclass(frozen=True)
class Route:
    """Where a request goes: the litellm model string, base URL and key (the key is never shown)."""

    model: str
    api_base: str | None = None
    api_key: str | None = field(default=None, repr=False)
    key_env: str = ""
    """The variable the key came from (or should come from), for error hints."""


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


def request_params(settings: ModelSettings) -> dict[str, Any]:
    """The parameters as sent (model string after routing, base, sampling, timeout); never the key."""
    try:
        route = resolve_route(settings)
    except MissingCredentials:
        route = Route(settings.name, settings.api_base or None)
    params: dict[str, Any] = {
        "model": route.model,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "timeout": settings.timeout,
        "stream": True,
    }
    if route.api_base:
        params["api_base"] = route.api_base
    return params


def completion_kwargs(
    settings: ModelSettings,
    route: Route,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    tool_choice: str | None,
) -> dict[str, Any]:
    """``litellm.acompletion``'s arguments: always streamed with usage, the SDK's own retries off."""
    kwargs: dict[str, Any] = {
        "model": route.model,
        "messages": messages,
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "timeout": settings.timeout,
        "max_retries": 0,
    }
    if route.api_base:
        kwargs["api_base"] = route.api_base
    if route.api_key:
        kwargs["api_key"] = route.api_key
    if tools:
        kwargs["tools"] = tools
        kwargs["tool_choice"] = tool_choice or settings.tool_choice
    return kwargs
