"""Typed engine errors, each with a message written for a person."""

from __future__ import annotations


class EngineError(Exception):
    """Base of every error the engine reports to the CLI or the UI.

    ``kind`` is a stable short name (for the session file and for tests); ``message`` is what the
    user reads; ``hint`` says what to do about it; ``retryable`` says whether our retry loop may try again.
    """

    kind: str = "error"
    retryable: bool = False

    def __init__(self, message: str, *, hint: str = "", detail: str = "", retry_after: float | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail
        self.retry_after = retry_after

    def __str__(self) -> str:
        return join_sentences(self.message, self.hint)


def join_sentences(*parts: str) -> str:
    """Join message parts as sentences: provider texts often lack the final full stop."""
    kept = [part.strip() for part in parts if part and part.strip()]
    last = len(kept) - 1
    return " ".join(p if i == last or p[-1] in ".!?…:" else f"{p}." for i, p in enumerate(kept))


class ConfigError(EngineError):
    kind = "config"


class ProviderError(EngineError):
    """Something went wrong talking to the model provider."""

    kind = "provider"


class AuthenticationFailed(ProviderError):
    kind = "authentication"


class MissingCredentials(ProviderError):
    kind = "missing_credentials"


class RateLimited(ProviderError):
    kind = "rate_limit"
    retryable = True


class ProviderOverloaded(ProviderError):
    """HTTP 5xx: the provider is overloaded or failing."""

    kind = "overloaded"
    retryable = True


class ProviderTimeout(ProviderError):
    kind = "timeout"
    retryable = True


class ConnectionFailed(ProviderError):
    """Connection refused, no such host, network unreachable."""

    kind = "connection"
    retryable = True


class ContextWindowExceeded(ProviderError):
    """The request did not fit the model's context window; the server's numbers when it gave them."""

    kind = "context_window"
    prompt_tokens: int | None = None
    context_tokens: int | None = None


class BadRequest(ProviderError):
    kind = "bad_request"


class MalformedResponse(ProviderError):
    kind = "malformed_response"


class TurnDeadlineExceeded(ProviderError):
    kind = "deadline"


class StoreError(EngineError):
    kind = "store"
    #: Set by ``ChatService.send`` when the user's message could not be saved: the text to give back.
    unsaved_text: str | None = None


class StoreWriteFailed(StoreError):
    """The disk refused a write (full, read-only, permissions): nothing half-written is left behind.

    ``path`` is the file or folder concerned; the caller still holds what it tried to save.
    """

    kind = "store_write"

    def __init__(self, message: str, *, path: object = None, errno: int | None = None, **kwargs: object):
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.path = path
        self.errno = errno


class DamagedConversation(StoreError):
    """A conversation file that cannot be read; it is never overwritten."""

    kind = "damaged"


class ConversationNotFound(StoreError):
    kind = "not_found"


class AmbiguousConversation(EngineError):
    """A unique-prefix lookup that matched several conversations; ``candidates`` are their ids, newest first.

    A mistake in what the person typed, not a fault: the CLI exits 2, the REST server answers 400.
    """

    kind = "ambiguous"

    def __init__(self, message: str, *, candidates: list[str], **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.candidates = candidates
