"""``tui-chat tools``: every tool with its source, status and schema; ``tools serve``; ``tools log``.

Listing starts the tool host and the MCP servers (and waits for their first start), so what it shows
is what the model would be offered now, with the reason when a source is not running.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from tui_chat.cli.common import EXIT_ERROR, EXIT_OK, Invocation, UsageError
from tui_chat.config import Config
from tui_chat.engine.terminal_text import json_text, visible
from tui_chat.i18n import N_, _

LOG_TAIL_LINES = 40

STATES = {
    "stopped": N_("stopped"),
    "starting": N_("starting"),
    "ready": N_("ready"),
    "restarting": N_("restarting"),
    "failed": N_("failed"),
}
"""A tool source's state as a person reads it (``--json`` keeps the English word)."""


def _state(state: str) -> str:
    return _(STATES[state]) if state in STATES else state


def register(commands: argparse._SubParsersAction) -> None:
    tools = commands.add_parser(
        "tools", help=_("tools with their source, status and schema; serve them over MCP")
    )
    tools.add_argument("--json", action="store_true", help=_("print JSON instead of text"))
    tools.set_defaults(handler=lambda run: tools_command(run.config, run.data_dir, as_json=run.args.json))
    actions = tools.add_subparsers(dest="tools_command", metavar=_("ACTION"))
    serve = actions.add_parser(
        "serve",
        help=_("run the [tools] modules as an MCP stdio server (for other apps, editors, the MCP Inspector)"),
    )
    serve.add_argument(
        "--module",
        action="append",
        default=[],
        metavar=_("MODULE"),
        help=_("serve this module too (repeatable)"),
    )
    serve.set_defaults(handler=serve_command)
    log = actions.add_parser("log", help=_("the end of the tool host's log, or of an MCP server's"))
    log.add_argument(
        "name",
        nargs="?",
        default="tools",
        metavar=_("name"),
        help=_("'tools' (the tool host) or a server name"),
    )
    log.add_argument(
        "--lines",
        "-n",
        type=int,
        default=LOG_TAIL_LINES,
        metavar=_("LINES"),
        help=_("how many lines (default {n})").format(n=LOG_TAIL_LINES),
    )
    log.set_defaults(handler=log_command)
    from tui_chat.cli.replay import register_tools_run  # the workbench's `tools run NAME --args JSON`

    register_tools_run(actions)


def _describe_source(source: Any) -> str:
    return "tool host" if source.kind == "host" else f"MCP server {source.name!r}"


def collect(config: Config, data_dir: Path) -> dict[str, Any]:
    """Start the sources, wait for their first start, and describe every tool and source."""
    import asyncio

    from tui_chat.engine.workspace import build_workspace

    registry = build_workspace(config, data_dir, lazy=True).tools  # the engine as every command builds it
    registry.watcher = None  # a listing does not watch files
    try:
        asyncio.run(registry.wait_ready(config.tools.start_timeout))
        tools = []
        for spec in registry.specs():
            origin = spec.origin
            tools.append(
                {
                    "name": spec.name,
                    "description": spec.description,
                    "parameters": spec.parameters,
                    "source": spec.source,
                    "server": spec.server or None,
                    "runs_in": "this process" if origin is None else _describe_source(origin),
                    "status": "ready" if origin is None else origin.status.state,
                    "timeout": spec.timeout,
                }
            )
        sources = []
        for source in registry.sources:
            status = source.status
            sources.append(
                {
                    "name": source.name,
                    "kind": source.kind,
                    "state": status.state,
                    "message": status.message,
                    "stderr_tail": status.stderr_tail,
                    "log": status.log_path,
                    "pid": status.pid,
                    "restarts": status.restarts,
                }
            )
        errors = [
            {"source": e.source, "message": e.message, "traceback": e.traceback} for e in registry.load_errors
        ]
    finally:
        registry.close()
    return {"tools": tools, "sources": sources, "load_errors": errors}


def tools_command(config: Config, data_dir: Path, *, as_json: bool) -> int:
    data = collect(config, data_dir)
    failed = [source for source in data["sources"] if source["state"] != "ready"]
    code = EXIT_ERROR if data["load_errors"] or failed else EXIT_OK
    if as_json:
        print(json_text(data))
        return code
    if not data["tools"]:
        print(
            _("No tools registered. Add modules in the config: {example}").format(
                example='[tools] modules = ["~/my_tools.py"]'
            )
        )
    for tool in data["tools"]:
        where = tool["source"] or _("built-in")
        if tool["server"]:
            where = _("MCP server {name}").format(name=repr(tool["server"]))
        status = "" if tool["status"] == "ready" else f", {_state(tool['status'])}"
        print(visible(f"{tool['name']}  ({where}{status})"))
        if tool["description"]:
            print(f"    {visible(tool['description'].splitlines()[0])}")
        properties = tool["parameters"].get("properties", {})
        required = set(tool["parameters"].get("required", []))
        for name, schema in properties.items():
            kind = schema.get("type", "any") if isinstance(schema, dict) else "any"
            if isinstance(schema, dict) and "enum" in schema:
                kind = " | ".join(json.dumps(value) for value in schema["enum"])
            if isinstance(kind, list):
                kind = " | ".join(map(str, kind))
            marker = "" if name in required else "?"
            print(visible(f"    {name}{marker}: {kind}"))
    if data["sources"]:
        print("\n" + _("Sources:"))
    for source in data["sources"]:
        label = (
            _("tool host")
            if source["kind"] == "host"
            else _("MCP server {name}").format(name=repr(source["name"]))
        )
        pid = (
            _(", pid {pid}").format(pid=source["pid"]) if source["pid"] and source["state"] == "ready" else ""
        )
        line = _("{source}: {state}{pid}; log {log}").format(
            source=label, state=_state(source["state"]), pid=pid, log=source["log"]
        )
        print(f"  {line}")
        if source["message"]:
            print(f"    {visible(source['message'])}", file=sys.stderr)
        if source["state"] != "ready" and source["stderr_tail"].strip():
            for tail in source["stderr_tail"].strip().splitlines()[-8:]:
                print(f"    stderr: {visible(tail)}", file=sys.stderr)
    for problem in data["load_errors"]:
        print(
            visible(_("NOT LOADED {source}: {message}").format(**problem)),
            file=sys.stderr,
        )
    return code


def serve_command(run: Invocation) -> int:
    """Replace this process with the tool host serving MCP on stdin/stdout (timeouts enforced inside)."""
    from tui_chat.engine.tools.configured import host_command, host_environment, resolve_module_entry

    config = run.config
    modules = [resolve_module_entry(entry) for entry in [*config.tools.modules, *run.args.module]]
    if not modules:
        raise UsageError(
            _("no tool modules to serve: set [tools] modules in the config or pass --module ./my_tools.py")
        )
    command = host_command(
        modules, managed=False, timeout=config.tools.timeout, output_limit=config.tools.output_limit
    )
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(command[0], command, host_environment())
    return EXIT_OK  # not reached


def log_command(run: Invocation) -> int:
    from tui_chat.engine.tools.logs import log_path, log_tail

    path = log_path(run.data_dir, run.args.name)
    if not path.is_file():
        raise UsageError(
            _("no log yet at {path} (it is written once the tool host or server has run)").format(path=path)
        )
    print(f"{path}:")
    for line in log_tail(path, run.args.lines):
        print(line)
    return EXIT_OK
