"""Reading and writing the subset of GNU ``.po`` files the catalog uses, and compiling one to ``.mo``.

The ``.po`` file is the one description of a language; :func:`compile_mo` turns it into the bytes
that :class:`gettext.GNUTranslations` reads, so the stdlib does the lookups and the plural rules and no
compiled file is kept in the repository.
"""

from __future__ import annotations

import ast
import struct
from dataclasses import dataclass, field
from pathlib import Path

CONTEXT_SEPARATOR = "\x04"
"""Between a message's context and its msgid, in a catalog key and in .mo files (as GNU gettext does)."""


@dataclass
class Entry:
    msgid: str
    msgstr: str = ""
    msgid_plural: str = ""
    msgstr_plural: list[str] = field(default_factory=list)
    locations: list[str] = field(default_factory=list)
    """``path:line`` of each use, written as ``#:`` comments (where a translator can see the context)."""
    comments: list[str] = field(default_factory=list)
    """Translator comments (``#.`` from the source, or ``# `` written by a translator)."""
    context: str = ""
    """``msgctxt``: tells apart one English text meaning two things (a word in a 12-column list vs a
    sentence)."""

    @property
    def key(self) -> str:
        return f"{self.context}{CONTEXT_SEPARATOR}{self.msgid}" if self.context else self.msgid

    @property
    def translated(self) -> bool:
        if self.msgid_plural:
            return bool(self.msgstr_plural) and all(self.msgstr_plural)
        return bool(self.msgstr)


@dataclass
class Catalog:
    header: str
    entries: dict[str, Entry]
    """By :attr:`Entry.key`: the msgid (the English text), after its context if it has one."""


class PoSyntaxError(ValueError):
    pass


def _unquote(line: str, path: Path, number: int) -> str:
    try:
        value = ast.literal_eval(line)
    except (SyntaxError, ValueError) as error:
        raise PoSyntaxError(f"{path}:{number}: not a quoted string: {line!r}") from error
    if not isinstance(value, str):
        raise PoSyntaxError(f"{path}:{number}: not a quoted string: {line!r}")
    return value


def read_po(path: Path) -> Catalog:
    """Parse ``path``; the entry with an empty msgid is the header."""
    entries: dict[str, Entry] = {}
    header = ""
    current: dict[str, object] = {}
    key = ""

    def finish() -> None:
        nonlocal header
        if "msgid" not in current:
            return
        entry = Entry(
            msgid=str(current["msgid"]),
            msgstr=str(current.get("msgstr", "")),
            msgid_plural=str(current.get("msgid_plural", "")),
            msgstr_plural=[str(v) for _, v in sorted(current.get("plural", {}).items())],  # type: ignore[attr-defined]
            locations=list(current.get("locations", [])),  # type: ignore[call-overload]
            comments=list(current.get("comments", [])),  # type: ignore[call-overload]
            context=str(current.get("msgctxt", "")),
        )
        if entry.msgid == "" and not entry.context:
            header = entry.msgstr
        else:
            entries[entry.key] = entry
        current.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            key = ""
            continue
        if line.startswith("#"):
            if "msgid" in current:
                finish()
            if line.startswith("#:"):
                current.setdefault("locations", []).extend(line[2:].split())  # type: ignore[attr-defined]
            elif line.startswith(("#.", "# ")) or line == "#":
                current.setdefault("comments", []).append(line[2:].strip())  # type: ignore[attr-defined]
            continue
        if line.startswith('"'):
            value = _unquote(line, path, number)
            if key.startswith("msgstr["):
                current["plural"][int(key[7:-1])] += value  # type: ignore[index]
            elif key:
                current[key] = str(current[key]) + value
            else:
                raise PoSyntaxError(f"{path}:{number}: a string outside an entry")
            continue
        word, _, rest = line.partition(" ")
        if word in {"msgid", "msgctxt"} and "msgid" in current:
            finish()
        if word.startswith("msgstr["):
            current.setdefault("plural", {})[int(word[7:-1])] = _unquote(rest, path, number)  # type: ignore[index]
        elif word in {"msgctxt", "msgid", "msgid_plural", "msgstr"}:
            current[word] = _unquote(rest, path, number)
        else:
            raise PoSyntaxError(f"{path}:{number}: unknown keyword {word!r}")
        key = word
    finish()
    return Catalog(header=header, entries=entries)


def _quote(text: str) -> str:
    """A .po string: one physical line per line of text, as msgmerge writes them."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t")
    lines = escaped.split("\n")
    parts = [line + "\\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    if len(parts) <= 1:
        return f'"{parts[0] if parts else ""}"'
    return '""\n' + "\n".join(f'"{part}"' for part in parts)


def write_po(catalog: Catalog) -> str:
    out = [f"msgid {_quote('')}", f"msgstr {_quote(catalog.header)}", ""]
    for entry in catalog.entries.values():
        out += [f"#. {comment}" for comment in entry.comments]
        if entry.locations:
            out.append("#: " + " ".join(entry.locations))
        if entry.context:
            out.append(f"msgctxt {_quote(entry.context)}")
        out.append(f"msgid {_quote(entry.msgid)}")
        if entry.msgid_plural:
            out.append(f"msgid_plural {_quote(entry.msgid_plural)}")
            forms = entry.msgstr_plural or ["", ""]
            out += [f"msgstr[{n}] {_quote(form)}" for n, form in enumerate(forms)]
        else:
            out.append(f"msgstr {_quote(entry.msgstr)}")
        out.append("")
    return "\n".join(out)


def compile_mo(catalog: Catalog) -> bytes:
    """The GNU ``.mo`` bytes of the translated entries (untranslated ones fall back to the msgid)."""
    pairs: list[tuple[bytes, bytes]] = [(b"", catalog.header.encode())]
    for entry in catalog.entries.values():
        if not entry.translated:
            continue
        if entry.msgid_plural:
            key = f"{entry.key}\0{entry.msgid_plural}"
            value = "\0".join(entry.msgstr_plural)
        else:
            key, value = entry.key, entry.msgstr
        pairs.append((key.encode(), value.encode()))
    pairs.sort()
    count = len(pairs)
    keys_start = 7 * 4
    values_start = keys_start + count * 8
    data_start = values_start + count * 8
    key_table, value_table, data = [], [], b""
    for key, _value in pairs:
        key_table.append((len(key), data_start + len(data)))
        data += key + b"\0"
    for _key, value in pairs:
        value_table.append((len(value), data_start + len(data)))
        data += value + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, keys_start, values_start, 0, 0)
    tables = b"".join(struct.pack("<2I", *item) for item in key_table + value_table)
    return header + tables + data
