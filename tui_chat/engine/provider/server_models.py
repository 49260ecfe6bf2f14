"""The models a server offers, for the model picker: ``GET /v1/models`` or Ollama's ``/api/tags``.

Plain ``urllib`` with a short timeout (no litellm import: the settings screen must open at once);
callers run it off the event loop. Names come back as litellm model strings for the same route:
``openai/<id>`` for an OpenAI-compatible server (llama.cpp, vLLM, LM Studio), ``ollama_chat/<name>``
(or the ``ollama/`` prefix the config already uses) for Ollama.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from tui_chat.config import ModelSettings
from tui_chat.i18n import _

LIST_TIMEOUT = 2.0
"""Seconds to wait for a server's model list; a local server answers in milliseconds."""

OLLAMA_DEFAULT_BASE = "http://localhost:11434"
_OLLAMA_PREFIXES = ("ollama", "ollama_chat")


@dataclass(frozen=True)
class ServerModels:
    source: str
    """The URL asked (empty when there is no server to ask)."""
    names: list[str] = field(default_factory=list)
    problem: str = ""
    """Why the list is empty, for a hint under the picker."""


def _get_json(url: str, timeout: float) -> object:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read(2_000_000))


def server_models(settings: ModelSettings, *, timeout: float = LIST_TIMEOUT) -> ServerModels:
    """Ask the configured server for its models; never raises."""
    prefix = settings.name.split("/", 1)[0] if "/" in settings.name else ""
    base = settings.api_base.strip().rstrip("/")
    if prefix in _OLLAMA_PREFIXES:
        base = base or os.environ.get("OLLAMA_API_BASE", "").rstrip("/") or OLLAMA_DEFAULT_BASE
        url = f"{base.removesuffix('/v1')}/api/tags"
    elif base:
        url = f"{base}/models" if base.endswith("/v1") else f"{base}/v1/models"
    else:
        return ServerModels("", problem="")  # a hosted provider: the common models are offered
    try:
        data = _get_json(url, timeout)
    except (OSError, urllib.error.URLError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        return ServerModels(
            url, problem=_("cannot list models at {url}: {reason}").format(url=url, reason=reason)
        )
    names: list[str] = []
    if isinstance(data, dict) and isinstance(data.get("models"), list):  # Ollama
        route = prefix if prefix in _OLLAMA_PREFIXES else "ollama_chat"
        names = [f"{route}/{m['name']}" for m in data["models"] if isinstance(m, dict) and m.get("name")]
    elif isinstance(data, dict) and isinstance(data.get("data"), list):  # OpenAI-compatible
        route = prefix or "openai"
        names = [f"{route}/{m['id']}" for m in data["data"] if isinstance(m, dict) and m.get("id")]
    if not names:
        return ServerModels(url, problem=_("{url} lists no models").format(url=url))
    return ServerModels(url, sorted(dict.fromkeys(names)))
