"""One conversation file: its on-disk layout, fast re-encoding, and why a file cannot be read.

Layout: the envelope is indented JSON; each session holds its messages one per line (compact JSON).
The stdlib encoder is ~4x slower with ``indent`` (it falls back to pure Python), and one message per
line keeps files readable, greppable and diffable. What each line holds is the models' business
(``tui_chat.engine.models``); this module only lays the lines out. See docs/session-format.md.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from tui_chat.engine.format_fields import adapter, clean_json, clean_text
from tui_chat.engine.models import FORMAT_VERSION, AssistantMessage, Conversation, Message, settle
from tui_chat.engine.redact import marker, secret_values
from tui_chat.engine.store.files import damaged_file
from tui_chat.engine.store.reasons import Reason
from tui_chat.i18n import N_

TAIL = 16
"""The last messages are always re-encoded: they are the ones a turn is still changing."""

_SECRET_PARAM = re.compile(r"api[_-]?key|authorization|secret|password|access[_-]?token", re.IGNORECASE)


def _scrub(data: dict[str, Any]) -> dict[str, Any]:
    """Drop credential-looking request params: files are shared and backed up, keys must never land there."""
    request = data.get("request")
    if request and any(_SECRET_PARAM.search(key) for key in request.get("params", {})):
        params = {key: value for key, value in request["params"].items() if not _SECRET_PARAM.search(key)}
        data["request"] = {**request, "params": params}
    return data


@dataclass
class _Fragment:
    message: Message
    snapshot: dict[str, Any]
    text: str


@dataclass
class Encoded:
    data: bytes
    changed: list[Message]
    """Messages whose JSON is new or differs from the previous save (all of them on a first save)."""
    removed: set[str]
    """Ids of messages present at the previous save and gone now."""


class ConversationEncoder:
    """Encodes one conversation again and again, re-using the JSON of messages that did not change.

    A message older than the last ``TAIL`` is re-used when it is the same object with the same
    attribute values as when it was encoded; mutating a nested value of an *old* message in place
    (``old.usage.cost = …``) is not seen: replace the attribute instead (``old.usage = Usage(…)``).
    """

    def __init__(self) -> None:
        self.fragments: dict[str, _Fragment] = {}

    def encode(self, conversation: Conversation) -> Encoded:
        try:
            return self._encode(conversation)
        except UnicodeEncodeError:
            # A lone surrogate got in after a model was built (streamed text appended in place, say):
            # repair the objects themselves, so what is saved, indexed and shown is the same text.
            repair_text(conversation)
            self.fragments.clear()
            return self._encode(conversation)

    def _encode(self, conversation: Conversation) -> Encoded:
        dumps = json.dumps
        hidden = _hidden_forms()
        head = adapter(Conversation).dump_python(conversation, mode="json", exclude={"sessions"})
        parts = [_hide(dumps(head, indent=2, ensure_ascii=False)[:-2], hidden), ',\n  "sessions": [']
        old, fresh = self.fragments, {}
        changed: list[Message] = []
        position, tail_from = 0, conversation.message_count() - TAIL
        session_adapter = adapter(type(conversation.sessions[0])) if conversation.sessions else None
        for number, session in enumerate(conversation.sessions):
            session_head = dumps(
                session_adapter.dump_python(session, mode="json", exclude={"messages"}), ensure_ascii=False
            )
            parts.append(("\n    " if number == 0 else ",\n    ") + session_head[:-1] + ', "messages": [')
            separator = "\n      "
            for message in session.messages:
                cached = old.get(message.id)
                if (
                    cached is None
                    or position >= tail_from
                    or cached.message is not message
                    or vars(message) != cached.snapshot
                ):
                    text = _hide(dumps(_scrub(message.to_dict()), ensure_ascii=False), hidden)
                    if cached is None or cached.text != text:
                        changed.append(message)
                    cached = _Fragment(message, dict(vars(message)), text)
                fresh[message.id] = cached
                parts += (separator, cached.text)
                separator = ",\n      "
                position += 1
            parts.append("\n    ]}" if session.messages else "]}")
        parts.append("\n  ]\n}\n")
        data = "".join(parts).encode("utf-8")
        removed = old.keys() - fresh.keys()
        self.fragments = fresh
        return Encoded(data, changed, removed)


def _hidden_forms() -> list[tuple[str, str]]:
    """Each API key in use, as it appears inside JSON text, with its marker (see engine/redact.py)."""
    forms = []
    for secret in secret_values():
        for form in {secret, json.dumps(secret, ensure_ascii=False)[1:-1]}:
            forms.append((form, marker(secret)))
    return forms


def _hide(text: str, hidden: list[tuple[str, str]]) -> str:
    for secret, shown in hidden:
        if secret in text:
            text = text.replace(secret, shown)
    return text


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return clean_json(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return type(value).from_dict(clean_json(value.to_dict()))  # validation cleans its Python input
    return value


def _repair(target: Any, skip: str = "") -> None:
    for name, value in list(vars(target).items()):
        if name != skip:
            cleaned = _cleaned(value)
            if cleaned is not value:
                object.__setattr__(target, name, cleaned)


def repair_text(conversation: Conversation) -> None:
    """Replace lone surrogates by U+FFFD in place, everywhere in ``conversation`` (objects kept)."""
    _repair(conversation, skip="sessions")
    for session in conversation.sessions:
        _repair(session, skip="messages")
        for message in session.messages:
            _repair(message)


def decode(raw: bytes, conversation_id: str) -> Conversation:
    """Parse and check one file; raise ``DamagedConversation`` whose ``detail`` is the precise reason
    (a :class:`~tui_chat.engine.store.reasons.Reason`, in the current language)."""
    try:
        return _decode(raw, conversation_id)
    except _Damage as damage:
        raise damaged_file(f"{conversation_id}.json", damage.reason) from None


class _Damage(Exception):
    def __init__(self, reason: Reason):
        super().__init__(reason)
        self.reason = reason


_NEWER = N_("written by a newer tui-chat (format_version {version}; this version reads up to {supported})")
_JSON_PROBLEMS = frozenset({
    N_("EOF while parsing a value"),
    N_("EOF while parsing an object"),
    N_("EOF while parsing a list"),
    N_("EOF while parsing a string"),
    N_("trailing comma"),
    N_("trailing characters"),
    N_("key must be a string"),
    N_("expected `:`"),
    N_("expected `,` or `}`"),
    N_("expected `,` or `]`"),
    N_("expected value"),
    N_("expected ident"),
    N_("invalid number"),
    N_("invalid escape"),
})  # fmt: skip
"""The JSON parser's words for the commonest problems: the English is the parser's, the catalog says
them in other languages; others are shown as the parser gives them."""
_SCHEMA_PROBLEMS = {
    "string_type": N_("input should be a valid string, got {value}"),
    "int_type": N_("input should be a valid integer, got {value}"),
    "int_parsing": N_("input should be a valid integer, unable to parse string as an integer, got {value}"),
    "int_from_float": N_("input should be a valid integer, got a number with a fractional part, got {value}"),
    "float_type": N_("input should be a valid number, got {value}"),
    "bool_type": N_("input should be a valid boolean, got {value}"),
    "dict_type": N_("input should be a valid dictionary, got {value}"),
    "model_type": N_("input should be a valid dictionary or instance of {class_name}, got {value}"),
    "list_type": N_("input should be a valid list, got {value}"),
    "tuple_type": N_("input should be a valid tuple, got {value}"),
    "literal_error": N_("input should be {expected}, got {value}"),
    "datetime_type": N_("input should be a valid datetime, got {value}"),
    "datetime_parsing": N_("input should be a valid datetime, {error}, got {value}"),
    "timezone_aware": N_("input should have timezone info, got {value}"),
    "greater_than_equal": N_("input should be greater than or equal to {ge}, got {value}"),
    "greater_than": N_("input should be greater than {gt}, got {value}"),
    "less_than_equal": N_("input should be less than or equal to {le}, got {value}"),
    "union_tag_invalid": N_(
        "input tag '{tag}' found using {discriminator} does not match any of the expected tags: "
        "{expected_tags}, got {value}"
    ),
    "union_tag_not_found": N_("unable to extract tag using discriminator {discriminator}, got {value}"),
}
"""pydantic's error types: the English is pydantic's (checked when used), the catalog says them in other
languages; a type not here keeps pydantic's words in every language."""


_VERSION = re.compile(rb'"format_version"\s*:\s*(-?[0-9]{1,9})\b')
# Backslash pairs are consumed first, so ``\\ud83d`` (a backslash then "ud83d") is left alone.
_ESCAPES = re.compile(
    rb"\\(?:\\|u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[dD][89a-fA-F][0-9a-fA-F]{2})"
)
_JSON_ERROR = re.compile(r"^(?:Invalid JSON: )?(.*) at line (\d+) column (\d+)$")
_ROLES = frozenset({"user", "assistant", "tool"})


def _lone_surrogates_replaced(raw: bytes) -> bytes:
    """``\\ud83d`` escapes with no partner become ``\\ufffd`` (pydantic's parser refuses them)."""

    def replace(match: re.Match[bytes]) -> bytes:
        text = match.group()
        return text if text == b"\\\\" or len(text) == 12 else b"\\ufffd"

    return _ESCAPES.sub(replace, raw)


def _decode(raw: bytes, conversation_id: str) -> Conversation:
    version = _VERSION.search(raw, 0, 4096)
    if version and int(version.group(1)) > FORMAT_VERSION:
        raise _Damage(Reason(_NEWER, version=int(version.group(1)), supported=FORMAT_VERSION))
    try:
        conversation = _validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        if first["type"] == "json_invalid" and b"\\u" in raw and "escape" in first["msg"]:
            try:
                conversation = _validate(_lone_surrogates_replaced(raw))
            except ValidationError as again:
                raise _Damage(_describe(again, raw)) from None
        else:
            raise _Damage(_describe(error, raw)) from None
    if conversation.format_version > FORMAT_VERSION:
        raise _Damage(Reason(_NEWER, version=conversation.format_version, supported=FORMAT_VERSION))
    if conversation.id != conversation_id:
        raise _Damage(Reason(N_("its id {id} does not match the file name"), id=repr(conversation.id)))
    seen: set[str] = set()
    for message in conversation.messages():
        if message.id in seen:
            raise _Damage(Reason(N_("the message id {id} appears twice"), id=repr(message.id)))
        seen.add(message.id)
        if isinstance(message, AssistantMessage):
            settle(message)
    return conversation


def _validate(raw: bytes) -> Conversation:
    return adapter(Conversation).validate_json(raw, strict=True)


def _json_problem(what: str) -> str:
    return Reason(what) if what in _JSON_PROBLEMS else what


def _describe(error: ValidationError, raw: bytes) -> Reason:
    """The first problem, named by its JSON path: ``sessions[0].messages[2].usage.prompt_tokens: …``."""
    first = error.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            return Reason(N_("not UTF-8 text (byte {byte})"), byte=bad.start)
        message = first.get("ctx", {}).get("error", first["msg"])
        found = _JSON_ERROR.match(message)
        if found:
            what, line, column = found.groups()
            return Reason(
                N_("invalid JSON at line {line}, column {column}: {problem}"),
                line=int(line),
                column=int(column),
                problem=_json_problem(what),
            )
        return Reason(N_("invalid JSON: {problem}"), problem=_json_problem(message))
    path: list[str | int] = []
    for part in first["loc"]:
        if isinstance(part, str) and part in _ROLES and path and isinstance(path[-1], int):
            continue  # the discriminator's tag, not a field
        path.append(part)
    reason: Reason
    if first["type"] == "missing":
        where = path[:-1]
        reason = (
            Reason(N_("missing field {field}"), field=repr(path[-1])) if path else Reason(N_("missing field"))
        )
    elif first["type"] in ("unexpected_keyword_argument", "extra_forbidden"):
        where = path[:-1]
        reason = (
            Reason(N_("unknown field {field}"), field=repr(path[-1])) if path else Reason(N_("unknown field"))
        )
    else:
        shown = json.dumps(first.get("input"), ensure_ascii=False, default=str)
        shown = shown if len(shown) <= 60 else shown[:59] + "…"
        where = path
        words = f"{first['msg'][0].lower()}{first['msg'][1:]}"
        known = _SCHEMA_PROBLEMS.get(first["type"])
        context = {key: str(value) for key, value in (first.get("ctx") or {}).items()}
        try:  # pydantic's words when they are still the ones the catalog knows
            same = known is not None and known.format(value=shown, **context) == f"{words}, got {shown}"
        except (KeyError, IndexError, ValueError):
            same = False
        if same:
            reason = Reason(known, value=shown, **context)  # type: ignore[arg-type]
        else:
            reason = Reason(N_("{problem}, got {value}"), problem=words, value=shown)
    if where:
        return Reason(N_("schema mismatch at {where}: {reason}"), where=_format_path(where), reason=reason)
    return Reason(N_("schema mismatch: {reason}"), reason=reason)


def _format_path(path: list[str | int]) -> str:
    """``['sessions', 0, 'messages', 3]`` → ``sessions[0].messages[3]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
