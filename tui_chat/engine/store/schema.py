"""The JSON Schema of a conversation file, generated from the models (the one description).

    python -m tui_chat.engine.store.schema          # print it
    python -m tui_chat.engine.store.schema --write  # refresh the checked-in session_schema.json

``tests/test_store_format.py`` fails when the checked-in file differs from what the models generate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tui_chat.engine.format_fields import adapter
from tui_chat.engine.models import FORMAT_VERSION, Conversation

SCHEMA_PATH = Path(__file__).with_name("session_schema.json")


def session_schema() -> dict[str, Any]:
    """What a reader accepts (validation mode): optional fields have defaults and may be left out."""
    generated = adapter(Conversation).json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/tui-chat/tui-chat/session_schema.json",
        "title": "tui-chat conversation file",
        "description": (
            f"One conversation file (format_version {FORMAT_VERSION}), generated from"
            " tui_chat/engine/models.py by `python -m tui_chat.engine.store.schema --write`;"
            " do not edit by hand. Optional fields are left out of the file when empty, null or false."
        ),
        **{key: value for key, value in generated.items() if key != "title"},
    }


def render() -> str:
    return json.dumps(session_schema(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        SCHEMA_PATH.write_text(render(), encoding="utf-8")
    else:
        sys.stdout.write(render())
