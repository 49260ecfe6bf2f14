"""Search every conversation: results as you type, newest first, with the matched words highlighted.

The query runs in a thread (``store.search(..., wait=False)``) a moment after the last key, so typing
never waits for SQLite; while the full-text index is still being built the screen says so and searches
again as it grows. Enter opens the conversation at the message: the screen is dismissed with the hit
and the app posts :class:`OpenAt` to the main screen.

Snippets are model and tool text: they are shown as ``Content`` built from plain strings (never markup),
with control characters made visible.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.engine.models import utcnow
from tui_chat.engine.workspace import SearchHit, SearchResult, StoreTotals
from tui_chat.i18n import N_, _, ngettext
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import count_text, one_line, relative_time, visible
from tui_chat.ui.screens.modal import TuiModal

DEBOUNCE_SECONDS = 0.15
"""Typing pauses this long before the query runs."""
RETRY_SECONDS = 2.0
"""While the index is still being built, the same query runs again this often."""
LIMIT = 100
ROLES: tuple[str | None, ...] = (None, "user", "assistant", "tool", "title")
HIT_ROLES = {"title": N_("title"), "user": N_("you"), "assistant": N_("reply"), "tool": N_("tool result")}
"""Where a hit is, as its result line says it (translated where shown)."""
ROLE_FILTERS = {
    None: N_("all"),
    "user": N_("user"),
    "assistant": N_("assistant"),
    "tool": N_("tool"),
    "title": N_("title"),
}
"""The role filter's values as its chip shows them."""


class SearchSource(Protocol):
    """What the screen reads (the store); called from worker threads."""

    def search(
        self,
        query: str,
        *,
        role: str | None = None,
        tool: str | None = None,
        errors_only: bool = False,
        limit: int = 50,
        wait: bool = True,
    ) -> SearchResult: ...

    def totals(self) -> StoreTotals: ...


class OpenAt(Message):
    """Open a conversation and show one of its messages, highlighted (``message_id`` "" for a title)."""

    def __init__(self, conversation_id: str, message_id: str) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.message_id = message_id


def _plain(text: str) -> str:
    return visible(text).replace("\n", " ").replace("\t", " ")


def snippet_content(hit: SearchHit) -> Content:
    """The snippet on one line, its matched words highlighted."""
    parts: list[str | tuple[str, str]] = []
    last = 0
    for start, end in hit.highlights:
        parts += [_plain(hit.snippet[last:start]), (_plain(hit.snippet[start:end]), "bold reverse $accent")]
        last = end
    parts.append(_plain(hit.snippet[last:]))
    return Content.assemble(*parts)


def hit_prompt(hit: SearchHit, now: datetime) -> Content:
    """Two lines: where (title · role, tool, error · when), then the snippet."""
    role = HIT_ROLES.get(hit.role)
    details = [_(role) if role else hit.role]
    if hit.tools:
        details.append(one_line(", ".join(hit.tools), 40))
    head: list[str | tuple[str, str]] = [(one_line(hit.title or hit.conversation_id, 60), "bold"), "  "]
    head.append((" · ".join(details), "$text-muted"))
    if hit.error:
        head.append(("  ✗ " + _("error"), "$text-error"))
    head.append((f"  · {relative_time(hit.created_at, now)}", "$text-muted"))
    return Content.assemble(*head, "\n", snippet_content(hit))


class SearchScreen(TuiModal["SearchHit | None"]):
    """Dismissed with the chosen hit (Enter), or None (Esc)."""

    CSS_PATH = ["modals.tcss", "search.tcss"]
    BINDINGS = bindings(Where.SEARCH)

    def __init__(self, source: SearchSource, *, query: str = "", clock=utcnow) -> None:
        super().__init__()
        self.source = source
        self.clock = clock
        self.role: str | None = None
        self.tool: str | None = None
        self.errors_only = False
        self.tools: list[str] = []
        self._initial = query
        self._hits: list[SearchHit] = []
        self._generation = 0
        self._debounce: Timer | None = None
        self._retry: Timer | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="modal-body", id="search-body"):
            yield Static(Content(_("Search every conversation")), classes="modal-title")
            yield Input(self._initial, placeholder=_("Words to find…"), id="search-query")
            yield Static("", id="search-filters")
            yield Static("", id="search-status")
            yield OptionList(id="search-results")
            yield Static(
                Content(_("Enter opens the conversation at that message · ↓ results · Esc closes")),
                classes="modal-hint",
            )

    def on_mount(self) -> None:
        self._show_filters()
        self.query_one("#search-query", Input).focus()
        self.load_tools()
        self._schedule(0)

    # -- filters ---------------------------------------------------------------------------------

    @work(thread=True, group="search-tools")
    def load_tools(self) -> None:
        """The tool names the tool filter cycles through: every tool that was ever called."""
        try:
            names = sorted(self.source.totals().tools)
        except Exception:  # the filter then offers no tools; searching still works
            return
        self.app.call_from_thread(setattr, self, "tools", names)

    def _show_filters(self) -> None:
        def chip(key: str, label: str, value: str, active: bool) -> Content:
            return Content.assemble(
                (f" {key} ", "reverse"), f" {label}: ", (value, "bold $accent" if active else "$text-muted")
            )

        filters = self.query_one("#search-filters", Static)
        filters.update(
            Content("   ").join(
                [
                    chip("ctrl+r", _("role"), _(ROLE_FILTERS.get(self.role, "all")), self.role is not None),
                    chip(
                        "ctrl+t",
                        _("tool"),
                        one_line(self.tool, 30) if self.tool else _("any"),
                        self.tool is not None,
                    ),
                    chip(
                        "ctrl+o",
                        _("errors only"),
                        _("on") if self.errors_only else _("off"),
                        self.errors_only,
                    ),
                ]
            )
        )

    def action_cycle_role(self) -> None:
        self.role = ROLES[(ROLES.index(self.role) + 1) % len(ROLES)]
        self._filters_changed()

    def action_cycle_tool(self) -> None:
        choices: list[str | None] = [None, *self.tools]
        position = choices.index(self.tool) if self.tool in choices else 0
        self.tool = choices[(position + 1) % len(choices)]
        if self.tool is None and not self.tools:
            self.notify(_("No tool has been called yet."), timeout=3)
        self._filters_changed()

    def action_toggle_errors(self) -> None:
        self.errors_only = not self.errors_only
        self._filters_changed()

    def _filters_changed(self) -> None:
        self._show_filters()
        self._schedule(0)

    def action_focus_query(self) -> None:
        self.query_one("#search-query", Input).focus()

    def action_dismiss_search(self) -> None:
        self.dismiss(None)

    # -- running the query -----------------------------------------------------------------------

    @on(Input.Changed, "#search-query")
    def _query_changed(self) -> None:
        self._schedule(DEBOUNCE_SECONDS)

    def _schedule(self, delay: float) -> None:
        for timer in (self._debounce, self._retry):
            if timer is not None:
                timer.stop()
        self._generation += 1
        if delay:
            self._debounce = self.set_timer(delay, self._start)
        else:
            self._start()

    def _start(self) -> None:
        query = self.query_one("#search-query", Input).value
        if not query.strip() and self.role is None and self.tool is None and not self.errors_only:
            self._show([], None, self._generation)
            return
        self.run_search(query, self.role, self.tool, self.errors_only, self._generation)

    @work(thread=True, exclusive=True, group="search")
    def run_search(
        self, query: str, role: str | None, tool: str | None, errors: bool, generation: int
    ) -> None:
        try:
            result = self.source.search(
                query, role=role, tool=tool, errors_only=errors, limit=LIMIT, wait=False
            )
        except Exception as error:  # a busy or broken index: say so, the next key tries again
            self.app.call_from_thread(self._failed, str(error), generation)
            return
        self.app.call_from_thread(self._show, list(result), result, generation)

    def _failed(self, reason: str, generation: int) -> None:
        if generation == self._generation:
            status = self.query_one("#search-status", Static)
            failed = _("The search failed: {reason}").format(reason=one_line(reason, 200))
            status.update(Content.styled(failed, "$text-error"))

    def _show(self, hits: list[SearchHit], result: SearchResult | None, generation: int) -> None:
        if generation != self._generation:
            return  # an older query, overtaken by typing
        self._hits = hits
        results = self.query_one("#search-results", OptionList)
        now = self.clock()
        results.set_options(Option(hit_prompt(hit, now), id=str(n)) for n, hit in enumerate(hits))
        if hits:
            results.highlighted = 0
        status = self.query_one("#search-status", Static)
        if result is None:
            status.update(
                Content.styled(_("Type to search messages, replies, tool calls and errors."), "$text-muted")
            )
            return
        if hits:
            count = count_text(len(hits)) + ("+" if len(hits) >= LIMIT else "")
            found = ngettext("{count} match, newest first", "{count} matches, newest first", len(hits))
            text = Content(found.format(count=count))
        else:
            text = Content.styled(_("No matches."), "bold")
        if not result.index_complete:
            indexing = ngettext(
                "still indexing: {indexed} of {total} conversation so far",
                "still indexing: {indexed} of {total} conversations so far",
                result.total,
            ).format(indexed=count_text(result.indexed), total=count_text(result.total))
            text = Content.assemble(text, ("  · " + indexing, "$warning"))
            self._retry = self.set_timer(RETRY_SECONDS, self._start)
        status.update(text)

    # -- keys ------------------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        query = self.query_one("#search-query", Input)
        results = self.query_one("#search-results", OptionList)
        if query.has_focus and event.key == "down" and self._hits:
            event.stop()
            results.focus()
        elif results.has_focus and event.key == "up" and results.highlighted in (0, None):
            event.stop()
            query.focus()
        elif results.has_focus and event.is_printable and event.character:
            event.stop()  # typing in the results goes on with the query
            query.focus()
            query.insert_text_at_cursor(event.character)

    @on(Input.Submitted, "#search-query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        results = self.query_one("#search-results", OptionList)
        if self._hits:
            self._open(results.highlighted or 0)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._open(event.option_index)

    def _open(self, index: int) -> None:
        if 0 <= index < len(self._hits):
            self.dismiss(self._hits[index])
