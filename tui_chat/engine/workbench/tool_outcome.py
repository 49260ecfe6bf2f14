"""What a tool call came to, in one shape for the inspector, re-runs, the tools panel and the CLI.

``error_kind_of`` reads ``ToolMessage.error_kind`` and, for files written before that field existed
(or a registry that does not set it yet), infers the kind from what the message does hold.
"""

from __future__ import annotations

from typing import Any

from tui_chat.engine.models import ToolMessage
from tui_chat.i18n import N_

ERROR_KINDS: dict[str, str] = {
    "invalid_arguments": N_("invalid arguments"),
    "unknown_tool": N_("unknown tool"),
    "exception": N_("raised an exception"),
    "timeout": N_("timed out"),
    "crashed": N_("tool host crashed"),
    "cancelled": N_("cancelled"),
    "failed": N_("reported failure"),
}
"""Each kind of failed call and how it is said in one or two words (English, also in generated test code;
marked for the catalog: what people read translates it where shown)."""


def error_kind_of(message: ToolMessage) -> str | None:
    """The kind of failure of ``message`` (None when it succeeded)."""
    if message.error is None and message.error_kind is None:
        return None
    if message.error_kind:
        return message.error_kind
    error = message.error or ""
    if not message.arguments_valid:
        return "invalid_arguments"
    if "is not implemented" in error or "unknown tool" in error.lower():
        return "unknown_tool"
    if "timed out" in error:
        return "timeout"
    if message.traceback:
        return "exception"
    return "failed"


def error_word(kind: str | None) -> str:
    return ERROR_KINDS.get(kind or "", kind or "error")


def outcome(message: ToolMessage) -> dict[str, Any]:
    """The parts of a call's result that a re-run is compared on, plus how it went (not compared)."""
    return {
        "result": message.result,
        "error": message.error,
        "error_kind": error_kind_of(message),
        "traceback": message.traceback,
        "output": message.output,
        "duration_ms": round(message.duration_ms, 3),
    }
