"""Full-text search over the index: the FTS5 query from user words, the SQL, and the hits it returns.

Apart from the index's writes because it is all about reading: user text made safe for FTS5 syntax,
the LIKE scan when SQLite has no FTS5, and snippets with the offsets of what matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from tui_chat.engine.store.rows import HIGHLIGHT_END, HIGHLIGHT_START
from tui_chat.engine.store.sql_values import from_epoch_ms

_MATCH = re.compile(f"{HIGHLIGHT_START}(.*?){HIGHLIGHT_END}", re.S)


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    title: str
    message_id: str
    """``""`` for a title hit."""
    role: str
    snippet: str
    created_at: datetime
    highlights: tuple[tuple[int, int], ...] = ()
    """``(start, end)`` offsets of the matched words in ``snippet``."""
    tools: tuple[str, ...] = ()
    """The tool of a tool result, the tools a reply called."""
    error: bool = False


def _quoted(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_query(query: str, *, role: str | None, tool: str | None, errors_only: bool) -> str | None:
    """Each word must appear (prefix match on the last one); quotes keep FTS5 syntax out of user text.

    None when there is nothing to match at all.
    """
    words = query.split()
    parts = []
    if words:
        terms = [_quoted(word) for word in words]
        if len(words[-1]) >= 2:  # a one-letter prefix matches half the vocabulary
            terms[-1] += "*"
        parts.append(f"text : ({' '.join(terms)})")
    if role:
        parts.append(f"role : {_quoted(role)}")
    if tool:
        parts.append(f"tools : {_quoted(tool)}")
    if errors_only:
        parts.append('flags : "error"')
    return " AND ".join(parts) or None


def highlights_of(marked: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Split an FTS5 snippet with markers into plain text and the offsets of what matched."""
    plain: list[str] = []
    spans: list[tuple[int, int]] = []
    position = last = 0
    for match in _MATCH.finditer(marked):
        before = marked[last : match.start()]
        plain.append(before)
        position += len(before)
        word = match.group(1)
        plain.append(word)
        spans.append((position, position + len(word)))
        position += len(word)
        last = match.end()
    plain.append(marked[last:])
    text = "".join(plain).replace(HIGHLIGHT_START, "").replace(HIGHLIGHT_END, "")
    return text, tuple(spans)


def around(text: str, query: str, width: int = 160) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A snippet of ``text`` around the first ``query`` (any case), for the search without FTS5."""
    found = text.lower().find(query.lower()) if query else -1  # lower() keeps the offsets
    start = max(0, found - width // 3) if found >= 0 else 0
    cut = text[start : start + width]
    prefix = "…" if start else ""
    snippet = prefix + cut + ("…" if start + width < len(text) else "")
    if found < 0:
        return snippet, ()
    offset = found - start + len(prefix)
    return snippet, ((offset, offset + len(query)),)


def search_statement(
    query: str, *, fts: bool, role: str | None, tool: str | None, errors_only: bool, limit: int
) -> tuple[str, tuple] | None:
    """The SQL and its parameters: newest first, each word must match (the last as a prefix); without
    FTS5, a substring scan. None when there is nothing to match."""
    columns = "t.conversation_id, c.title, t.message_id, t.role, {snippet}, t.created_at, t.tools, t.error"
    source = (  # FTS5 refuses an alias in MATCH
        " FROM texts_fts JOIN texts t ON t.rowid = texts_fts.rowid"
        " JOIN conversations c ON c.id = t.conversation_id"
    )
    tool_check = " AND instr(' ' || t.tools || ' ', ?) > 0" if tool else ""
    tool_param = (f" {tool} ",) if tool else ()
    if fts:
        match = fts_query(query, role=role, tool=tool, errors_only=errors_only)
        if match is None:
            return None
        sql = "SELECT " + columns.format(snippet="snippet(texts_fts, 0, ?, ?, '…', 16)") + source
        sql += f" WHERE texts_fts MATCH ?{tool_check} ORDER BY texts_fts.rowid DESC LIMIT ?"
        params: tuple = (HIGHLIGHT_START, HIGHLIGHT_END, match, *tool_param, limit)
    else:
        escaped = query.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql = "SELECT " + columns.format(snippet="texts_fts.text") + source
        sql += " WHERE texts_fts.text LIKE ? ESCAPE '\\'" + tool_check
        params = (f"%{escaped}%", *tool_param)
        if role:
            sql += " AND texts_fts.role = ?"
            params += (role,)
        if errors_only:
            sql += " AND t.error"
        sql += " ORDER BY t.rowid DESC LIMIT ?"
        params += (limit,)
    return sql, params


def hits_of(rows: list[tuple], query: str, *, fts: bool) -> list[SearchHit]:
    """The hits of the rows ``search_statement`` selects."""
    hits = []
    for cid, title, mid, hit_role, marked, at, tools, error in rows:
        snippet, spans = highlights_of(marked) if fts else around(marked, query.strip())
        hits.append(
            SearchHit(
                cid,
                title,
                mid,
                hit_role,
                snippet,
                from_epoch_ms(at),
                spans,
                tuple(tools.split()),
                bool(error),
            )
        )
    return hits
