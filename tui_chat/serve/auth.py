"""The bearer token every request must carry.

It comes from ``TUI_CHAT_SERVE_TOKEN``, or from ``serve-token`` in the data dir, generated (0600) at the
first start and printed once. Comparison is constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from aiohttp import web

from tui_chat.engine.errors import ConfigError
from tui_chat.i18n import _

TOKEN_ENV = "TUI_CHAT_SERVE_TOKEN"
TOKEN_FILE = "serve-token"
SHORT_TOKEN = 16
"""A token from the environment shorter than this is accepted with a warning."""


@dataclass(frozen=True)
class ServeToken:
    value: str
    source: Literal["env", "file", "generated"]
    path: Path | None = None
    warning: str = ""


def resolve_token(data_dir: Path, environ: Mapping[str, str] = os.environ) -> ServeToken:
    """The token from the environment, else the token file, else a new one written to the token file."""
    if TOKEN_ENV in environ:
        value = environ[TOKEN_ENV].strip()
        if not value:
            raise ConfigError(
                _("{variable} is set but empty.").format(variable=TOKEN_ENV),
                hint=_("Set a long random value, or unset it."),
            )
        warning = (
            _("{variable} is shorter than {n} characters.").format(variable=TOKEN_ENV, n=SHORT_TOKEN)
            if len(value) < SHORT_TOKEN
            else ""
        )
        return ServeToken(value, "env", warning=warning)
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = data_dir / TOKEN_FILE
    if path.exists():
        return _read_token(path)
    value = secrets.token_urlsafe(32)
    temp = path.with_name(f".{TOKEN_FILE}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(value + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temp, path)  # atomic: fails if another server created the file meanwhile
        except FileExistsError:
            return _read_token(path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return ServeToken(value, "generated", path)


def _read_token(path: Path) -> ServeToken:
    warning = ""
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
        warning = _(
            "{path} was readable by other users; its mode is now 0600. "
            "Delete it and restart to get a new token if it may have leaked."
        ).format(path=path)
    value = path.read_text(encoding="utf-8", errors="replace").strip()
    if not value:
        raise ConfigError(
            _("The token file {path} is empty.").format(path=path),
            hint=_("Delete it; the next start makes a new one."),
        )
    return ServeToken(value, "file", path, warning)


def bearer_matches(header: str | None, expected: bytes) -> bool:
    """Whether ``Authorization`` is ``Bearer <expected>``; constant-time over the token."""
    scheme, _, given = (header or "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return False
    try:
        candidate = given.strip().encode("utf-8")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(candidate, expected)


def auth_middleware(token: str) -> web.middleware:  # type: ignore[valid-type]
    expected = token.encode("utf-8")

    @web.middleware
    async def require_token(request: web.Request, handler):  # type: ignore[no-untyped-def]
        if not bearer_matches(request.headers.get("Authorization"), expected):
            return web.json_response(
                {"success": False, "error": _("Missing or wrong bearer token.")},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="tui-chat"'},
            )
        return await handler(request)

    return require_token
