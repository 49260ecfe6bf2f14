"""The catalog: complete, up to date with the source, and faithful to what each text holds."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap

import pytest

from tui_chat.i18n import LANGUAGES, SOURCE_LANGUAGE, _, catalog_path, gettext_in, ngettext, set_language
from tui_chat.i18n.extract import main as extract_main
from tui_chat.i18n.po import Entry, read_po

TRANSLATED = [code for _name, code in LANGUAGES if code != SOURCE_LANGUAGE]
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%(?:\([a-z_]+\))?[sdrf]")
MARKUP_TAG = re.compile(r"\[/?[a-z@$#][^\[\]]*\]")
KEY = re.compile(r"\b(?:ctrl|shift|alt)\+\S+?(?=[\s),.;:]|$)|\b[Ff]\d{1,2}\b")


def test_every_message_in_the_source_is_in_each_catalog_and_translated(capsys: pytest.CaptureFixture) -> None:
    """Fails on a text added with _() but not translated, and on a catalog left behind by the code."""
    status = extract_main(["--check"])
    assert status == 0, capsys.readouterr().out


def _forms(entry: Entry) -> list[str]:
    return entry.msgstr_plural if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_placeholders_markup_and_keys(language: str) -> None:
    problems = []
    for entry in read_po(catalog_path(language)).entries.values():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        for form in _forms(entry):
            for what, pattern in (("placeholders", PLACEHOLDER), ("markup", MARKUP_TAG), ("keys", KEY)):
                wanted = set(pattern.findall(sources[-1])) | set(pattern.findall(sources[0]))
                if what == "placeholders" and entry.msgid_plural:
                    wanted -= {"{n}"}  # a singular may say "one" instead of {n}
                    got = set(pattern.findall(form)) - {"{n}"}
                else:
                    got = set(pattern.findall(form))
                if got != wanted:
                    problems.append(f"{entry.msgid!r}: {what} {sorted(wanted)} became {sorted(got)}")
            if (
                form.endswith("\n") != entry.msgid.endswith("\n")
                or form[:1].isspace() != entry.msgid[:1].isspace()
            ):
                problems.append(f"{entry.msgid!r}: leading/trailing whitespace differs")
    assert problems == []


def test_lookups_follow_the_language_set_and_plural_rules() -> None:
    set_language("es")
    assert _("Settings saved.") == "Ajustes guardados."
    assert ngettext("Tools reloaded: {n} tool.", "Tools reloaded: {n} tools.", 1) == (
        "Herramientas recargadas: {n} herramienta."
    )
    assert ngettext("Tools reloaded: {n} tool.", "Tools reloaded: {n} tools.", 3).endswith("herramientas.")
    assert _("") == ""  # gettext's "" would be the catalog header
    assert _("a text no catalog has") == "a text no catalog has"
    set_language("en")
    assert _("Settings saved.") == "Settings saved."
    assert gettext_in("es", "Settings saved.") == "Ajustes guardados."


def test_no_text_is_looked_up_while_modules_are_imported() -> None:
    """A text translated at import time would stay in the language of that moment (a settings change
    would not reach it). Every module of the package is imported with the lookups counted."""
    script = textwrap.dedent(
        """
        import gettext, importlib, pkgutil, sys
        import tui_chat
        from tui_chat import i18n

        seen = []

        class Counting(gettext.NullTranslations):
            def gettext(self, message):
                seen.append(message)
                return message

            def ngettext(self, singular, plural, n):
                seen.append(singular)
                return singular

        with i18n.using(Counting()):
            for module in pkgutil.walk_packages(tui_chat.__path__, "tui_chat."):
                if module.name.endswith("__main__"):
                    continue
                importlib.import_module(module.name)
        print(repr(seen))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
