"""``tui-chat tools``: the registered tools, their schemas and what failed to load."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tui_chat.cli.common import EXIT_ERROR, EXIT_OK
from tui_chat.config import Config
from tui_chat.engine.terminal_text import json_text


def register(commands: argparse._SubParsersAction) -> None:
    tools = commands.add_parser("tools", help="registered tools, their schemas and load errors")
    tools.add_argument("--json", action="store_true", help="print JSON instead of text")
    tools.set_defaults(handler=lambda run: tools_command(run.config, run.data_dir, as_json=run.args.json))


def tools_command(config: Config, data_dir: Path, *, as_json: bool) -> int:
    from tui_chat.engine.services import build_services

    services = build_services(config, data_dir)
    specs = services.registry.specs()
    errors = services.load_errors
    if as_json:
        data = {
            "tools": [
                {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": spec.parameters,
                    "source": spec.source,
                    "timeout": spec.timeout,
                }
                for spec in specs
            ],
            "load_errors": [
                {"source": e.source, "message": e.message, "traceback": e.traceback} for e in errors
            ],
        }
        print(json_text(data))
        return EXIT_OK
    if not specs:
        print('No tools registered. Add modules in the config: [tools] modules = ["~/my_tools.py"]')
    for spec in specs:
        print(f"{spec.name}  ({spec.source or 'built-in'})")
        if spec.description:
            print(f"    {spec.description.splitlines()[0]}")
        properties = spec.parameters.get("properties", {})
        required = set(spec.parameters.get("required", []))
        for name, schema in properties.items():
            kind = schema.get("type", "any")
            if "enum" in schema:
                kind = " | ".join(json.dumps(value) for value in schema["enum"])
            marker = "" if name in required else "?"
            print(f"    {name}{marker}: {kind}")
    for problem in errors:
        print(f"NOT LOADED {problem.source}: {problem.message}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_OK
