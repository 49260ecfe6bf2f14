"""The seed's /stats as a screen: totals over every saved conversation, and per tool: calls, errors by
kind, p50/p95/max/mean duration."""

from __future__ import annotations

from typing import Protocol

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tui_chat.engine.stats import errors_by_kind_text, stats_rows, tool_rows
from tui_chat.engine.workspace import StoreTotals
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import format_duration, one_line, visible
from tui_chat.ui.screens.modal import TuiModal


class TotalsSource(Protocol):
    def totals(self) -> StoreTotals: ...


def totals_content(totals: StoreTotals) -> Content:
    """The figures as aligned text: the CLI's rows (engine.stats), with the TUI's styles."""
    lines = [Content.assemble((label.ljust(15), "bold"), value) for label, value in stats_rows(totals)]
    tools = tool_rows(totals)
    lines.append(Content(""))
    if not tools:
        lines.append(Content.styled("No function calls yet.", "$text-muted"))
    else:
        # Fits an 80-column terminal: longer names are cut with an ellipsis.
        width = min(22, max(12, *(len(visible(name)) for name, _ in tools)))
        header = f"{'Tool'.ljust(width)} {'calls':>7} {'errors':>6}" + "".join(
            f" {column:>7}" for column in ("p50", "p95", "max", "mean")
        )
        lines.append(Content.styled(header, "bold $accent"))
        for name, stats in tools:
            durations = (stats.p50_ms, stats.p95_ms, stats.max_ms, stats.mean_duration_ms)
            lines.append(
                Content.assemble(
                    one_line(name, width).ljust(width),
                    f" {stats.calls:>7,}",
                    (f" {stats.errors:>6,}", "$text-error" if stats.errors else ""),
                    *(f" {format_duration(value):>7}" for value in durations),
                )
            )
            if stats.errors_by_kind:
                kinds = one_line(errors_by_kind_text(stats), 80)
                lines.append(Content.styled(f"{'':{width}}   ↳ {kinds}", "$text-error"))
    return Content("\n").join(lines)


class StatsScreen(TuiModal[None]):
    """Reads ``store.totals()`` in a thread (it queries the index) and shows the figures."""

    BINDINGS = bindings(Where.STATS)

    def __init__(self, store: TotalsSource) -> None:
        super().__init__()
        self.source = store

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="modal-body", id="stats-body"):
            yield Static(Content("Statistics"), classes="modal-title")
            with VerticalScroll(id="stats-table"):
                yield Static(Content("Counting…"), id="stats-text")
            yield Static(Content("Esc closes this screen."), classes="modal-hint")

    def on_mount(self) -> None:
        self.load_totals()

    @work(thread=True, exclusive=True, group="stats")
    def load_totals(self) -> None:
        try:
            content = totals_content(self.source.totals())
        except Exception as error:  # an unreadable index must not take the app down
            content = Content.styled(f"Could not read the statistics: {visible(str(error))}", "$text-error")
        self.app.call_from_thread(self.query_one("#stats-text", Static).update, content)
