"""Bring the catalogs up to date with the source: ``python -m tui_chat.i18n.extract [--check]``.

Every literal passed to ``_``, ``N_``, ``ngettext``, ``gettext_in``, ``pgettext`` or ``NC_`` in
``tui_chat/`` is a message.
New messages are added untranslated, messages no longer used are dropped, translations are kept.
``--check`` changes nothing and exits 1 when a catalog is out of date or has an untranslated entry;
``--also FILE.po`` takes translations from another copy of a catalog too (merging two branches).
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tui_chat.i18n import LANGUAGES, SOURCE_LANGUAGE, catalog_path
from tui_chat.i18n.po import CONTEXT_SEPARATOR, Catalog, Entry, read_po, write_po

PACKAGE = Path(__file__).resolve().parent.parent
ROOT = PACKAGE.parent
SINGLE = {"_": 0, "N_": 0, "gettext_in": 1}
"""Function name → index of the argument that is the message."""
CONTEXTUAL = {"pgettext", "NC_"}
"""Functions called with ``(context, message)``."""

HEADERS = {
    "es": (
        "Project-Id-Version: tui-chat\n"
        "Language: es\n"
        "MIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=UTF-8\n"
        "Content-Transfer-Encoding: 8bit\n"
        "Plural-Forms: nplurals=2; plural=(n != 1);\n"
    ),
}


@dataclass
class Message:
    msgid: str
    plural: str = ""
    locations: list[str] = field(default_factory=list)
    context: str = ""

    @property
    def key(self) -> str:
        return f"{self.context}{CONTEXT_SEPARATOR}{self.msgid}" if self.context else self.msgid


class NotALiteral(ValueError):
    """A translation call whose message is not a string literal: it cannot be in a catalog."""


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _literal(node: ast.expr, where: str) -> str | None:
    """The message of a literal; None for a name (a message marked with ``N_`` where it is defined)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Constant)):
        raise NotALiteral(f"{where}: the message must be a plain string literal (format after translating)")
    return None


def messages_in(path: Path) -> list[tuple[str, str, int, str]]:
    """``(msgid, msgid_plural, line, context)`` of each translation call in one file."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        if name in SINGLE and len(node.args) > SINGLE[name]:
            msgid = _literal(node.args[SINGLE[name]], where)
            if msgid is not None:
                found.append((msgid, "", node.lineno, ""))
        elif name in CONTEXTUAL and len(node.args) == 2:
            context, msgid = _literal(node.args[0], where), _literal(node.args[1], where)
            if context is None and msgid is not None:
                raise NotALiteral(f"{where}: the context must be a string literal")
            if context is not None and msgid is not None:
                found.append((msgid, "", node.lineno, context))
        elif name == "ngettext" and len(node.args) == 3:
            singular, plural = _literal(node.args[0], where), _literal(node.args[1], where)
            if singular is not None and plural is not None:
                found.append((singular, plural, node.lineno, ""))
    return found


def extract() -> dict[str, Message]:
    """Every message of the package, in the order of first use (file by file)."""
    messages: dict[str, Message] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(Path(__file__).parent):  # the functions themselves
            continue
        relative = str(path.relative_to(ROOT))
        for msgid, plural, _line, context in sorted(messages_in(path), key=lambda found: found[2]):
            key = Message(msgid, context=context).key
            message = messages.setdefault(key, Message(msgid, plural, context=context))
            if relative not in message.locations:
                message.locations.append(relative)
    return messages


def updated(language: str, messages: dict[str, Message], also: list[Path]) -> Catalog:
    path = catalog_path(language)
    old = read_po(path) if path.is_file() else Catalog(header=HEADERS.get(language, ""), entries={})
    known = dict(old.entries)
    for other in also:
        for key, entry in read_po(other).entries.items():
            if entry.translated and not known.get(key, Entry(key)).translated:
                known[key] = entry
    entries = {}
    for key, message in messages.items():
        before = known.get(key)
        entries[key] = Entry(
            msgid=message.msgid,
            context=message.context,
            msgstr=before.msgstr if before else "",
            msgid_plural=message.plural,
            msgstr_plural=(before.msgstr_plural if before and before.msgstr_plural else ["", ""])
            if message.plural
            else [],
            locations=message.locations,
            comments=before.comments if before else [],
        )
    return Catalog(header=old.header or HEADERS.get(language, ""), entries=entries)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tui_chat.i18n.extract", description=__doc__)
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if out of date")
    parser.add_argument(
        "--also", type=Path, action="append", default=[], help="another .po to take translations from"
    )
    args = parser.parse_args(argv)
    try:
        messages = extract()
    except NotALiteral as error:
        print(error, file=sys.stderr)
        return 1
    status = 0
    for _name_shown, language in LANGUAGES:
        if language == SOURCE_LANGUAGE:
            continue
        catalog = updated(language, messages, args.also)
        text = write_po(catalog)
        path = catalog_path(language)
        untranslated = [e.msgid for e in catalog.entries.values() if not e.translated]
        if args.check:
            current = path.read_text(encoding="utf-8") if path.is_file() else ""
            if current != text:
                print(f"{path.relative_to(ROOT)} is out of date: run python -m tui_chat.i18n.extract")
                status = 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        for msgid in untranslated:
            print(f"{language}: untranslated: {msgid!r}")
        if untranslated:
            status = 1
        summary = f"{language}: {len(catalog.entries)} messages, {len(untranslated)} untranslated"
        print(summary, file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
