"""What an exception says, read without importing its module: classes, cause chain, status, headers, text.

Apart from the mapping because every recogniser (and the overflow figures) reads exceptions the same way.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Iterator
from typing import Any

from tui_chat.engine.redact import redact

_MAX_MESSAGE = 300


def class_names(exc: BaseException) -> set[str]:
    return {cls.__name__ for cls in type(exc).__mro__}


def is_class(exc: BaseException, module_prefix: str, name: str) -> bool:
    """Whether ``exc`` is an instance of a class called ``name`` defined under ``module_prefix``."""
    return any(cls.__name__ == name and cls.__module__.startswith(module_prefix) for cls in type(exc).__mro__)


def chain(exc: BaseException) -> Iterator[BaseException]:
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


def status_of(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return status
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def headers_of(exc: BaseException) -> dict[str, str]:
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


def provider_text(exc: BaseException) -> str:
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


def detail_of(exc: BaseException) -> str:
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
