"""The conversation list: an OptionList filled a screenful first and in batches after, with a filter box.

It loads itself from a :class:`ListSource` (the store) off the event loop: on a cold start the rows
come in batches as the files are read, under a "Reading 2,345 / 10,000 conversations…" line; then the
full-text index is built in the background, and the folder is polled every ``POLL_SECONDS`` so a
conversation another process adds, changes or deletes shows up without a restart (the worker threads'
side is :mod:`conversation_loading`).

``OptionList`` renders only visible lines; ``ListView`` (one widget per row) takes a minute for
10,000 conversations. Prompts are pre-built ``Content`` objects (:mod:`conversation_rows`): no markup
parsing, so a title such as ``[bold]`` is shown as it is, and building them is twice as fast. The
option list's keys are :mod:`conversation_options`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist
from textual.worker import Worker, get_current_worker

from tui_chat.engine.models import ConversationSummary, utcnow
from tui_chat.engine.workspace import ListProgress, TextProgress
from tui_chat.i18n import _, ngettext
from tui_chat.ui.formatting import count_text, one_line
from tui_chat.ui.widgets.conversation_loading import ListFeed, ListSource
from tui_chat.ui.widgets.conversation_options import ConversationOptions
from tui_chat.ui.widgets.conversation_rows import summary_prompt

FIRST_BATCH = 100
BATCH = 300
"""More rows are added when the user nears the end: measuring an option costs ~0.4 ms, so 10,000 rows
up front would be seconds of CPU taken from the event loop."""


class ConversationList(Vertical):
    """Filter box, list, and a detail line (the damage reason of the highlighted entry)."""

    class Opened(Message):
        def __init__(self, conversation_id: str) -> None:
            super().__init__()
            self.conversation_id = conversation_id

    class RenameRequested(Message):
        def __init__(self, summary: ConversationSummary) -> None:
            super().__init__()
            self.summary = summary

    class DeleteRequested(Message):
        def __init__(self, summary: ConversationSummary) -> None:
            super().__init__()
            self.summary = summary

    class UndoRequested(Message):
        pass

    class SearchRequested(Message):
        """``/`` in the list (with an empty filter): search inside the messages instead."""

    class Progressed(Message):
        """A step of loading: ``read`` of ``total`` files read (``stage`` "reading"), or the text of
        ``read`` of ``total`` conversations indexed for search (``stage`` "indexing")."""

        def __init__(self, stage: str, read: int, total: int, rows: int) -> None:
            super().__init__()
            self.stage = stage
            self.read = read
            self.total = total
            self.rows = rows

    def __init__(self, *, clock: Callable[[], datetime] = utcnow, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self._summaries: list[ConversationSummary] = []
        self._by_id: dict[str, ConversationSummary] = {}
        self._query = ""
        self._matching: list[ConversationSummary] = []
        self._shown = 0
        self.current_id: str | None = None
        self._source: ListSource | None = None
        self._background: Worker[None] | None = None
        self._marks: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Input(placeholder=_("Filter conversations…"), id="filter", compact=True)
        yield Static("", id="list-status", markup=False)
        yield Static("", id="list-empty", markup=False)
        yield ConversationOptions(id="conversations")
        yield Static("", id="list-detail", markup=False)

    @property
    def options(self) -> ConversationOptions:
        return self.query_one(ConversationOptions)

    def summary(self, conversation_id: str) -> ConversationSummary | None:
        return self._by_id.get(conversation_id)

    @property
    def count(self) -> int:
        return len(self._summaries)

    # -- loading ---------------------------------------------------------------------------------

    def load(self, source: ListSource) -> Worker[None]:
        """(Re)read the list from ``source`` off the event loop; then index and poll in the background."""
        self._source = source
        return self._scan()

    @work(thread=True, exclusive=True, group="list")
    def _scan(self) -> None:
        if self._feed().scan(get_current_worker()):
            self._call(self._start_background)

    def _feed(self) -> ListFeed:
        assert self._source is not None
        return ListFeed(
            self._source, self._call, self._scanned, self._set_status, self._indexing, self.refresh_summaries
        )

    def _call(self, callback: Callable[..., object], *args: object) -> bool:
        """Run ``callback`` on the event loop and wait for it; False once the app (or this widget) is gone."""
        try:
            self.app.call_from_thread(callback, *args)
        except Exception:  # shutting down: the app is not running, the widgets are unmounted
            return False
        return True

    def _scanned(self, step: ListProgress) -> None:
        self.refresh_summaries(step.summaries)
        reading = ""
        if not step.done:
            reading = ngettext(
                "Reading {read} / {total} conversation…",
                "Reading {read} / {total} conversations…",
                step.total,
            ).format(read=count_text(step.read), total=count_text(step.total))
        self._set_status(reading)
        self.post_message(self.Progressed("reading", step.read, step.total, len(step.summaries)))

    def _start_background(self) -> None:
        if self._background is None or self._background.is_finished:
            self._background = self._index_and_poll()

    @work(thread=True, group="list-background")
    def _index_and_poll(self) -> None:
        """Index the text of every conversation for search, then check the folder every few seconds."""
        self._feed().index_and_poll(get_current_worker())

    def _indexing(self, text: str, progress: TextProgress) -> None:
        self._set_status(text, indexing=True)
        if text:
            self.post_message(self.Progressed("indexing", progress.indexed, progress.total, self.count))

    def _set_status(self, text: str, *, indexing: bool = False) -> None:
        status = self.query_one("#list-status", Static)
        status.update(text)
        status.set_class(indexing and bool(text), "-indexing")
        status.display = bool(text)

    # -- filling ---------------------------------------------------------------------------------

    def set_summaries(self, summaries: Sequence[ConversationSummary]) -> None:
        self._summaries = list(summaries)
        self._by_id = {summary.id: summary for summary in self._summaries}
        self._fill()

    def refresh_summaries(self, summaries: Sequence[ConversationSummary]) -> None:
        """New rows from disk (a batch of a cold start, a change another process made): the highlighted
        row and how far the list was filled stay as they were."""
        options = self.options
        # The top row stays the top row (a newer conversation takes it); a row the user moved to stays.
        moved = options.highlighted not in (None, 0) and options.highlighted_option is not None
        highlighted = options.highlighted_option.id if moved and options.highlighted_option else None
        shown = self._shown
        self._summaries = list(summaries)
        self._by_id = {summary.id: summary for summary in self._summaries}
        self._fill(keep=highlighted, at_least=shown)

    def upsert(self, summary: ConversationSummary) -> None:
        """Put a changed or new conversation at the top (the list is newest first)."""
        self._summaries = [s for s in self._summaries if s.id != summary.id]
        self._summaries.insert(0, summary)
        self._by_id[summary.id] = summary
        self._fill()

    def replace(self, summary: ConversationSummary) -> None:
        """Show a changed title (a rename) where the conversation already is: it is not new activity."""
        if summary.id not in self._by_id:
            return
        self._summaries = [summary if s.id == summary.id else s for s in self._summaries]
        self._matching = [summary if s.id == summary.id else s for s in self._matching]
        self._by_id[summary.id] = summary
        options = self.options
        if self._shows(summary.id):
            index = options.get_option_index(summary.id)
            options.replace_option_prompt_at_index(index, self._prompt(summary, self.clock()))

    def remove(self, conversation_id: str) -> None:
        """Drop a row; the highlight moves to the row that took its place (or the one above the last)."""
        self._summaries = [s for s in self._summaries if s.id != conversation_id]
        self._matching = [s for s in self._matching if s.id != conversation_id]
        self._by_id.pop(conversation_id, None)
        if self.current_id == conversation_id:
            self.current_id = None
        options = self.options
        if not self._shows(conversation_id):
            return
        index = options.get_option_index(conversation_id)
        options.remove_option(conversation_id)
        self._shown = max(0, self._shown - 1)
        if self._shown < len(self._matching) and options.option_count < FIRST_BATCH:
            self.load_more()
        if options.option_count:
            options.highlighted = min(index, options.option_count - 1)

    def _shows(self, conversation_id: str) -> bool:
        try:
            self.options.get_option_index(conversation_id)
        except OptionDoesNotExist:
            return False
        return True

    def highlight(self, conversation_id: str | None) -> None:
        """Mark the open conversation; None (a new, unsaved one) leaves the highlight where it is."""
        self.current_id = conversation_id
        options = self.options
        if conversation_id is not None and self._shows(conversation_id):
            options.highlighted = options.get_option_index(conversation_id)

    def _matches(self, summary: ConversationSummary) -> bool:
        query = self._query
        return not query or query in summary.title.casefold() or query in summary.id.casefold()

    def _prompt(self, summary: ConversationSummary, now: datetime) -> Content:
        return summary_prompt(summary, now, self._marks.get(summary.id, ""))

    def _option(self, summary: ConversationSummary, now: datetime) -> Option:
        return Option(self._prompt(summary, now), id=summary.id)

    def mark_of(self, conversation_id: str) -> str:
        """``running``, ``unseen`` or ``""``."""
        return self._marks.get(conversation_id, "")

    def set_marks(self, *, running: set[str], unseen: set[str]) -> None:
        """Mark the rows with a running reply and those with a reply the user has not seen yet."""
        marks = {cid: "unseen" for cid in unseen} | {cid: "running" for cid in running}
        changed = {cid for cid in marks.keys() | self._marks.keys() if marks.get(cid) != self._marks.get(cid)}
        self._marks = marks
        now = self.clock()
        for cid in changed:
            summary = self._by_id.get(cid)
            if summary is not None and self._shows(cid):
                index = self.options.get_option_index(cid)
                self.options.replace_option_prompt_at_index(index, self._prompt(summary, now))

    def _fill(self, *, keep: str | None = None, at_least: int = 0) -> None:
        """Show the first rows of what matches the filter; the rest come with :meth:`load_more`."""
        self._matching = [s for s in self._summaries if self._matches(s)]
        shown = max(FIRST_BATCH, at_least)
        for wanted in (keep, self.current_id):
            if wanted is not None:
                position = next((i for i, s in enumerate(self._matching) if s.id == wanted), -1)
                shown = max(shown, position + 20)
        self._shown = min(shown, len(self._matching))
        now = self.clock()
        options = self.options
        options.set_options(self._option(s, now) for s in self._matching[: self._shown])
        # A row is always highlighted, so Down / Enter / a list action act on what the user sees.
        if keep and self._shows(keep):
            options.highlighted = options.get_option_index(keep)
        elif self.current_id and self._shows(self.current_id):
            options.highlighted = options.get_option_index(self.current_id)
        elif options.option_count:
            options.highlighted = 0
        self._show_no_matches()

    def _show_no_matches(self) -> None:
        """Say so when the filter keeps nothing, and where to look instead."""
        empty = self.query_one("#list-empty", Static)
        nothing = bool(self._query) and not self._matching
        empty.display = nothing
        if nothing:
            query = one_line(self.filter_text.strip(), 20)
            empty.update(
                Content.assemble(
                    (_("No matches for “{query}” in titles.").format(query=query), "bold"),
                    "\n",
                    (_("Press ctrl+f to search inside messages."), "$text-muted"),
                )
            )

    def load_more(self) -> None:
        if self._shown >= len(self._matching):
            return
        now = self.clock()
        batch = self._matching[self._shown : self._shown + BATCH]
        self._shown += len(batch)
        self.options.add_options(self._option(s, now) for s in batch)

    # -- filter ----------------------------------------------------------------------------------

    @property
    def filter_box(self) -> Input:
        return self.query_one("#filter", Input)

    @property
    def filter_text(self) -> str:
        return self.filter_box.value

    def edit_filter(self, *, append: str = "", backspace: bool = False, clear: bool = False) -> None:
        """Change the filter from the list's keys, and filter now: the next key may already be Down."""
        box = self.filter_box
        if clear:
            value = ""
        elif backspace:
            value = box.value[:-1]
        else:
            value = box.value + append
        box.value = value
        box.cursor_position = len(value)
        self._apply_filter(value)

    def _apply_filter(self, value: str) -> None:
        query = value.strip().casefold()
        if query != self._query:
            self._query = query
            self._fill()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._apply_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter box opens the highlighted (best) match."""
        event.stop()
        options = self.options
        options.focus()
        if options.highlighted is not None:
            options.action_select()

    def on_key(self, event: events.Key) -> None:
        box = self.filter_box
        if not box.has_focus:
            return
        if event.key in ("down", "up"):
            event.stop()
            self.options.focus()  # the highlighted row stays: Enter now opens it
        elif event.key == "escape" and box.value:
            event.stop()
            self.edit_filter(clear=True)

    # -- selection -------------------------------------------------------------------------------

    @on(OptionList.OptionSelected, "#conversations")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.current_id = event.option.id
            self.post_message(self.Opened(event.option.id))

    @on(OptionList.OptionHighlighted, "#conversations")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option_index >= self._shown - 20:
            self.load_more()
        summary = self._by_id.get(event.option.id or "")
        detail = self.query_one("#list-detail", Static)
        if summary is not None and summary.damaged:
            detail.update(Content.assemble(("⚠ " + one_line(summary.damaged, 400), "$text-error")))
            detail.display = True
        else:
            detail.display = False
