"""What the conversation list does in its worker threads: the cold-start scan, indexing, polling.

Apart from the list widget because none of it runs on the event loop: it reads the store (a
:class:`ListSource`) and hands every result to the list through ``call``, which runs it on the loop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from textual.worker import Worker

from tui_chat.engine.models import ConversationSummary
from tui_chat.engine.workspace import ListProgress, TextProgress
from tui_chat.i18n import _
from tui_chat.ui.formatting import count_text, one_line

POLL_SECONDS = 2.0
"""How often the folder is checked for conversations other processes added, changed or deleted."""


class ListSource(Protocol):
    """What the list reads (the store); every call is made from a worker thread."""

    def scan_conversations(self) -> Iterator[ListProgress]: ...

    def refresh(self) -> bool: ...

    def list_conversations(self, query: str = "") -> list[ConversationSummary]: ...

    def index_texts(self) -> TextProgress: ...


def could_not_read(error: Exception) -> str:
    return _("Could not read the list: {reason}").format(reason=one_line(str(error), 200))


@dataclass
class ListFeed:
    """The list's work in a worker thread; each result goes to the list through ``call``."""

    source: ListSource
    call: Callable[..., bool]
    """Run a callback on the event loop and wait for it; False once the app (or the list) is gone."""
    scanned: Callable[[ListProgress], None]
    set_status: Callable[[str], None]
    indexing: Callable[[str, TextProgress], None]
    refreshed: Callable[[Sequence[ConversationSummary]], None]

    def scan(self, worker: Worker[None]) -> bool:
        """Read the list, batch by batch; False when cancelled or the list is gone (nothing follows)."""
        try:
            for step in self.source.scan_conversations():
                if worker.is_cancelled or not self.call(self.scanned, step):
                    return False
        except Exception as error:  # a locked or unreadable index: say so; the poll tries again
            self.call(self.set_status, could_not_read(error))
        return True

    def index_and_poll(self, worker: Worker[None]) -> None:
        """Index the text of every conversation for search, then check the folder every few seconds."""
        source = self.source
        next_poll = time.monotonic() + POLL_SECONDS
        before: TextProgress | None = None
        while not worker.is_cancelled:
            try:
                progress = source.index_texts()
            except Exception:  # a busy or failing index: try again at the next poll
                progress = TextProgress(0, 0)
            stalled, before = progress == before, progress
            if not progress.complete and not stalled:
                text = _("Search index: {indexed} / {total}…").format(
                    indexed=count_text(progress.indexed), total=count_text(progress.total)
                )
                if not self.call(self.indexing, text, progress):
                    return
                continue
            if not self.call(self.indexing, "", progress):
                return
            while time.monotonic() < next_poll:
                if worker.is_cancelled:
                    return
                time.sleep(0.1)
            next_poll = time.monotonic() + POLL_SECONDS
            try:
                changed = source.refresh()
                summaries = source.list_conversations() if changed else None
            except Exception as error:  # the next poll tries again
                if not self.call(self.set_status, could_not_read(error)):
                    return
                continue
            if summaries is not None and not self.call(self.refreshed, summaries):
                return
