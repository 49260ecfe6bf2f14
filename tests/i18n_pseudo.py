"""A pseudo-language that shows which visible texts bypass the catalog.

Every message looked up through :mod:`tui_chat.i18n` comes back with its letters swapped for accented
look-alikes of the same width ("Settings" → "Šéţţîñĝš"), placeholders, markup tags and key names left
alone. A screen drawn in it should then show no plain ASCII word except data (titles, model and tool
names, JSON) and key names: :func:`untranslated` lists the words that are left, i.e. texts that never went
through ``_()``.
"""

from __future__ import annotations

import functools
import gettext
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from tui_chat import i18n
from tui_chat.i18n.extract import extract

_LOWER = "áƀçďéƒĝĥîĵķľɱñöþǫŕšţüṽŵẋýž"
_UPPER = "ÁƁÇĎÉƑĜĤÎĴĶĽṀÑÖÞǪŔŠŢÜṼŴẊÝŽ"
_TABLE = str.maketrans("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", _LOWER + _UPPER)
_KEEP = re.compile(
    r"\{[^{}]*\}"  # str.format fields
    r"|%(?:\([a-z_]+\))?[sdrf]"  # %-formats (argparse's own messages)
    r"|\[[^\[\]\n]*\]"  # Rich markup tags, [section] names
    r"|\b(?:ctrl|shift|alt|esc|enter|tab|f\d+|pageup|pagedown|home|end)\b(?:\+\w+)*"  # key names
    r"|`[^`]*`"  # code
)


def pseudo(message: str) -> str:
    out, last = [], 0
    for match in _KEEP.finditer(message):
        out.append(message[last : match.start()].translate(_TABLE))
        out.append(match.group())
        last = match.end()
    out.append(message[last:].translate(_TABLE))
    return "".join(out)


@functools.cache
def catalog_messages() -> frozenset[str]:
    """Every msgid the source marks (what ``python -m tui_chat.i18n.extract`` puts in the catalogs)."""
    messages = extract()  # keyed as the catalog is: "context\x04msgid" for a text with a context
    return frozenset(messages) | {m.plural for m in messages.values() if m.plural}


class PseudoTranslations(gettext.NullTranslations):
    """Only texts the catalog has are changed: ``_(text)`` of a text nobody marked (a label passed
    through a variable) stays plain ASCII on screen, and :func:`untranslated` names it."""

    def gettext(self, message: str) -> str:
        return pseudo(message) if message in catalog_messages() else message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return pseudo(message) if f"{context}\x04{message}" in catalog_messages() else message


@contextmanager
def pseudo_language() -> Iterator[None]:
    with i18n.using(PseudoTranslations()):
        yield


KEY_WORDS = frozenset(
    [
        "ctrl",
        "shift",
        "alt",
        "esc",
        "enter",
        "tab",
        "del",
        "pageup",
        "pagedown",
        "home",
        "end",
        "space",
        "up",
        "down",
        "left",
        "right",
        "backspace",
        "insert",
    ]
)
"""Key names as the footer and help show them (Textual's key display, the registry's)."""

_URL = re.compile(r"\bhttps?://\S+")
"""URLs are data (a server's address), whatever words they hold."""
_TOKEN = re.compile(r"[A-Za-z0-9_'’-]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]")


def untranslated(text: str, allowed: Iterable[str] = ()) -> list[str]:
    """The lines of ``text`` holding an ASCII word of 3+ letters that is neither allowed nor a key name.

    A token with a digit in it is an identifier or a number (``chat-local-…-88dec0b7``, ``call_001``,
    ``gpt-4o``), not a word: its letters are never taken for text.
    """
    allow = {word.lower() for word in allowed} | KEY_WORDS
    lines = []
    for line in text.splitlines():
        tokens = [t for t in _TOKEN.findall(_URL.sub("", line)) if not any(c.isdigit() for c in t)]
        words = [w for t in tokens for w in _WORD.findall(t) if len(w) >= 3 and w.lower() not in allow]
        if words:
            lines.append(f"{' '.join(words)}   <- {line.strip()}")
    return lines
