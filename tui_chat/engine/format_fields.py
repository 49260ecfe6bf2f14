"""The building blocks of the file format's fields: times, ids, text made valid Unicode, optional
fields left out of the file when empty, and the pydantic glue every model class shares.

Apart from ``models.py`` so that it reads as the format itself (one class per thing in a file); the
rules for how any field is checked, cleaned and written live here once.
"""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    TypeAdapter,
    ValidationInfo,
    WithJsonSchema,
)

from tui_chat.i18n import _


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_id(prefix: str) -> str:
    """A short random id such as ``m-3f9a1c2b5d7e``: unique within a conversation, readable in JSON.

    48 random bits: two of 15,000 messages share an id with odds of 1 in 2.5 million (with the 32 bits
    of earlier versions, 1 in 40). Saves merge by message id, and a file holding one id twice is damaged.
    """
    return f"{prefix}-{secrets.token_hex(6)}"


# -- hostile text ---------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """``text`` with every lone surrogate replaced by U+FFFD (the common case costs one encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16: a split pair ("\ud83d" "\ude00") joins up again, a lone half becomes U+FFFD.
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def clean_json(value: Any) -> Any:
    """A JSON-like value with every string (keys included) passed through ``clean_text``."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k) if isinstance(k, str) else k: clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(item) for item in value]
    return value


def _clean_str(value: str, info: ValidationInfo) -> str:
    # pydantic's JSON parser refuses lone surrogates, so only Python input needs the check.
    return value if info.mode == "json" else clean_text(value)


def _clean_any(value: Any, info: ValidationInfo) -> Any:
    return value if info.mode == "json" else clean_json(value)


def _aware(moment: datetime, info: ValidationInfo) -> datetime:
    if moment.tzinfo is not None:
        return moment
    if info.mode == "json":  # every file tui-chat wrote says Z; a naive time would be read as local
        raise ValueError(_("a timestamp needs a time zone (Z)"))
    return moment.replace(tzinfo=UTC)


_TIMESTAMP_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$",
}

Text = Annotated[str, AfterValidator(_clean_str)]
"""A string; lone surrogates become U+FFFD."""
JsonObject = Annotated[dict[str, Any], AfterValidator(_clean_any)]
"""Free JSON (tool results, request params, context); lone surrogates become U+FFFD."""
Timestamp = Annotated[
    datetime,
    AfterValidator(_aware),
    PlainSerializer(to_iso, return_type=str),
    WithJsonSchema(_TIMESTAMP_SCHEMA),
]
"""UTC ISO 8601 with milliseconds and ``Z`` on disk; a file's timestamps must carry a zone (pattern)."""


def _omitted(value: Any) -> bool:
    return value is None or value is False or value == []


def _omitted_text(value: Any) -> bool:
    return value is None or value == ""


def optional(default: Any = None, *, kw_only: bool = True, **kwargs: Any) -> Any:
    """An optional field: left out of the file when empty (None, false, [], or "" for a text field)."""
    omitted = _omitted_text if default == "" else _omitted
    if "default_factory" in kwargs:
        return Field(exclude_if=omitted, kw_only=kw_only, **kwargs)
    return Field(default, exclude_if=omitted, kw_only=kw_only, **kwargs)


def keyword(default: Any = None, **kwargs: Any) -> Any:
    """An always-written field that is passed by keyword (``default_factory=`` allowed)."""
    if "default_factory" in kwargs:
        return Field(kw_only=True, **kwargs)
    return Field(default, kw_only=True, **kwargs)


FORMAT = ConfigDict(extra="forbid")
"""Unknown fields make a file damaged: they would be lost on the next save."""


@functools.cache
def adapter(cls: Any) -> TypeAdapter:
    """The (cached) pydantic TypeAdapter of a model class."""
    return TypeAdapter(cls)


class FormatModel:
    """``to_dict`` / ``from_dict``: thin wrappers over pydantic, kept for callers."""

    def to_dict(self) -> dict[str, Any]:
        return adapter(type(self)).dump_python(self, mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Any:
        return adapter(cls).validate_python(data)
