"""The seed's ``/stats``: conversations, sessions, messages, tokens, and per tool calls, errors by kind
and duration percentiles (from the index's one row per call)."""

from __future__ import annotations

from typing import Any

from tui_chat.engine.store.index import StoreTotals, ToolTotals


def tool_dict(t: ToolTotals) -> dict[str, Any]:
    return {
        "calls": t.calls,
        "errors": t.errors,
        "errors_by_kind": dict(t.errors_by_kind),
        "p50_ms": round(t.p50_ms, 1),
        "p95_ms": round(t.p95_ms, 1),
        "max_ms": round(t.max_ms, 1),
        "mean_duration_ms": round(t.mean_duration_ms, 1),
    }


def stats_dict(totals: StoreTotals) -> dict[str, Any]:
    return {
        "conversations": totals.conversations,
        "damaged": totals.damaged,
        "sessions": totals.sessions,
        "messages": totals.messages,
        "prompt_tokens": totals.prompt_tokens,
        "completion_tokens": totals.completion_tokens,
        "cost": totals.cost,
        "tools": {name: tool_dict(t) for name, t in sorted(totals.tools.items())},
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
    """Each tool's figures, by name."""
    return sorted(totals.tools.items())


def errors_by_kind_text(t: ToolTotals) -> str:
    """``timeout 2 · exception 1``, most frequent first."""
    kinds = sorted(t.errors_by_kind.items(), key=lambda item: (-item[1], item[0]))
    return " · ".join(f"{kind} {count:,}" for kind, count in kinds)


TOOL_COLUMNS = ("calls", "errors", "p50", "p95", "max", "mean")


def format_stats(totals: StoreTotals) -> str:
    """The plain-text ``tui-chat stats``: the rows of the stats screen, then one line per tool."""
    rows = stats_rows(totals)
    width = max(len(label) for label, _ in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    tools = tool_rows(totals)
    if tools:
        name_width = max(len("tool"), *(len(name) for name, _ in tools))
        lines += [
            "",
            f"{'tool':<{name_width}}  calls  errors  p50 ms  p95 ms  max ms  mean ms  errors by kind",
        ]
        for name, t in tools:
            lines.append(
                f"{name:<{name_width}}  {t.calls:>5}  {t.errors:>6}  {t.p50_ms:>6.1f}  {t.p95_ms:>6.1f}"
                f"  {t.max_ms:>6.1f}  {t.mean_duration_ms:>7.1f}  {errors_by_kind_text(t)}".rstrip()
            )
    return "\n".join(lines)
