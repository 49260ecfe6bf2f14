"""The seed's two example functions, done honestly (``[tools] examples = true``).

The seed's ``buscar_informacion`` returned canned results ("Resultado 1") and its
``enviar_notificacion`` claimed "Notificación enviada correctamente" after only logging. Here they keep
the seed's names, Spanish parameter names and schemas, but do something real and say exactly what:

* ``buscar_informacion(consulta, categoria?)`` searches the user's saved conversations through an
  injected ``search(query, *, category, limit) -> list[dict]`` callable (see :func:`store_search`).
  ``categoria`` is an enum: ``conversaciones`` (titles), ``mensajes`` (user and assistant text),
  ``herramientas`` (tool calls and results); omitted, everything is searched.
* ``enviar_notificacion(tipo, mensaje, destinatario)`` appends a JSON line to a local outbox file
  (mode 0600) and says that nothing left the machine: no email/SMS/push gateway exists here.

This module does not import the store: it gets a callable, so it can be tested and reused alone.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from tui_chat.engine.format_fields import new_id
from tui_chat.engine.models import to_iso, utcnow
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.tools.spec import ToolContext, ToolSpec
from tui_chat.i18n import N_, gettext_in

SOURCE = "tui_chat.engine.tools.examples"
CATEGORIES = ("conversaciones", "mensajes", "herramientas")
NOTIFICATION_TYPES = ("email", "sms", "push")
SEARCH_LIMIT = 10

Language = str
"""A catalog's language code (``en``, ``es``); the descriptions are fixed when the tools are registered."""


class SearchFunction(Protocol):
    """``search(query, *, category, limit)`` → hits as dicts.

    A hit has ``conversation_id``, ``title``, ``message_id``, ``role``, ``snippet`` and ``created_at``
    (a datetime or ISO text); ``category`` is one of :data:`CATEGORIES` or None for everything.
    """

    def __call__(self, query: str, *, category: str | None, limit: int) -> list[dict[str, Any]]: ...


_TEXTS: dict[str, str] = {
    "search": N_(
        "Search the user's saved conversations (titles, messages, tool calls) and return "
        "matching snippets with the conversation title, id and date."
    ),
    "query": N_("Words to look for"),
    "category": N_(
        "What to search: conversaciones (titles), mensajes (user and assistant text), "
        "herramientas (tool calls and results); omit to search everything"
    ),
    "found": N_("Found {count} result(s) for {query!r} in the saved conversations."),
    "none": N_("Nothing in the saved conversations matched {query!r}."),
    "empty": N_("consulta is empty: say what to search for."),
    "notify": N_(
        "Record a notification (email, SMS or push) in the local outbox file. Nothing is "
        "actually sent: no email/SMS/push gateway is configured."
    ),
    "type": N_("Kind of notification"),
    "message": N_("Text of the notification"),
    "recipient": N_("Who it is for (address, phone number or user)"),
    "note": N_("No email/SMS/push gateway is configured; nothing left this machine."),
}
"""The English of each text (the catalog's key); :func:`register_example_tools` takes them in a language."""


def texts_in(language: str) -> dict[str, str]:
    """The tools' descriptions and messages in ``language`` (the catalog's; English for an unknown one)."""
    return {key: gettext_in(language, message) for key, message in _TEXTS.items()}


def _date(value: Any) -> str | None:
    if isinstance(value, datetime):
        return to_iso(value)
    return None if value is None else str(value)


def _search_handler(
    search: SearchFunction, texts: dict[str, str], owner_of: Callable[[str], str | None] | None = None
) -> Callable[..., dict[str, Any]]:
    def buscar_informacion(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
        query = str(args.get("consulta", "")).strip()
        category = args.get("categoria")
        if not query:
            return {"success": False, "error": texts["empty"]}
        if owner_of is None:
            hits = search(query, category=category, limit=SEARCH_LIMIT)
        else:  # only the calling user's conversations (the REST server has many users)
            hits = search(query, category=category, limit=SEARCH_LIMIT * 4)
            hits = [hit for hit in hits if owner_of(str(hit.get("conversation_id"))) == context.user_id]
        results = [
            {
                "titulo": hit.get("title", ""),
                "conversacion_id": hit.get("conversation_id"),
                "mensaje_id": hit.get("message_id"),
                "rol": hit.get("role"),
                "fragmento": hit.get("snippet", ""),
                "fecha": _date(hit.get("created_at")),
            }
            for hit in hits[:SEARCH_LIMIT]
        ]
        message = texts["found" if results else "none"].format(count=len(results), query=query)
        return {
            "success": True,
            "data": {
                "consulta": query,
                "categoria": category,
                "total": len(results),
                "resultados": results,
                "mensaje": message,
            },
        }

    return buscar_informacion


def append_to_outbox(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line; the file is private to the user (0600) since it holds messages."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # also tightens a file created earlier by something else
        os.write(descriptor, line)  # one write of one line: appends from parallel calls do not mix
    finally:
        os.close(descriptor)


def _notify_handler(outbox_path: Path, texts: dict[str, str]) -> Callable[..., dict[str, Any]]:
    def enviar_notificacion(args: dict[str, Any], context: ToolContext) -> dict[str, Any]:
        record = {
            "time": to_iso(utcnow()),
            "id": new_id("n"),
            "tipo": args["tipo"],
            "destinatario": args["destinatario"],
            "mensaje": args["mensaje"],
            "conversation_id": context.conversation_id,
        }
        append_to_outbox(outbox_path, record)
        return {
            "success": True,
            "data": {
                "delivered_to": "local outbox",
                "path": str(outbox_path),
                "id": record["id"],
                "tipo": record["tipo"],
                "destinatario": record["destinatario"],
                "note": texts["note"],
            },
        }

    return enviar_notificacion


def register_example_tools(
    registry: ToolRegistry,
    *,
    search: SearchFunction,
    outbox_path: Path,
    language: Language = "en",
    owner_of: Callable[[str], str | None] | None = None,
) -> list[ToolSpec]:
    """Register ``buscar_informacion`` and ``enviar_notificacion`` with descriptions in ``language``.

    With ``owner_of`` (conversation id → user id, see :func:`store_owner`), a search only returns
    conversations of the user the tool runs for.
    """
    texts = texts_in(language)
    search_spec = registry.register(
        "buscar_informacion",
        _search_handler(search, texts, owner_of),
        {
            "name": "buscar_informacion",
            "description": texts["search"],
            "parameters": {
                "type": "object",
                "properties": {
                    "consulta": {"type": "string", "description": texts["query"]},
                    "categoria": {
                        "type": "string",
                        "enum": list(CATEGORIES),
                        "description": texts["category"],
                    },
                },
                "required": ["consulta"],
            },
        },
        source=SOURCE,
    )
    notify_spec = registry.register(
        "enviar_notificacion",
        _notify_handler(Path(outbox_path).expanduser(), texts),
        {
            "name": "enviar_notificacion",
            "description": texts["notify"],
            "parameters": {
                "type": "object",
                "properties": {
                    "tipo": {
                        "type": "string",
                        "enum": list(NOTIFICATION_TYPES),
                        "description": texts["type"],
                    },
                    "mensaje": {"type": "string", "description": texts["message"]},
                    "destinatario": {"type": "string", "description": texts["recipient"]},
                },
                "required": ["tipo", "mensaje", "destinatario"],
            },
        },
        source=SOURCE,
    )
    return [search_spec, notify_spec]


CATEGORY_ROLES: dict[str, tuple[str, ...]] = {
    "conversaciones": ("title",),
    "mensajes": ("user", "assistant"),
    "herramientas": ("tool",),
}
"""The ``ConversationStore.search`` roles each ``categoria`` covers."""


def store_search(store: Any) -> SearchFunction:
    """Adapt a ``ConversationStore`` (duck-typed: not imported here) to :class:`SearchFunction`.

    A category with one role asks the store for that role; ``mensajes`` (user and assistant) asks for
    every role and keeps those two, over-fetching so the store's relevance order is kept.
    """

    def search(query: str, *, category: str | None, limit: int) -> list[dict[str, Any]]:
        roles = CATEGORY_ROLES.get(category or "")
        if roles is None:
            hits = store.search(query, limit=limit)
        elif len(roles) == 1:
            hits = store.search(query, role=roles[0], limit=limit)
        else:
            hits = [hit for hit in store.search(query, limit=limit * 4) if hit.role in roles]
        return [
            {
                "conversation_id": hit.conversation_id,
                "title": hit.title,
                "message_id": hit.message_id or None,
                "role": hit.role,
                "snippet": hit.snippet,
                "created_at": hit.created_at,
            }
            for hit in hits[:limit]
        ]

    return search


def store_owner(store: Any) -> Callable[[str], str | None]:
    """Conversation id → the user it belongs to (None if it cannot be read); cached, owners never change."""
    owners: dict[str, str] = {}

    def owner_of(conversation_id: str) -> str | None:
        if conversation_id not in owners:
            try:
                owners[conversation_id] = store.load(conversation_id).user_id
            except Exception:  # deleted, damaged: not offered to anyone
                return None
        return owners[conversation_id]

    return owner_of
