"""The seed's ``/stats``: conversations, sessions, messages, tokens, and per tool calls, errors by kind
and duration percentiles (from the index's one row per call)."""

from __future__ import annotations

from typing import Any

from tui_chat.engine.store.totals import StoreTotals, ToolTotals
from tui_chat.i18n import NC_, _, pgettext


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
    rows = [(_("Conversations"), f"{totals.conversations:,}")]
    if totals.damaged:
        rows.append((_("Damaged files"), f"{totals.damaged:,}"))
    tokens = _("{total} ({prompt} prompt, {completion} completion)").format(
        total=f"{prompt + completion:,}", prompt=f"{prompt:,}", completion=f"{completion:,}"
    )
    rows += [
        (_("Sessions"), f"{totals.sessions:,}"),
        (_("Messages"), f"{totals.messages:,}"),
        (_("Tokens"), tokens),
        (_("Cost"), f"${totals.cost:.4f}" if totals.cost is not None else _("not known")),
    ]
    return rows


def tool_rows(totals: StoreTotals) -> list[tuple[str, ToolTotals]]:
    """Each tool's figures, by name."""
    return sorted(totals.tools.items())


KIND_LABELS: dict[str, str] = {
    "invalid_arguments": NC_("error kind", "invalid_arguments"),
    "unknown_tool": NC_("error kind", "unknown_tool"),
    "exception": NC_("error kind", "exception"),
    "timeout": NC_("error kind", "timeout"),
    "crashed": NC_("error kind", "crashed"),
    "cancelled": NC_("error kind", "cancelled"),
    "failed": NC_("error kind", "failed"),
}
"""The short name of each kind of failed call in the statistics: the ``error_kind`` itself in English
(as ``--json`` says it), words in other languages."""


def kind_label(kind: str) -> str:
    return pgettext("error kind", KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def errors_by_kind_text(t: ToolTotals) -> str:
    """``timeout 2 · exception 1``, most frequent first."""
    kinds = sorted(t.errors_by_kind.items(), key=lambda item: (-item[1], item[0]))
    return " · ".join(f"{kind_label(kind)} {count:,}" for kind, count in kinds)


TOOL_COLUMNS = ("calls", "errors", "p50", "p95", "max", "mean")


def format_stats(totals: StoreTotals) -> str:
    """The plain-text ``tui-chat stats``: the rows of the stats screen, then one line per tool."""
    rows = stats_rows(totals)
    width = max(len(label) for label, _value in rows)
    lines = [f"{label.ljust(width)}  {value}" for label, value in rows]
    tools = tool_rows(totals)
    if not tools:
        return "\n".join(lines)
    headings = [
        _("tool"),
        _("calls"),
        _("errors"),
        _("p50 ms"),
        _("p95 ms"),
        _("max ms"),
        _("mean ms"),
        _("errors by kind"),
    ]
    table = [
        [
            name,
            f"{t.calls}",
            f"{t.errors}",
            f"{t.p50_ms:.1f}",
            f"{t.p95_ms:.1f}",
            f"{t.max_ms:.1f}",
            f"{t.mean_duration_ms:.1f}",
            errors_by_kind_text(t),
        ]
        for name, t in tools
    ]
    widths = [max(len(row[column]) for row in [headings, *table]) for column in range(len(headings) - 1)]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        figures = [cell.rjust(width) for cell, width in zip(cells[1:-1], widths[1:], strict=True)]
        return "  ".join([first, *figures, cells[-1]]).rstrip()

    lines += ["", line(headings), *(line(row) for row in table)]
    return "\n".join(lines)
