"""Secrets never persist: the values of the API keys in use are replaced by a marker like
``sk-…(hidden)`` in everything stored (conversation files, hence the index), exported, and in
provider error text. ``redact(text)`` is for anything else that prints (the CLI's stderr).

The keys in use are the values of: the provider key variables the provider module knows
(``KEY_ENV_BY_PROVIDER``), any variable named by ``[model] api_key_env`` (``watch_env``), and any set
variable whose name ends in ``_API_KEY``, ``_TOKEN`` or ``_SECRET``. Values shorter than 8
characters are left alone (they would match ordinary words). The environment is read at each call,
so a key set later is still hidden.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

from tui_chat.i18n import _

MIN_SECRET_CHARS = 8
_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
_watched: set[str] = set()
_guard = threading.Lock()


def watch_env(name: str) -> None:
    """Treat the value of the environment variable ``name`` as a secret (``[model] api_key_env``)."""
    name = name.strip()
    if name:
        with _guard:
            _watched.add(name)


def secret_values(environ: dict[str, str] | None = None) -> list[str]:
    """The secret values in use, longest first (so a key containing another is replaced whole)."""
    from tui_chat.engine.provider.errors import KEY_ENV_BY_PROVIDER

    env = os.environ if environ is None else environ
    with _guard:
        names = set(_watched)
    names.update(KEY_ENV_BY_PROVIDER.values())
    names.update(name for name in env if name.upper().endswith(_SUFFIXES))
    values = {env[name].strip() for name in names if name in env}
    return sorted((value for value in values if len(value) >= MIN_SECRET_CHARS), key=len, reverse=True)


def marker(secret: str) -> str:
    """``sk-…(hidden)``: the key's first three characters (a provider prefix, not the secret) and a mark
    (in the current language: what is written stays as it was shown)."""
    hidden = _("(hidden)")
    return f"{secret[:3]}…{hidden}" if len(secret) >= 12 else f"…{hidden}"


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every secret value replaced by its marker."""
    for secret in secret_values() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, marker(secret))
    return text


def redact_json(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """A JSON-like value with every string (keys included) redacted."""
    secrets = list(secret_values() if secrets is None else secrets)
    if not secrets:
        return value
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {redact_json(k, secrets): redact_json(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_json(item, secrets) for item in value]
    return value
