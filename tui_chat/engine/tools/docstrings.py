"""What a tool's docstring says: its first paragraph (the description) and each parameter's text.

Apart from the schema built from the signature because it reads prose, not types: Google ``Args:``
sections and reST ``:param x:`` lines.
"""

from __future__ import annotations

import re

_SECTION_HEADER = re.compile(r"^([A-Z][A-Za-z ]*):\s*$")
_ARG_SECTIONS = {"Args", "Arguments", "Parameters", "Params", "Keyword Args", "Keyword Arguments"}
_GOOGLE_ARG = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_REST_PARAM = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+)\s*:\s*(.*)$")


def first_paragraph(doc: str) -> str:
    lines: list[str] = []
    for line in doc.splitlines():
        stripped = line.strip()
        if not stripped or _SECTION_HEADER.match(stripped) or stripped.startswith(":"):
            break
        lines.append(stripped)
    return " ".join(lines)


def parameter_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from a Google ``Args:`` section or reST ``:param x:`` fields."""
    found: dict[str, list[str]] = {}
    section: str | None = None
    current: list[str] | None = None
    item_indent: int | None = None
    for line in doc.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            rest, header = _REST_PARAM.match(stripped), _SECTION_HEADER.match(stripped)
            section, current, item_indent = (header.group(1) if header else None), None, None
            if rest:
                current, item_indent = found.setdefault(rest.group(1), [rest.group(2)]), 0
            continue
        if section in _ARG_SECTIONS:
            item_indent = indent if item_indent is None else item_indent
            if indent <= item_indent:
                google = _GOOGLE_ARG.match(stripped)
                current = found.setdefault(google.group(1), [google.group(2)]) if google else None
                continue
        if current is not None and item_indent is not None and indent > item_indent:
            current.append(stripped)
    return {name: " ".join(part for part in parts if part) for name, parts in found.items()}
