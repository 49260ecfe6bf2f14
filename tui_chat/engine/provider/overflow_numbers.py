"""A context overflow's figures as the server reported them (llama.cpp, OpenAI, vLLM), and as a sentence.

Apart from the mapping: each server words the numbers its own way, so reading them is a table of patterns.
"""

from __future__ import annotations

import re

from tui_chat.engine.provider.exception_facts import chain
from tui_chat.i18n import _

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
    for link in chain(exc):
        body = getattr(link, "body", None)
        inner = body.get("error", body) if isinstance(body, dict) else None
        if isinstance(inner, dict) and isinstance(inner.get("n_ctx"), int):
            prompt = inner.get("n_prompt_tokens")
            return (prompt if isinstance(prompt, int) else None), inner["n_ctx"]
    text = " ".join(str(link) for link in chain(exc))
    for pattern, prompt_group, window_group in _CONTEXT_PATTERNS:
        match = pattern.search(text)
        if match:
            return int(match.group(prompt_group)), int(match.group(window_group))
    return None, None


def context_numbers_text(prompt_tokens: int | None, context_tokens: int | None) -> str:
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
