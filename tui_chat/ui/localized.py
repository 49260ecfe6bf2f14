"""The keys in the footer, in the current language.

Textual makes a class's Bindings once, from its BINDINGS; their descriptions are the registry's English
texts (``ui/actions.py``). A screen with :class:`TranslatedKeys` hands the footer each binding with its
description looked up in the catalog as it is drawn, so a language chosen in the settings applies at once.
"""

from __future__ import annotations

from dataclasses import replace

from textual.screen import ActiveBinding

from tui_chat.i18n import _


def translated(active: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    return {
        key: binding._replace(
            binding=replace(binding.binding, description=_(binding.binding.description)),
            tooltip=_(binding.tooltip),
        )
        for key, binding in active.items()
    }


class TranslatedKeys:
    """Put first among a Screen subclass's bases."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        return translated(super().active_bindings)  # type: ignore[misc]
