"""Turn litellm / openai / httpx exceptions into engine errors a person can act on.

litellm's classes do not say what happened reliably (measured with litellm 1.110.2):

* connection refused, an unknown host, a missing API key and a 200 with a non-JSON body all arrive as
  ``InternalServerError`` (500); only the ``__cause__`` chain (``openai.APIConnectionError`` ←
  ``httpx.ConnectError`` ← ``ConnectionRefusedError`` / ``socket.gaierror``) or the text tells them apart;
* ``Timeout`` is a subclass of ``openai.APIConnectionError``, so timeouts are checked first;
* ``ContextWindowExceededError`` is a ``BadRequestError``, so it is checked before 400s;
* an invalid SSE event mid-stream is ``MidStreamFallbackError`` (a 5xx class) caused by a ``JSONDecodeError``;
* ``litellm.APIConnectionError`` is also litellm's catch-all, so only the *openai* class of that name
  counts as a connection failure.

Classes are recognised by name and module, so this module never imports litellm.
"""

from __future__ import annotations

import email.utils
import re
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

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
from tui_chat.engine.redact import redact
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
_MAX_MESSAGE = 300

_TIMEOUT_CLASSES = {
    "Timeout",
    "APITimeoutError",
    "TimeoutException",
    "ReadTimeout",
    "ConnectTimeout",
    "WriteTimeout",
}
_AUTH_STATUSES = {401, 403}
_OVERLOADED_STATUSES = {500, 502, 503, 504, 520, 522, 524, 529}
_BAD_REQUEST_STATUSES = {400, 404, 405, 409, 413, 415, 422}


# --- inspecting exceptions without importing their modules ------------------------------------------


def _class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def _is(exc: BaseException, module_prefix: str, name: str) -> bool:
    """Whether ``exc`` is an instance of a class called ``name`` defined under ``module_prefix``."""
    return any(cls.__name__ == name and cls.__module__.startswith(module_prefix) for cls in type(exc).__mro__)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and everything that caused it (``__cause__``, ``__context__``, ``original_exception``)."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (
            current.__cause__,
            current.__context__,
            getattr(current, "original_exception", None),
        ):
            if isinstance(linked, BaseException):
                pending.append(linked)


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _headers(exc: BaseException) -> dict[str, str]:
    """Response headers with lower-case names, from wherever litellm/openai put them."""
    found: dict[str, str] = {}
    sources: list[Any] = [getattr(getattr(exc, "response", None), "headers", None)]
    sources += [getattr(exc, "litellm_response_headers", None), getattr(exc, "headers", None)]
    for source in sources:
        if not source:
            continue
        try:
            items = list(source.items())
        except (AttributeError, TypeError):
            continue
        for name, value in items:
            found.setdefault(str(name).lower(), str(value))
    return found


def _provider_text(exc: BaseException) -> str:
    """The provider's own error message, without litellm's ``litellm.XError: OpenAIException -`` prefixes."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        message = inner.get("message") if isinstance(inner, dict) else None
        if isinstance(message, str) and message.strip():
            return _shorten(message)
    text = str(getattr(exc, "message", "") or exc or type(exc).__name__)
    text = text.split(" Original exception:")[0]
    text = re.sub(r"^(?:litellm\.\w+:\s*)+", "", text)
    text = re.sub(r"^(?:\w+Error:\s*)+", "", text)
    text = re.sub(r"^\w*Exception - ", "", text)
    return _shorten(text)


def _shorten(text: str) -> str:
    text = redact(" ".join(text.split()))  # a provider that echoes the key must not put it in our text
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _detail(exc: BaseException) -> str:
    return redact(f"{type(exc).__module__}.{type(exc).__name__}: {exc}")


def parse_retry_after(headers: dict[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``Retry-After`` (seconds or HTTP date) or ``retry-after-ms``; None if absent."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment is None:
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))


# --- recognising situations ---------------------------------------------------------------------------


def _request_url(exc: BaseException, api_base: str) -> str:
    """The URL that failed: from openai/httpx (litellm's own ``request`` is often a placeholder)."""
    for linked in _chain(exc):
        if type(linked).__module__.split(".")[0] not in {"openai", "httpx"}:
            continue
        url = getattr(getattr(linked, "request", None), "url", None)
        if url is not None:
            return str(url)
    return api_base


def _server_of(url: str) -> tuple[str, str]:
    """``(scheme://host:port, host)`` of a URL, for messages."""
    parts = urlsplit(url)
    if not parts.hostname:
        return url, url
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname}:{port}", parts.hostname


_DROPPED_CLASSES = {
    "ReadError",
    "RemoteProtocolError",
    "ClientPayloadError",
    "TransferEncodingError",
    "ServerDisconnectedError",
    "IncompleteRead",
}
_CONNECT_CLASSES = {"ConnectError", "ClientConnectorError", "ClientConnectorDNSError"}


def _connection_failure(exc: BaseException) -> str | None:
    """``"dns"``, ``"dropped"`` (closed mid-reply) or ``"connect"`` when ``exc`` is a connection failure."""
    links = [link for link in _chain(exc) if not _class_names(link) & _TIMEOUT_CLASSES]
    if any(
        isinstance(link, socket.gaierror) or "ClientConnectorDNSError" in _class_names(link) for link in links
    ):
        return "dns"
    if any(
        isinstance(link, ConnectionResetError | BrokenPipeError) or _class_names(link) & _DROPPED_CLASSES
        for link in links
    ):
        return "dropped"
    if any(
        isinstance(link, ConnectionError)
        or _class_names(link) & _CONNECT_CLASSES
        or _is(link, "openai", "APIConnectionError")
        for link in links
    ):
        return "connect"
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "dns"
    if "Connection error." in text:
        return "connect"
    return None


def _is_json_failure(exc: BaseException) -> bool:
    for linked in _chain(exc):
        if "JSONDecodeError" in _class_names(linked):
            return True
    text = str(exc)
    return "JSONDecodeError" in text or "Expecting value: line" in text or "Expecting property name" in text


def _is_missing_key(exc: BaseException) -> bool:
    text = str(exc).lower()
    if "missing credentials" in text or "api_key client option must be set" in text:
        return True
    return (
        "missing" in text and ("api key" in text or "api_key" in text) and _status(exc) not in _AUTH_STATUSES
    )


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


def _is_context_window(exc: BaseException) -> bool:
    if "ContextWindowExceededError" in _class_names(exc):
        return True
    code = getattr(exc, "code", None)
    text = str(exc).lower()
    return (
        code == "context_length_exceeded"
        or "context_length_exceeded" in text
        or "maximum context length" in text
        or "exceed_context_size_error" in text
        or "exceeds the available context size" in text
    )


_CONTEXT_PATTERNS = (
    # llama.cpp: "request (3525 tokens) exceeds the available context size (512 tokens)"
    (re.compile(r"request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)"), 1, 2),
    # OpenAI / vLLM: "maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens"
    (
        re.compile(r"maximum context length is (\d+) tokens.*?(?:resulted in|requested) (\d+) tokens", re.S),
        2,
        1,
    ),
)


def context_numbers(exc: BaseException) -> tuple[int | None, int | None]:
    """``(prompt tokens, context window)`` as the server reported them (llama.cpp, OpenAI, vLLM)."""
    for link in _chain(exc):
        body = getattr(link, "body", None)
        inner = body.get("error", body) if isinstance(body, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("n_ctx"), int):
            prompt = inner.get("n_prompt_tokens")
            return (prompt if isinstance(prompt, int) else None), inner["n_ctx"]
    text = " ".join(str(link) for link in _chain(exc))
    for pattern, prompt_group, window_group in _CONTEXT_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(prompt_group)), int(match.group(window_group))
    return None, None


SERVER_CONTEXT_HINT = N_(
    "Or give the server a larger context: llama.cpp --ctx-size (-c), Ollama num_ctx, vLLM --max-model-len."
)


def _about(model: str, with_model: str, without_model: str, **values: object) -> str:
    """One of two whole sentences (marked with ``N_``), translated: naming ``model``, or "the model"."""
    if model:
        return _(with_model).format(model=model, **values)
    return _(without_model).format(**values)


def _context_numbers_text(prompt_tokens: int | None, context_tokens: int | None) -> str:
    """The server's figures for an overflow, as a sentence of their own (empty when it gave none)."""
    if prompt_tokens and context_tokens:
        return _("The request takes {prompt} tokens; the window holds {window}.").format(
            prompt=prompt_tokens, window=context_tokens
        )
    if context_tokens:
        return _("The window holds {window} tokens.").format(window=context_tokens)
    if prompt_tokens:
        return _("The request takes {prompt} tokens.").format(prompt=prompt_tokens)
    return ""


def explain_context_overflow(
    error: ContextWindowExceeded, *, model: str, alone: bool, local: bool, configured_window: int = 0
) -> ContextWindowExceeded:
    """The overflow told apart: the message alone too long, or the history; with the server's numbers.

    ``alone``: the request held only the current turn (or that turn alone exceeds the window);
    ``local``: the model is served from ``api_base`` (llama.cpp, Ollama, vLLM), whose context is a setting;
    ``configured_window``: ``[model] context_window``, when the history was already cut to it.
    """
    numbers = _context_numbers_text(error.prompt_tokens, error.context_tokens)
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
    detail = _detail(exc)
    status = _status(exc)
    names = _class_names(exc)
    model = model or str(getattr(exc, "model", "") or "")

    if isinstance(exc, TimeoutError) or names & _TIMEOUT_CLASSES:  # asyncio.TimeoutError too
        return ProviderTimeout(
            _about(model, N_("No answer from '{model}' in time."), N_("No answer from the model in time.")),
            hint=_("The server may be busy or the model slow to load; try again, or raise model.timeout."),
            detail=detail,
        )
    if _is_context_window(exc):
        prompt_tokens, context_tokens = context_numbers(exc)
        sentence = _about(
            model,
            N_("The request is too long for the context window of '{model}'."),
            N_("The request is too long for the model's context window."),
        )
        error = ContextWindowExceeded(
            join_sentences(sentence, _context_numbers_text(prompt_tokens, context_tokens)),
            hint=_("Start a new session, or set [model] context_window so the history is cut to fit."),
            detail=detail,
        )
        error.prompt_tokens, error.context_tokens = prompt_tokens, context_tokens
        return error
    if _is_missing_key(exc):
        env = _key_env(exc, model, api_key_env)
        return MissingCredentials(
            _about(model, N_("No API key for '{model}'."), N_("No API key for the model.")),
            hint=_(
                "Set {env} in the environment, or set model.api_key_env to the name of the variable "
                "holding the key. For a local server set model.api_base and use an 'openai/<name>' model."
            ).format(env=env),
            detail=detail,
        )
    if status in _AUTH_STATUSES or names & {"AuthenticationError", "PermissionDeniedError"}:
        env = _key_env(exc, model, api_key_env)
        if status == 403 or "PermissionDeniedError" in names:
            said = _("The API key is not allowed to use the provider (HTTP {status}): {text}")
        else:
            said = _("The API key was rejected by the provider (HTTP {status}): {text}")
        return AuthenticationFailed(
            said.format(status=status or 401, text=_provider_text(exc)),
            hint=_("Check the key in {env} (or the variable named by model.api_key_env).").format(env=env),
            detail=detail,
        )
    if status == 429 or "RateLimitError" in names:
        retry_after = parse_retry_after(_headers(exc))
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
    if _is_json_failure(exc):
        return MalformedResponse(
            _("The server's reply could not be read (it is not valid JSON / server-sent events)."),
            hint=_(API_BASE_HINT),
            detail=detail,
        )
    failure = _connection_failure(exc)
    if failure is not None:
        url = _request_url(exc, api_base)
        server, host = _server_of(url) if url else ("", "")
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
        status is not None and (status in _OVERLOADED_STATUSES or 500 <= status < 600)
    ):
        return ProviderOverloaded(
            _("The provider failed or is overloaded (HTTP {status}): {text}").format(
                status=status or 500, text=_provider_text(exc)
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
            _("Not found (HTTP 404): {text}").format(text=_provider_text(exc)),
            hint=join_sentences(_("Check the model name and model.api_base."), _(_MODEL_HINT)),
            detail=detail,
        )
    if (
        status in _BAD_REQUEST_STATUSES
        or names & {"BadRequestError", "UnprocessableEntityError", "UnsupportedParamsError"}
        or (status is not None and 400 <= status < 500)
    ):
        return BadRequest(
            _("The provider rejected the request (HTTP {status}): {text}").format(
                status=status or 400, text=_provider_text(exc)
            ),
            hint=_("Check the model name, the tool definitions and the model settings in the config."),
            detail=detail,
        )
    return ProviderError(
        _("Unexpected error from the provider: {name}: {text}").format(
            name=type(exc).__name__, text=_provider_text(exc)
        ),
        hint=_("See the details; try again."),
        detail=detail,
    )
