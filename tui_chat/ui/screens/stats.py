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
from tui_chat.i18n import N_, _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import format_duration, one_line, visible
from tui_chat.ui.screens.modal import TuiModal

TOOL_COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("calls"), 7),
    (N_("errors"), 6),
    ("p50", 7),
    ("p95", 7),
    (N_("max"), 7),
    (N_("mean"), 7),
)
"""The per-tool columns after the name: heading (p50 and p95 are not in the catalog) and least width."""


class TotalsSource(Protocol):
    def totals(self) -> StoreTotals: ...


def totals_content(totals: StoreTotals) -> Content:
    """The figures as aligned text: the CLI's rows (engine.stats), with the TUI's styles."""
    lines = [Content.assemble((label.ljust(15), "bold"), value) for label, value in stats_rows(totals)]
    tools = tool_rows(totals)
    lines.append(Content(""))
    if not tools:
        lines.append(Content.styled(_("No function calls yet."), "$text-muted"))
    else:
        # Fits an 80-column terminal: longer names are cut with an ellipsis. A column is as wide as its
        # heading in the current language.
        width = min(22, max(12, *(len(visible(name)) for name, __ in tools)))
        headings = [_(heading) for heading, __ in TOOL_COLUMNS]
        widths = [max(least, len(_(heading))) for heading, least in TOOL_COLUMNS]
        calls_w, errors_w, *duration_ws = widths
        header = _("Tool").ljust(width) + "".join(
            f" {heading:>{column_width}}" for heading, column_width in zip(headings, widths, strict=True)
        )
        lines.append(Content.styled(header, "bold $accent"))
        for name, stats in tools:
            durations = (stats.p50_ms, stats.p95_ms, stats.max_ms, stats.mean_duration_ms)
            lines.append(
                Content.assemble(
                    one_line(name, width).ljust(width),
                    f" {stats.calls:>{calls_w},}",
                    (f" {stats.errors:>{errors_w},}", "$text-error" if stats.errors else ""),
                    *(
                        f" {format_duration(value):>{column_width}}"
                        for value, column_width in zip(durations, duration_ws, strict=True)
                    ),
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
            yield Static(Content(_("Statistics")), classes="modal-title")
            with VerticalScroll(id="stats-table"):
                yield Static(Content(_("Counting…")), id="stats-text")
            yield Static(Content(_("Esc closes this screen.")), classes="modal-hint")

    def on_mount(self) -> None:
        self.load_totals()

    @work(thread=True, exclusive=True, group="stats")
    def load_totals(self) -> None:
        try:
            content = totals_content(self.source.totals())
        except Exception as error:  # an unreadable index must not take the app down
            message = _("Could not read the statistics: {error}").format(error=visible(str(error)))
            content = Content.styled(message, "$text-error")
        self.app.call_from_thread(self.query_one("#stats-text", Static).update, content)
