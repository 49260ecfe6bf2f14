"""The inspector's detail sections: their keys and titles, which rows have them, and the titled block.

Apart from the panel so the copy actions can name the sections without importing the panel.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static

from tui_chat.i18n import N_, _

SECTIONS = (
    ("reply", N_("Reply")),
    ("arguments", N_("Arguments")),
    ("result", N_("Result")),
    ("timing", N_("Timing")),
    ("raw_reply", N_("Raw reply of the round")),
    ("request", N_("Request of the round (messages and tools sent)")),
)
"""Each detail section's key and title (English, the catalog's key: translated where shown)."""
CALL_ONLY = ("arguments", "result")
ROUND_ONLY = ("reply",)


class InspectorSection(Vertical):
    """A titled block of the details with a button that copies it as JSON."""

    def __init__(self, key: str, title: str) -> None:
        extra = " call-only" if key in CALL_ONLY else " round-only" if key in ROUND_ONLY else ""
        super().__init__(id=f"section-{key}", classes="inspector-section" + extra)
        self.key = key
        self.title = title

    def compose(self) -> ComposeResult:
        with Horizontal(classes="section-header"):
            yield Static(Content(_(self.title)), classes="section-title")
            copy = Button(_("copy"), id=f"copy-{self.key}", compact=True, classes="section-copy")
            copy.can_focus = False  # clicked, or its key (c, a, r, m): Tab goes list → details
            yield copy
        yield Static(id=f"body-{self.key}", classes="section-body")

    def show(self, body: Content) -> None:
        self.query_one(".section-body", Static).update(body)
