"""The conversation list's rows: a pre-built two-line ``Content`` per conversation, with its mark.

Apart from the list widget because the rows are pure rendering (no markup parsing: a title such as
``[bold]`` is shown as it is), and the list only decides which rows are shown.
"""

from __future__ import annotations

from datetime import datetime

from textual.content import Content

from tui_chat.engine.models import ConversationSummary
from tui_chat.i18n import _, ngettext
from tui_chat.ui.formatting import count_text, one_line, relative_time

TITLE_WIDTH = 29
"""Titles are cut to one line of the sidebar."""


MARKS = {"running": ("● ", "$text-accent"), "unseen": ("◆ ", "$text-success")}
"""Before the title: a reply is running in it (●), or one finished there unseen (◆)."""


def summary_prompt(summary: ConversationSummary, now: datetime, mark: str = "") -> Content:
    """Two lines: the title, then ``3h ago · model · 2 tools`` (or the damaged marker)."""
    title = one_line(summary.title or _("(untitled)"), TITLE_WIDTH - (2 if mark else 0))
    if summary.damaged:
        return Content.assemble(
            ("⚠ ", "$text-error"),
            (title or summary.id, "bold"),
            "\n",
            (_("damaged file"), "$text-error"),
        )
    model = summary.model.rsplit("/", 1)[-1]
    details = [relative_time(summary.last_activity, now), one_line(model, 14)]
    if summary.tool_call_count:
        count = summary.tool_call_count
        details.append(ngettext("{n} call", "{n} calls", count).format(n=count_text(count)))
    if mark:  # in place of the time: a reply running or just finished is "now" anyway
        details[0] = _("replying…") if mark == "running" else _("new reply")
    return Content.assemble(MARKS.get(mark, ""), (title, "bold"), "\n", (" · ".join(details), "$text-muted"))
