"""The texts a conversation itself holds — welcome, system prompt, notes and dividers, error headlines —
in the conversation's language, from the one catalog (:mod:`tui_chat.i18n`).

``[session] language`` picks them; the welcome message and system prompt can be overridden in the config.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from tui_chat.i18n import N_, gettext_in

ERROR_HEADLINES: dict[str, str] = {
    "error": N_("Something went wrong."),
    "authentication": N_("The provider rejected the API key."),
    "missing_credentials": N_("No API key is configured for this model."),
    "rate_limit": N_("The provider is rate-limiting requests."),
    "overloaded": N_("The provider is overloaded or failing."),
    "timeout": N_("The provider stopped answering."),
    "connection": N_("The model server cannot be reached."),
    "context_window": N_("The conversation is too long for this model."),
    "bad_request": N_("The provider refused the request."),
    "malformed_response": N_("The provider sent a reply that cannot be read."),
    "deadline": N_("The turn took too long and was stopped."),
    "provider": N_("The provider reported an error."),
}
"""A short headline per engine error ``kind`` (English, the catalog's key)."""


@dataclass(frozen=True)
class Texts:
    language: str
    welcome: str
    system_prompt: str
    context_heading: str
    no_context: str
    max_rounds_note: str
    interrupted_note: str
    new_session_divider: str
    omitted_one: str
    omitted_many: str
    """The marker where the history sent to the model starts (``{count}`` earlier messages left out)."""

    def error_headline(self, kind: str) -> str:
        """The headline shown above an error's detail in the conversation."""
        return gettext_in(self.language, ERROR_HEADLINES.get(kind, ERROR_HEADLINES["error"]))


def texts_for(language: str) -> Texts:
    def text(message: str) -> str:
        return gettext_in(language, message)

    return Texts(
        language=language,
        welcome=text(N_("Hello! I'm your virtual assistant. How can I help you today?")),
        system_prompt=text(
            N_(
                "You are an intelligent and helpful virtual assistant. "
                "Your goal is to help users as well as you can.\n"
                "\n"
                "INSTRUCTIONS:\n"
                "- Keep a friendly and professional tone\n"
                "- If you need more information, use the available functions\n"
                "- Give clear and concise answers\n"
                "- If you cannot help with something, explain why and offer alternatives"
            )
        ),
        context_heading=text(N_("USER CONTEXT:")),
        no_context=text(N_("No additional context")),
        max_rounds_note=text(
            N_(
                "Stopped after {rounds} rounds of tool calls without a final answer "
                "(raise [tools] max_rounds to allow more)."
            )
        ),
        interrupted_note=text(N_("Reply interrupted.")),
        new_session_divider=text(N_("new session — earlier messages are not sent to the model")),
        omitted_one=text(N_("1 earlier message not sent to the model")),
        omitted_many=text(N_("{count} earlier messages not sent to the model")),
    )


def build_system_prompt(template: str, context: dict[str, Any], texts: Texts) -> str:
    """The system prompt with the user context, never the history (the seed sent it twice).

    A custom prompt may place the context with ``{context}``; otherwise it is appended, as the seed did.
    """
    context_text = json.dumps(context, indent=2, ensure_ascii=False) if context else texts.no_context
    if "{context}" in template:
        return template.replace("{context}", context_text)
    return f"{template}\n\n{texts.context_heading}\n{context_text}"
