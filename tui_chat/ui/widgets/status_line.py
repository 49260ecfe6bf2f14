"""The two lines around the chat pane that say how things stand: the setup banner and the status line."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import Static

from tui_chat.engine.errors import EngineError
from tui_chat.i18n import _, ngettext
from tui_chat.ui.formatting import one_line, visible

SETUP_ERRORS = frozenset({"missing_credentials", "authentication", "connection"})
"""Errors that mean "no model is configured or reachable": they also raise the setup banner."""


class SetupBanner(Static):
    """The one place that says how to configure a model: shown only while a problem applies.

    The problem is the configuration's (``setup_problem``, e.g. no key: known offline) or the last
    "cannot reach the model" error, until a request gets through or the user moves on.
    """

    def __init__(self, setup_problem: Callable[[], EngineError | None], *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.setup_problem = setup_problem
        self.reach_error: EngineError | None = None

    def reach_failed(self, error: EngineError | None) -> None:
        self.reach_error = error
        self.refresh_problem()

    def model_reached(self) -> None:
        if self.reach_error is not None:
            self.reach_failed(None)

    def refresh_problem(self) -> None:
        self.show_problem(self.reach_error or self.setup_problem())

    def show_problem(self, problem: EngineError | None) -> None:
        self.display = problem is not None
        if problem is None:
            return
        configured = problem.kind != "missing_credentials"
        headline = _("No model is reachable.") if configured else _("No model is configured.")
        text = Text(headline + " ", style="bold")
        text.append(visible(str(problem)))
        text.append("\n")
        text.append(
            _(
                "Press F3 (settings) to choose the model, API base and API key variable; "
                "old conversations stay readable and exportable offline."
            )
        )
        self.update(text)


class StatusLine(Static):
    """``model · state`` (``streaming…``, ``running get_time…``) or ``model · 12 messages``."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.state = ""

    def show(self, model: str, state: str = "", message_count: int = 0) -> None:
        self.state = state
        text = Text(one_line(model, 40), style="bold")
        if state:
            text.append("  ·  " + state)
        elif message_count > 1:
            count = ngettext("{n} message", "{n} messages", message_count)
            text.append("  ·  " + count.format(n=message_count))
        self.update(text)
