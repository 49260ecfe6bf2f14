"""The seed's ``/stats``: conversations, sessions, messages, tokens, and per tool calls/errors/timing."""

from __future__ import annotations

from typing import Any

from tui_chat.engine.store_index import StoreTotals


def stats_dict(totals: StoreTotals) -> dict[str, Any]:
    return {
        "conversations": totals.conversations,
        "damaged": totals.damaged,
        "sessions": totals.sessions,
        "messages": totals.messages,
        "prompt_tokens": totals.prompt_tokens,
        "completion_tokens": totals.completion_tokens,
        "cost": totals.cost,
        "tools": {
            name: {"calls": t.calls, "errors": t.errors, "mean_duration_ms": round(t.mean_duration_ms, 1)}
            for name, t in sorted(totals.tools.items())
        },
    }


def format_stats(totals: StoreTotals) -> str:
    lines = [
        f"conversations  {totals.conversations}"
        + (f"  ({totals.damaged} damaged)" if totals.damaged else ""),
        f"sessions       {totals.sessions}",
        f"messages       {totals.messages}",
        f"tokens         {totals.prompt_tokens} prompt + {totals.completion_tokens} completion",
    ]
    if totals.cost is not None:
        lines.append(f"cost           ${totals.cost:.4f}")
    if totals.tools:
        width = max(len(name) for name in totals.tools)
        lines += ["", f"{'tool':<{width}}  calls  errors  mean ms"]
        for name, t in sorted(totals.tools.items()):
            lines.append(f"{name:<{width}}  {t.calls:>5}  {t.errors:>6}  {t.mean_duration_ms:>7.1f}")
    return "\n".join(lines)
