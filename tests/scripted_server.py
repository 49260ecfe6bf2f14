"""A scripted OpenAI-compatible HTTP server for tests (stdlib only).

Every test in the project talks to a real HTTP server instead of mocking litellm, so what is tested is
what runs: litellm → openai SDK → httpx → this server. Usage::

    with ScriptedServer() as server:
        server.script(text("Hello!"), tool_calls([("get_time", '{"tz": "UTC"}')]), error(429, headers={...}))
        ... point the client at server.base_url ("http://127.0.0.1:PORT/v1") ...
        server.requests[0].body["messages"]      # what the client sent
        server.requests[0].headers["authorization"]

Each POST ``/v1/chat/completions`` consumes the next scripted reply; when none is left the server sends
``default_reply`` (initially an echo: ``"You said: <last user message>"``). A reply may also be a
callable taking the request body and returning a :class:`Reply`. Each reply is rendered as SSE when the
request has ``"stream": true`` (with the ``choices: []`` usage chunk when ``stream_options.include_usage``
is set) and as one JSON body otherwise. ``GET /v1/models`` lists one model.

Client disconnects during a response are counted (``disconnects`` / ``wait_for_disconnect``).
``close()`` is quick even in the middle of a slow or stalled reply: every wait polls a closing flag and
open sockets are shut down.

Run it by hand with ``python tests/scripted_server.py [PORT]``: it then answers every request with the echo.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_USAGE = {"prompt_tokens": 10, "completion_tokens": 5}
"""Token usage reported by a reply unless its builder was given ``usage=``."""


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the module functions (``text``, ``tool_calls``, ``error`` …).

    ``deltas`` are the streamed ``choices[0].delta`` payloads and ``message`` the non-streamed message;
    ``body`` (bytes) replaces the whole non-streamed body and ``raw_events`` the streamed SSE events,
    for errors and malformed answers.
    """

    deltas: tuple[dict[str, Any], ...] = ()
    message: dict[str, Any] | None = None
    finish_reason: str | None = "stop"
    usage: dict[str, int] | None = field(default_factory=lambda: dict(DEFAULT_USAGE))
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    raw_events: tuple[str, ...] | None = None
    stall: float = 0.0
    """Seconds to wait before sending the status line and headers."""
    interval: float = 0.0
    """Seconds between streamed chunks."""
    content_type: str = "application/json"
    cut: bool = False
    """Drop the connection after the streamed deltas, without finishing the response."""


@dataclass(frozen=True)
class RecordedRequest:
    """A request as the server received it; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    """The parsed JSON body, or the raw text when it was not JSON (None for GET)."""


# --- reply builders -------------------------------------------------------------------------------


def _split(text: str, size: int) -> list[str]:
    size = max(1, size)
    return [text[start : start + size] for start in range(0, len(text), size)]


def _usage(usage: tuple[int, int] | dict[str, int] | None) -> dict[str, int]:
    if usage is None:
        return dict(DEFAULT_USAGE)
    if isinstance(usage, dict):
        return dict(usage)
    return {"prompt_tokens": usage[0], "completion_tokens": usage[1]}


def text(
    content: str,
    *,
    chunk_size: int = 4,
    delay: float = 0.0,
    usage: tuple[int, int] | dict[str, int] | None = None,
) -> Reply:
    """A plain text answer streamed ``chunk_size`` characters at a time, ``delay`` seconds apart."""
    deltas = [{"role": "assistant", "content": ""}] + [
        {"content": part} for part in _split(content, chunk_size)
    ]
    return Reply(
        deltas=tuple(deltas),
        message={"role": "assistant", "content": content},
        finish_reason="stop",
        usage=_usage(usage),
        interval=delay,
    )


def slow_stream(tokens: Iterable[str], interval: float) -> Reply:
    """A text answer sending one token every ``interval`` seconds (for cancellation and timeouts)."""
    tokens = list(tokens)
    return Reply(
        deltas=tuple([{"role": "assistant", "content": ""}] + [{"content": token} for token in tokens]),
        message={"role": "assistant", "content": "".join(tokens)},
        interval=interval,
    )


def _call_id(position: int) -> str:
    return f"call_{position + 1:03d}"


def tool_calls(
    calls: Iterable[tuple[str, str]],
    *,
    style: str = "sequential",
    content: str = "",
    fragment_size: int = 5,
    usage: tuple[int, int] | dict[str, int] | None = None,
) -> Reply:
    """An answer asking for tool calls ``[(name, arguments_json), ...]`` with ids ``call_001``, ``call_002``…

    Arguments arrive in fragments of ``fragment_size`` characters; the id and name only on the first delta
    of a call, as real providers send them. ``style``:

    * ``sequential`` – OpenAI: call 0 completely, then call 1, with ``index`` 0, 1, …
    * ``interleaved`` – the fragments of all calls alternate (index 0, 1, 0, 1 …)
    * ``same_index`` – every call has ``index`` 0 but its own id (ollama_chat, some Groq models)
    * ``no_index`` – deltas carry no ``index`` at all (old Ollama); a new id starts a new call
    * ``repeated_id`` – like sequential, but the id (and type) is repeated on every delta (LiteLLM proxy)

    ``content`` is streamed before the calls, in the same message.
    """
    calls = list(calls)
    if style not in {"sequential", "interleaved", "same_index", "no_index", "repeated_id"}:
        raise ValueError(f"unknown tool-call style {style!r}")
    per_call: list[list[dict[str, Any]]] = []
    for position, (name, arguments) in enumerate(calls):
        index_key: dict[str, Any] = {}
        if style != "no_index":
            index_key["index"] = 0 if style == "same_index" else position
        first = {
            **index_key,
            "id": _call_id(position),
            "type": "function",
            "function": {"name": name, "arguments": ""},
        }
        rest: list[dict[str, Any]] = []
        for fragment in _split(arguments, fragment_size):
            delta: dict[str, Any] = {**index_key, "function": {"arguments": fragment}}
            if style == "repeated_id":
                delta = {
                    **index_key,
                    "id": _call_id(position),
                    "type": "function",
                    "function": {"arguments": fragment},
                }
            rest.append(delta)
        per_call.append([first, *rest])
    ordered: list[dict[str, Any]] = []
    if style == "interleaved":
        for step in range(max((len(parts) for parts in per_call), default=0)):
            ordered.extend(parts[step] for parts in per_call if step < len(parts))
    else:
        ordered = [delta for parts in per_call for delta in parts]
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": part} for part in _split(content, 4)]
    deltas += [{"tool_calls": [delta]} for delta in ordered]
    message = {
        "role": "assistant",
        "content": content or None,
        "tool_calls": [
            {"id": _call_id(position), "type": "function", "function": {"name": name, "arguments": arguments}}
            for position, (name, arguments) in enumerate(calls)
        ],
    }
    return Reply(deltas=tuple(deltas), message=message, finish_reason="tool_calls", usage=_usage(usage))


def function_call(name: str, args_json: str, *, fragment_size: int = 5) -> Reply:
    """The legacy ``function_call`` answer (pre-``tools`` OpenAI): name first, then argument fragments."""
    deltas: list[dict[str, Any]] = [
        {"role": "assistant", "content": None, "function_call": {"name": name, "arguments": ""}}
    ]
    deltas += [{"function_call": {"arguments": part}} for part in _split(args_json, fragment_size)]
    message = {"role": "assistant", "content": None, "function_call": {"name": name, "arguments": args_json}}
    return Reply(deltas=tuple(deltas), message=message, finish_reason="function_call")


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "not_found_error",
    422: "invalid_request_error",
    429: "rate_limit_exceeded",
}


def error(
    status: int,
    *,
    message: str = "",
    headers: dict[str, str] | None = None,
    code: str | None = None,
    type: str | None = None,
) -> Reply:
    """An OpenAI-style error body ``{"error": {"message", "type", "param", "code"}}`` with ``status``.

    Examples: ``error(401)``, ``error(429, headers={"Retry-After": "1"})``, ``error(503)``,
    ``error(400, message="...", code="context_length_exceeded")``.
    """
    payload = {
        "error": {
            "message": message or f"scripted error {status}",
            "type": type or _ERROR_TYPES.get(status, "server_error"),
            "param": None,
            "code": code,
        }
    }
    return Reply(status=status, headers=dict(headers or {}), body=json.dumps(payload).encode(), usage=None)


def context_window_exceeded() -> Reply:
    """The 400 OpenAI sends when the prompt is longer than the model's context window."""
    return error(
        400,
        message=(
            "This model's maximum context length is 8192 tokens. "
            "However, your messages resulted in 9000 tokens."
        ),
        code="context_length_exceeded",
    )


def malformed_json() -> Reply:
    """A 200 whose body is not JSON (for a streaming request too: no SSE events at all)."""
    return Reply(body=b"<html><body>Gateway says hi</body></html>", content_type="application/json")


def malformed_sse() -> Reply:
    """A stream that starts well and then sends an event that is not JSON."""
    return Reply(
        deltas=({"role": "assistant", "content": ""},),
        raw_events=("{broken json",),
        body=b'{"choices": [ broken',
    )


def broken_stream(content: str, *, chunk_size: int = 4) -> Reply:
    """A stream that sends ``content`` and then drops the connection mid-response (no finish, no [DONE])."""
    return dataclasses.replace(text(content, chunk_size=chunk_size), cut=True)


def stall(seconds: float, then: Reply | None = None) -> Reply:
    """Wait ``seconds`` before sending anything (status line included), then send ``then`` (a short text)."""
    return dataclasses.replace(then or text("finally"), stall=seconds)


def echo(body: dict[str, Any]) -> Reply:
    """The default reply: ``"You said: <last user message>"``."""
    last = ""
    for message in reversed(body.get("messages") or []):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            last = content if isinstance(content, str) else json.dumps(content)
            break
    return text(f"You said: {last}")


# --- the server -----------------------------------------------------------------------------------


class _Disconnected(Exception):
    """The client closed the connection (or the server is closing) in the middle of a reply."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the per-request log lines on stderr."""

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._track(self.connection, add=False)

    # -- routing

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record(RecordedRequest("GET", self.path, self._headers(), None), chat=False)
        if self.path.rstrip("/").endswith("/models"):
            payload = {"object": "list", "data": [{"id": "scripted", "object": "model", "owned_by": "tests"}]}
            self._send_json(200, json.dumps(payload).encode())
        else:
            self._send_json(404, b'{"error": {"message": "not found", "type": "not_found_error"}}')

    def do_POST(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body: Any = json.loads(raw or b"null")
        except ValueError:
            body = raw.decode("utf-8", "replace")
        chat = self.path.rstrip("/").endswith("/chat/completions")
        owner._record(RecordedRequest("POST", self.path, self._headers(), body), chat=chat)
        if not chat:
            self._send_json(404, b'{"error": {"message": "not found", "type": "not_found_error"}}')
            return
        reply = owner._next_reply(body if isinstance(body, dict) else {})
        try:
            self._answer(reply, body if isinstance(body, dict) else {})
        except (_Disconnected, BrokenPipeError, ConnectionResetError):
            owner._client_disconnected()
            self.close_connection = True

    # -- helpers

    def _headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _send_json(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
        merged = {"content-type": "application/json"}
        merged.update({name.lower(): value for name, value in (headers or {}).items()})
        self.send_response(status)
        for name, value in merged.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _wait(self, seconds: float) -> None:
        """Sleep, but notice at once when the client goes away or the server closes."""
        deadline = time.monotonic() + seconds
        while True:
            if self.server.owner._closing.is_set():
                raise _Disconnected
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            readable, _, _ = select.select([self.connection], [], [], min(remaining, 0.05))
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        raise _Disconnected
                except OSError as exc:
                    raise _Disconnected from exc

    def _answer(self, reply: Reply, body: dict[str, Any]) -> None:
        if reply.stall:
            self._wait(reply.stall)
        model = str(body.get("model") or "scripted")
        if reply.status != 200:
            self._send_json(reply.status, reply.body or b"{}", reply.headers)
            return
        if body.get("stream") and (reply.deltas or reply.raw_events is not None):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._stream(reply, model, include_usage)
        elif reply.body is not None:
            self._send_json(200, reply.body, {**reply.headers, "Content-Type": reply.content_type})
        else:
            payload = {
                "id": "chatcmpl-scripted",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [{"index": 0, "message": reply.message, "finish_reason": reply.finish_reason}],
            }
            if reply.usage is not None:
                payload["usage"] = _with_total(reply.usage)
            self._send_json(200, json.dumps(payload).encode(), reply.headers)

    def _stream(self, reply: Reply, model: str, include_usage: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        created = int(time.time())

        def chunk(choices: list[dict[str, Any]], **extra: Any) -> str:
            payload = {
                "id": "chatcmpl-scripted",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": choices,
                **extra,
            }
            return json.dumps(payload)

        for position, delta in enumerate(reply.deltas):
            if position and reply.interval:
                self._wait(reply.interval)
            self._event(chunk([{"index": 0, "delta": delta, "finish_reason": None}]))
        if reply.cut:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.raw_events is not None:
            for event in reply.raw_events:
                self._event(event)
        else:
            if reply.interval:
                self._wait(reply.interval)
            self._event(chunk([{"index": 0, "delta": {}, "finish_reason": reply.finish_reason}]))
            if include_usage and reply.usage is not None:
                self._event(chunk([], usage=_with_total(reply.usage)))
            self._event("[DONE]")
        self._write_chunk(b"")

    def _event(self, data: str) -> None:
        self._write_chunk(f"data: {data}\n\n".encode())

    def _write_chunk(self, data: bytes) -> None:
        if self.server.owner._closing.is_set():
            raise _Disconnected
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _with_total(usage: dict[str, int]) -> dict[str, int]:
    return {**usage, "total_tokens": usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: ScriptedServer, port: int) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connections torn down by close() or by a client are expected; no tracebacks on stderr."""


class ScriptedServer:
    """A scripted OpenAI-compatible server on 127.0.0.1 (a random free port), run in a daemon thread."""

    def __init__(self, *, port: int = 0) -> None:
        self.requested_port = port
        self.default_reply: Reply | Callable[[dict[str, Any]], Reply] = echo
        self._lock = threading.Lock()
        self._replies: deque[Reply | Callable[[dict[str, Any]], Reply]] = deque()
        self._requests: list[RecordedRequest] = []
        self._all_requests: list[RecordedRequest] = []
        self._disconnects = 0
        self._disconnected = threading.Event()
        self._closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._server: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> ScriptedServer:
        if self._server is None:
            self._closing.clear()
            self._server = _HTTPServer(self, self.requested_port)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                daemon=True,
                name="scripted-server",
            )
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and drop every open connection (mid-stream ones too); returns within ~0.2 s."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing.set()
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=2)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the scripted server is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, e.g. ``http://127.0.0.1:43817/v1``."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting

    def script(self, *replies: Reply | Callable[[dict[str, Any]], Reply]) -> ScriptedServer:
        """Queue replies, consumed one per chat-completions request, in order."""
        with self._lock:
            self._replies.extend(replies)
        return self

    @property
    def pending(self) -> int:
        """How many scripted replies have not been consumed yet."""
        with self._lock:
            return len(self._replies)

    def reset(self) -> None:
        """Forget scripted replies, recorded requests and disconnects; restore the echo default."""
        with self._lock:
            self._replies.clear()
            self._requests.clear()
            self._all_requests.clear()
            self._disconnects = 0
            self._disconnected.clear()
            self.default_reply = echo

    # -- introspection

    @property
    def requests(self) -> list[RecordedRequest]:
        """Chat-completions requests received so far (a copy), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def all_requests(self) -> list[RecordedRequest]:
        """Every request (``GET /v1/models`` and unknown paths included)."""
        with self._lock:
            return list(self._all_requests)

    @property
    def disconnects(self) -> int:
        """How many replies were cut short because the client closed the connection."""
        with self._lock:
            return self._disconnects

    def wait_for_disconnect(self, timeout: float) -> bool:
        """Block until a client has closed a connection mid-reply (True) or ``timeout`` passes (False)."""
        return self._disconnected.wait(timeout)

    # -- used by the handler

    def _record(self, request: RecordedRequest, *, chat: bool) -> None:
        with self._lock:
            self._all_requests.append(request)
            if chat:
                self._requests.append(request)

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            source = self._replies.popleft() if self._replies else self.default_reply
        return source(body) if callable(source) else source

    def _client_disconnected(self) -> None:
        if self._closing.is_set():
            return
        with self._lock:
            self._disconnects += 1
        self._disconnected.set()

    def _track(self, connection: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


if __name__ == "__main__":
    import sys

    with ScriptedServer(port=int(sys.argv[1]) if len(sys.argv) > 1 else 0) as running:
        print(f"scripted server at {running.base_url} (Ctrl+C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
