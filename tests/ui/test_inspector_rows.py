"""The inspector's call list: one line per call, durations in one column, long names cut."""

from __future__ import annotations

from tui_chat.engine.models import ToolCall, ToolMessage
from tui_chat.ui.widgets.inspector_model import CallRecord
from tui_chat.ui.widgets.inspector_render import NAME_WIDTH, call_row


def _row(name: str) -> str:
    call = ToolCall("c1", name, "{}")
    result = ToolMessage("c1", name, "{}", {"success": True, "data": 1}, "{}", 56.0)
    return call_row(1, CallRecord(call, 1, result=result)).plain


def test_a_long_tool_name_is_cut_so_the_durations_stay_in_one_column() -> None:
    short, long = _row("add"), _row("time__get_current_time")
    assert len(short) == len(long)
    assert long.endswith("56 ms") and short.endswith("56 ms")
    assert "time__get_current_t…" in long and len("time__get_current_t…") == NAME_WIDTH
