"""Conversation-facing texts exist in English and Spanish."""

from __future__ import annotations


def test_every_error_kind_has_a_headline_in_both_languages() -> None:
    from tui_chat.engine import errors
    from tui_chat.engine.texts import ENGLISH, SPANISH

    kinds = {
        cls.kind
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ProviderError)
    }
    for texts in (ENGLISH, SPANISH):
        assert kinds <= texts.error_headlines.keys()
    assert SPANISH.error_headline("authentication") == "El proveedor rechazó la clave de API."
    assert ENGLISH.error_headline("no-such-kind") == "Something went wrong."
