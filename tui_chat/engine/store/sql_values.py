"""How Python values are stored in the index: times as epoch milliseconds, text SQLite can take.

Apart because every part of the index (list rows, tool calls, full text, search hits) converts the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SURROGATES = re.compile("[\ud800-\udfff]")


def epoch_ms(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)  # 3x faster than adding a timedelta; exact to the ms


def clean(text: str) -> str:
    """``text`` as SQLite (and a terminal) can take it: lone surrogates become U+FFFD."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text
