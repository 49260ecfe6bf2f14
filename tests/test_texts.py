"""Conversation-facing texts exist in English and Spanish."""

from __future__ import annotations


def test_every_error_kind_has_a_headline_in_both_languages() -> None:
    from tui_chat.engine import errors
    from tui_chat.engine.texts import ERROR_HEADLINES, texts_for

    kinds = {
        cls.kind
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.ProviderError)
    }
    assert kinds <= ERROR_HEADLINES.keys()
    spanish = texts_for("es")
    for kind in kinds:
        assert spanish.error_headline(kind) != texts_for("en").error_headline(kind)
    assert spanish.error_headline("authentication") == "El proveedor rechazó la clave de API."
    assert texts_for("en").error_headline("no-such-kind") == "Something went wrong."
    assert spanish.welcome == "¡Hola! Soy tu asistente virtual. ¿En qué puedo ayudarte hoy?"
