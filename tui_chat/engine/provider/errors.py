"""Exceptions → engine errors a person can act on: each failure kind's message and hint, in one place.

What a failure is: :mod:`.failure_kinds`; the figures a server gave for an overflow: :mod:`.overflow_numbers`.
"""

from __future__ import annotations

import re

from tui_chat.engine.errors import (
    AuthenticationFailed,
    BadRequest,
    ConnectionFailed,
    ContextWindowExceeded,
    MalformedResponse,
    MissingCredentials,
    ProviderError,
    ProviderOverloaded,
    ProviderTimeout,
    RateLimited,
    join_sentences,
)
from tui_chat.engine.provider.exception_facts import (
    class_names,
    detail_of,
    headers_of,
    parse_retry_after,
    provider_text,
    status_of,
)
from tui_chat.engine.provider.failure_kinds import (
    AUTH_STATUSES,
    BAD_REQUEST_STATUSES,
    OVERLOADED_STATUSES,
    TIMEOUT_CLASSES,
    connection_failure,
    is_context_window,
    is_json_failure,
    is_missing_key,
    request_url,
    server_of,
)
from tui_chat.engine.provider.overflow_numbers import context_numbers, context_numbers_text
from tui_chat.i18n import N_, _

KEY_ENV_BY_PROVIDER: dict[str, str] = {
    "openai": "OPENAI_API_KEY",
    "text-completion-openai": "OPENAI_API_KEY",
    "azure": "AZURE_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "groq": "GROQ_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
    "xai": "XAI_API_KEY",
    "cohere": "COHERE_API_KEY",
    "cohere_chat": "COHERE_API_KEY",
    "together_ai": "TOGETHERAI_API_KEY",
    "fireworks_ai": "FIREWORKS_AI_API_KEY",
    "perplexity": "PERPLEXITYAI_API_KEY",
}
"""The environment variable litellm reads a provider's key from (for hints)."""

_MODEL_HINT = N_(
    "Use a model string litellm understands, with a provider prefix: e.g. 'gpt-4o-mini', "
    "'anthropic/claude-sonnet-4-5', 'openrouter/<vendor>/<model>', 'ollama_chat/llama3.1', or "
    "'openai/<name>' with model.api_base for an OpenAI-compatible server (llama.cpp, vLLM, LM Studio)."
)
_RETRY_LATER = N_("Wait a moment and try again.")
API_BASE_HINT = N_("Check model.api_base points at an OpenAI-compatible API (usually ending in /v1).")


def _key_env(exc: BaseException, model: str, api_key_env: str) -> str:
    if api_key_env:
        return api_key_env
    provider = str(getattr(exc, "llm_provider", "") or "")
    if not provider and "/" in model:
        provider = model.split("/", 1)[0]
    if provider in KEY_ENV_BY_PROVIDER:
        return KEY_ENV_BY_PROVIDER[provider]
    named = re.search(r"\b([A-Z][A-Z0-9]*_API_KEY)\b", str(exc))
    if named:
        return named.group(1)
    return f"{provider.upper()}_API_KEY" if provider else "OPENAI_API_KEY"


SERVER_CONTEXT_HINT = N_(
    "Or give the server a larger context: llama.cpp --ctx-size (-c), Ollama num_ctx, vLLM --max-model-len."
)


def _about(model: str, with_model: str, without_model: str, **values: object) -> str:
    """One of two whole sentences (marked with ``N_``), translated: naming ``model``, or "the model"."""
    if model:
        return _(with_model).format(model=model, **values)
    return _(without_model).format(**values)


def explain_context_overflow(
    error: ContextWindowExceeded, *, model: str, alone: bool, local: bool, configured_window: int = 0
) -> ContextWindowExceeded:
    """The overflow told apart: the message alone too long, or the history; with the server's numbers.

    ``alone``: the request held only the current turn (or that turn alone exceeds the window);
    ``local``: the model is served from ``api_base`` (llama.cpp, Ollama, vLLM), whose context is a setting;
    ``configured_window``: ``[model] context_window``, when the history was already cut to it.
    """
    numbers = context_numbers_text(error.prompt_tokens, error.context_tokens)
    if alone:
        message = _about(
            model,
            N_("This message alone is too long for the context window of '{model}'."),
            N_("This message alone is too long for the model's context window."),
        )
        hint = _("Shorten the message or split it.")
    else:
        message = _about(
            model,
            N_("The history is too long for the context window of '{model}'."),
            N_("The history is too long for the model's context window."),
        )
        window = error.context_tokens or "N"
        if configured_window and (not error.context_tokens or configured_window <= error.context_tokens):
            # The budget was applied: the 4-characters-a-token estimate was too low for this text.
            smaller = int(configured_window * 0.75)
            hint = _(
                "tui-chat's estimate of the history's size was too low for this text: set [model] "
                "context_window lower (e.g. {smaller}) so fewer messages are sent, or start a new session."
            ).format(smaller=smaller)
        else:
            hint = _(
                "Set [model] context_window = {window} in the config so tui-chat sends only the newest "
                "messages that fit, or start a new session."
            ).format(window=window)
    explained = ContextWindowExceeded(
        join_sentences(message, numbers),
        hint=join_sentences(hint, _(SERVER_CONTEXT_HINT)) if local else hint,
        detail=error.detail,
    )
    explained.prompt_tokens, explained.context_tokens = error.prompt_tokens, error.context_tokens
    return explained


# --- the mapping ---------------------------------------------------------------------------------------


def map_provider_error(
    exc: BaseException, *, model: str = "", api_base: str = "", api_key_env: str = ""
) -> ProviderError:
    """The engine error for ``exc``. ``model``, ``api_base`` and ``api_key_env`` only improve the hints.

    Never raises; an exception it does not recognise becomes a plain :class:`ProviderError`.
    """
    if isinstance(exc, ProviderError):
        return exc
    detail = detail_of(exc)
    status = status_of(exc)
    names = class_names(exc)
    model = model or str(getattr(exc, "model", "") or "")

    if isinstance(exc, TimeoutError) or names & TIMEOUT_CLASSES:  # asyncio.TimeoutError too
        return ProviderTimeout(
            _about(model, N_("No answer from '{model}' in time."), N_("No answer from the model in time.")),
            hint=_("The server may be busy or the model slow to load; try again, or raise model.timeout."),
            detail=detail,
        )
    if is_context_window(exc):
        prompt_tokens, context_tokens = context_numbers(exc)
        sentence = _about(
            model,
            N_("The request is too long for the context window of '{model}'."),
            N_("The request is too long for the model's context window."),
        )
        error = ContextWindowExceeded(
            join_sentences(sentence, context_numbers_text(prompt_tokens, context_tokens)),
            hint=_("Start a new session, or set [model] context_window so the history is cut to fit."),
            detail=detail,
        )
        error.prompt_tokens, error.context_tokens = prompt_tokens, context_tokens
        return error
    if is_missing_key(exc):
        env = _key_env(exc, model, api_key_env)
        return MissingCredentials(
            _about(model, N_("No API key for '{model}'."), N_("No API key for the model.")),
            hint=_(
                "Set {env} in the environment, or set model.api_key_env to the name of the variable "
                "holding the key. For a local server set model.api_base and use an 'openai/<name>' model."
            ).format(env=env),
            detail=detail,
        )
    if status in AUTH_STATUSES or names & {"AuthenticationError", "PermissionDeniedError"}:
        env = _key_env(exc, model, api_key_env)
        if status == 403 or "PermissionDeniedError" in names:
            said = _("The API key is not allowed to use the provider (HTTP {status}): {text}")
        else:
            said = _("The API key was rejected by the provider (HTTP {status}): {text}")
        return AuthenticationFailed(
            said.format(status=status or 401, text=provider_text(exc)),
            hint=_("Check the key in {env} (or the variable named by model.api_key_env).").format(env=env),
            detail=detail,
        )
    if status == 429 or "RateLimitError" in names:
        retry_after = parse_retry_after(headers_of(exc))
        if retry_after is not None:
            said = _("Rate limited by the provider (HTTP 429). It asks to wait {seconds} s.").format(
                seconds=f"{retry_after:.0f}"
            )
        else:
            said = _("Rate limited by the provider (HTTP 429).")
        return RateLimited(
            said,
            hint=_("Wait a moment and try again. If it keeps happening, check your plan's limits or quota."),
            detail=detail,
            retry_after=retry_after,
        )
    if is_json_failure(exc):
        return MalformedResponse(
            _("The server's reply could not be read (it is not valid JSON / server-sent events)."),
            hint=_(API_BASE_HINT),
            detail=detail,
        )
    failure = connection_failure(exc)
    if failure is not None:
        url = request_url(exc, api_base)
        server, host = server_of(url) if url else ("", "")
        if failure == "dns":
            said = _("No such host: {host}.").format(host=host) if host else _("No such host.")
            return ConnectionFailed(
                said,
                hint=_("Check model.api_base (or the provider's *_API_BASE variable) and your network."),
                detail=detail,
            )
        if failure == "dropped":
            if server:
                said = _("The connection to {server} was closed in the middle of the reply.").format(
                    server=server
                )
            else:
                said = _("The connection to the server was closed in the middle of the reply.")
            return ConnectionFailed(said, hint=_(_RETRY_LATER), detail=detail)
        if server:
            said = _("Cannot connect to {server} — is the server running?").format(server=server)
        else:
            said = _("Cannot connect to the server — is it running?")
        return ConnectionFailed(said, hint=_("Start the server, or fix model.api_base."), detail=detail)
    if names & {"MidStreamFallbackError", "ServiceUnavailableError", "InternalServerError"} or (
        status is not None and (status in OVERLOADED_STATUSES or 500 <= status < 600)
    ):
        return ProviderOverloaded(
            _("The provider failed or is overloaded (HTTP {status}): {text}").format(
                status=status or 500, text=provider_text(exc)
            ),
            hint=_(_RETRY_LATER),
            detail=detail,
        )
    if "LLM Provider NOT provided" in str(exc):
        return BadRequest(
            _about(
                model,
                N_("litellm does not know which provider serves '{model}'."),
                N_("litellm does not know which provider serves the model."),
            ),
            hint=_(_MODEL_HINT),
            detail=detail,
        )
    if status == 404 or "NotFoundError" in names:
        return BadRequest(
            _("Not found (HTTP 404): {text}").format(text=provider_text(exc)),
            hint=join_sentences(_("Check the model name and model.api_base."), _(_MODEL_HINT)),
            detail=detail,
        )
    if (
        status in BAD_REQUEST_STATUSES
        or names & {"BadRequestError", "UnprocessableEntityError", "UnsupportedParamsError"}
        or (status is not None and 400 <= status < 500)
    ):
        return BadRequest(
            _("The provider rejected the request (HTTP {status}): {text}").format(
                status=status or 400, text=provider_text(exc)
            ),
            hint=_("Check the model name, the tool definitions and the model settings in the config."),
            detail=detail,
        )
    return ProviderError(
        _("Unexpected error from the provider: {name}: {text}").format(
            name=type(exc).__name__, text=provider_text(exc)
        ),
        hint=_("See the details; try again."),
        detail=detail,
    )
