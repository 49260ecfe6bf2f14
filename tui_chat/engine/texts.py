"""Conversation-facing default texts in English and Spanish (the seed's language).

``[session] language`` picks the defaults; the welcome message and system prompt can be overridden
in the config.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Texts:
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
    error_headlines: dict[str, str]
    """A short headline per engine error ``kind``, shown above the (English) detail in the conversation."""

    def error_headline(self, kind: str) -> str:
        return self.error_headlines.get(kind, self.error_headlines["error"])


ENGLISH = Texts(
    welcome="Hello! I'm your virtual assistant. How can I help you today?",
    system_prompt=(
        "You are an intelligent and helpful virtual assistant. "
        "Your goal is to help users as well as you can.\n"
        "\n"
        "INSTRUCTIONS:\n"
        "- Keep a friendly and professional tone\n"
        "- If you need more information, use the available functions\n"
        "- Give clear and concise answers\n"
        "- If you cannot help with something, explain why and offer alternatives"
    ),
    context_heading="USER CONTEXT:",
    no_context="No additional context",
    max_rounds_note=(
        "Stopped after {rounds} rounds of tool calls without a final answer "
        "(raise [tools] max_rounds to allow more)."
    ),
    interrupted_note="Reply interrupted.",
    new_session_divider="new session — earlier messages are not sent to the model",
    omitted_one="1 earlier message not sent to the model",
    omitted_many="{count} earlier messages not sent to the model",
    error_headlines={
        "error": "Something went wrong.",
        "authentication": "The provider rejected the API key.",
        "missing_credentials": "No API key is configured for this model.",
        "rate_limit": "The provider is rate-limiting requests.",
        "overloaded": "The provider is overloaded or failing.",
        "timeout": "The provider stopped answering.",
        "connection": "The model server cannot be reached.",
        "context_window": "The conversation is too long for this model.",
        "bad_request": "The provider refused the request.",
        "malformed_response": "The provider sent a reply that cannot be read.",
        "deadline": "The turn took too long and was stopped.",
        "provider": "The provider reported an error.",
    },
)

SPANISH = Texts(
    welcome="¡Hola! Soy tu asistente virtual. ¿En qué puedo ayudarte hoy?",
    system_prompt=(
        "Eres un asistente virtual inteligente y útil. Tu objetivo es ayudar a los usuarios de la mejor "
        "manera posible.\n"
        "\n"
        "INSTRUCCIONES:\n"
        "- Mantén un tono amigable y profesional\n"
        "- Si necesitas información adicional, usa las funciones disponibles\n"
        "- Proporciona respuestas claras y concisas\n"
        "- Si no puedes ayudar con algo, explica por qué y ofrece alternativas"
    ),
    context_heading="CONTEXTO DE USUARIO:",
    no_context="No hay contexto adicional",
    max_rounds_note=(
        "Me detuve tras {rounds} rondas de llamadas a funciones sin una respuesta final "
        "(aumenta [tools] max_rounds para permitir más)."
    ),
    interrupted_note="Respuesta interrumpida.",
    new_session_divider="nueva sesión — los mensajes anteriores no se envían al modelo",
    omitted_one="1 mensaje anterior no enviado al modelo",
    omitted_many="{count} mensajes anteriores no enviados al modelo",
    error_headlines={
        "error": "Algo salió mal.",
        "authentication": "El proveedor rechazó la clave de API.",
        "missing_credentials": "No hay ninguna clave de API configurada para este modelo.",
        "rate_limit": "El proveedor está limitando las peticiones.",
        "overloaded": "El proveedor está saturado o fallando.",
        "timeout": "El proveedor dejó de responder.",
        "connection": "No se puede conectar con el servidor del modelo.",
        "context_window": "La conversación es demasiado larga para este modelo.",
        "bad_request": "El proveedor rechazó la petición.",
        "malformed_response": "El proveedor envió una respuesta ilegible.",
        "deadline": "El turno tardó demasiado y se detuvo.",
        "provider": "El proveedor informó de un error.",
    },
)


def texts_for(language: str) -> Texts:
    return SPANISH if language == "es" else ENGLISH


def build_system_prompt(template: str, context: dict[str, Any], texts: Texts) -> str:
    """The system prompt with the user context, never the history (the seed sent it twice).

    A custom prompt may place the context with ``{context}``; otherwise it is appended, as the seed did.
    """
    context_text = json.dumps(context, indent=2, ensure_ascii=False) if context else texts.no_context
    if "{context}" in template:
        return template.replace("{context}", context_text)
    return f"{template}\n\n{texts.context_heading}\n{context_text}"
