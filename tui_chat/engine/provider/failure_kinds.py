"""Which situation a litellm / openai / httpx exception is: timeout, overflow, missing key, connection …

litellm's classes do not say what happened reliably (measured with litellm 1.110.2):

* connection refused, an unknown host, a missing API key and a 200 with a non-JSON body all arrive as
  ``InternalServerError`` (500); only the ``__cause__`` chain (``openai.APIConnectionError`` ←
  ``httpx.ConnectError`` ← ``ConnectionRefusedError`` / ``socket.gaierror``) or the text tells them apart;
* ``Timeout`` is a subclass of ``openai.APIConnectionError``, so timeouts are checked first;
* ``ContextWindowExceededError`` is a ``BadRequestError``, so it is checked before 400s;
* an invalid SSE event mid-stream is ``MidStreamFallbackError`` (a 5xx class) caused by a ``JSONDecodeError``;
* ``litellm.APIConnectionError`` is also litellm's catch-all, so only the *openai* class of that name
  counts as a connection failure.

Classes are recognised by name and module, so this module never imports litellm. Apart from the
messages (:mod:`.errors`) so what a failure *is* can be read without what it is *called*.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from tui_chat.engine.provider.exception_facts import chain, class_names, is_class, status_of

TIMEOUT_CLASSES = {
    "Timeout",
    "APITimeoutError",
    "TimeoutException",
    "ReadTimeout",
    "ConnectTimeout",
    "WriteTimeout",
}
AUTH_STATUSES = {401, 403}
OVERLOADED_STATUSES = {500, 502, 503, 504, 520, 522, 524, 529}
BAD_REQUEST_STATUSES = {400, 404, 405, 409, 413, 415, 422}


def request_url(exc: BaseException, api_base: str) -> str:
    """The URL that failed: from openai/httpx (litellm's own ``request`` is often a placeholder)."""
    for linked in chain(exc):
        if type(linked).__module__.split(".")[0] not in {"openai", "httpx"}:
            continue
        url = getattr(getattr(linked, "request", None), "url", None)
        if url is not None:
            return str(url)
    return api_base


def server_of(url: str) -> tuple[str, str]:
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


def connection_failure(exc: BaseException) -> str | None:
    """``"dns"``, ``"dropped"`` (closed mid-reply) or ``"connect"`` when ``exc`` is a connection failure."""
    links = [link for link in chain(exc) if not class_names(link) & TIMEOUT_CLASSES]
    if any(
        isinstance(link, socket.gaierror) or "ClientConnectorDNSError" in class_names(link) for link in links
    ):
        return "dns"
    if any(
        isinstance(link, ConnectionResetError | BrokenPipeError) or class_names(link) & _DROPPED_CLASSES
        for link in links
    ):
        return "dropped"
    if any(
        isinstance(link, ConnectionError)
        or class_names(link) & _CONNECT_CLASSES
        or is_class(link, "openai", "APIConnectionError")
        for link in links
    ):
        return "connect"
    text = str(exc)
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "dns"
    if "Connection error." in text:
        return "connect"
    return None


def is_json_failure(exc: BaseException) -> bool:
    for linked in chain(exc):
        if "JSONDecodeError" in class_names(linked):
            return True
    text = str(exc)
    return "JSONDecodeError" in text or "Expecting value: line" in text or "Expecting property name" in text


def is_missing_key(exc: BaseException) -> bool:
    text = str(exc).lower()
    if "missing credentials" in text or "api_key client option must be set" in text:
        return True
    return (
        "missing" in text and ("api key" in text or "api_key" in text) and status_of(exc) not in AUTH_STATUSES
    )


def is_context_window(exc: BaseException) -> bool:
    if "ContextWindowExceededError" in class_names(exc):
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
