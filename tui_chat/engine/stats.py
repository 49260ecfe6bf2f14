"""The seed's ``/stats``: conversations, sessions, messages, tokens, and per tool calls/errors/timing."""

from __future__ import annotations

from typing import Any

from tui_chat.engine.store.index import StoreTotals, ToolTotals


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


def stats_rows(totals: StoreTotals) -> list[tuple[str, str]]:
    """The figures as (label, value) rows, in the order the CLI and the TUI's stats screen show them."""
    prompt, completion = totals.prompt_tokens, totals.completion_tokens
    rows = [("Conversations", f"{totals.conversations:,}")]
    if totals.damaged:
        rows.append(("Damaged files", f"{totals.damaged:,}"))
    rows += [
        ("Sessions", f"{totals.sessions:,}"),
        ("Messages", f"{totals.messages:,}"),
        ("Tokens", f"{prompt + completion:,} ({prompt:,} prompt, {completion:,} completion)"),
        ("Cost", f"${totals.cost:.4f}" if totals.cost is not None else "not known"),
    ]
    return rows


def tool_rows(totals: StoreTotals) -> list[tuple[str, ToolTotals]]:
    """Each tool's calls, errors and mean duration, by name."""
    return sorted(totals.tools.items())


def format_stats(totals: StoreTotals) -> str:
    """The plain-text ``tui-chat stats``: the rows of the stats screen, then one line per tool."""
    rows = stats_rows(totals)
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    tools = tool_rows(totals)
    if tools:
        name_width = max(len("tool"), *(len(name) for name, _ in tools))
        lines += ["", f"{'tool':<{name_width}}  calls  errors  mean ms"]
        for name, t in tools:
            lines.append(f"{name:<{name_width}}  {t.calls:>5}  {t.errors:>6}  {t.mean_duration_ms:>7.1f}")
    return "\n".join(lines)
