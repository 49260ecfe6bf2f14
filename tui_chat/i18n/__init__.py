"""Every text a person reads, through one catalog per language (stdlib :mod:`gettext`, ``.po`` files).

The source is English; ``tui_chat/locale/<lang>/LC_MESSAGES/tui_chat.po`` holds a language's
translations. In code::

    from tui_chat.i18n import N_, NC_, _, ngettext, pgettext

    _("Settings saved.")                                  # looked up now, in the current language
    _("Deleted {title}").format(title=title)              # placeholders: format after translating
    ngettext("{n} message", "{n} messages", n).format(n=n)
    LABELS = {"model": N_("Model")}                       # marked for the catalog, translated where shown
    SHORT = {"timeout": NC_("call row", "timed out")}     # one English text, two meanings: a context
    pgettext("call row", SHORT[kind])

The language is the process's, set from ``[session] language`` by the app, the CLI and the server
(:func:`set_language`); the settings screen changes it live. ``python -m tui_chat.i18n.extract``
brings the catalogs up to date with the source, and tests/test_i18n.py fails when a text is missing.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tui_chat.i18n.po import compile_mo, read_po

DOMAIN = "tui_chat"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES: tuple[tuple[str, str], ...] = (("English", "en"), ("Español", "es"))
"""``(name shown, code)``; each code but the source's has a catalog."""


def catalog_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The stdlib translations of ``language`` (English, the source, for an unknown code)."""
    path = catalog_path(language)
    if language == SOURCE_LANGUAGE or not path.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_mo(read_po(path))))


_current: gettext.NullTranslations = gettext.NullTranslations()
_current_language = SOURCE_LANGUAGE
_override: gettext.NullTranslations | None = None
"""While set (tests), every lookup uses it, whatever language is set."""


def set_language(language: str) -> None:
    """Use ``language`` for every text looked up from now on."""
    global _current, _current_language
    _current, _current_language = translations(language), language


def current_language() -> str:
    return _current_language


@contextmanager
def using(translation: gettext.NullTranslations) -> Iterator[None]:
    """Look every text up in ``translation`` for a while, whatever the language (tests use a
    pseudo-language that shows which texts bypass the catalog)."""
    global _override
    before, _override = _override, translation
    try:
        yield
    finally:
        _override = before


def _(message: str) -> str:
    """``message`` (English) in the current language."""
    if not message:  # gettext's "" is the catalog's header
        return message
    return (_override or _current).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return (_override or _current).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as meant in ``context`` (one English word, two uses)."""
    if not message:
        return message
    return (_override or _current).pgettext(context, message)


def NC_(context: str, message: str) -> str:
    """Marks ``message`` for the catalog in ``context``; translate it with ``pgettext`` where shown."""
    return message


def N_(message: str) -> str:
    """Marks ``message`` for the catalog without translating it (translate it with ``_`` where shown)."""
    return message


def gettext_in(language: str, message: str) -> str:
    """``message`` in ``language`` rather than the current one (a conversation keeps its language)."""
    if not message:
        return message
    return (_override or translations(language)).gettext(message)
