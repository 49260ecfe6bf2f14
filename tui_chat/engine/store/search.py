"""What a search returns: the hits, newest first, and how complete the full-text index was."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tui_chat.engine.models import ConversationSummary
from tui_chat.engine.store.index_texts import TextProgress
from tui_chat.engine.store.text_search import SearchHit

__all__ = ["ListProgress", "SearchHit", "SearchResult", "TextProgress"]


class SearchResult(list[SearchHit]):
    """A list of hits that also says whether every conversation's text was indexed when it ran.

    While the index is still being built (a cold start), the hits are those of what is indexed so far;
    ``indexed`` / ``total`` count conversations.
    """

    def __init__(self, hits: Iterable[SearchHit] = (), *, indexed: int = 0, total: int = 0) -> None:
        super().__init__(hits)
        self.indexed = indexed
        self.total = total

    @property
    def hits(self) -> list[SearchHit]:
        return list(self)

    @property
    def index_complete(self) -> bool:
        return self.indexed >= self.total


@dataclass(frozen=True)
class ListProgress:
    """One step of a (cold) listing: every summary read so far, newest first, and how many files are left."""

    summaries: list[ConversationSummary]
    read: int
    """Files read in this pass (only new or changed files are read)."""
    total: int
    """Files this pass has to read."""

    @property
    def done(self) -> bool:
        return self.read >= self.total
