"""Load the user's tool modules named in the config (``[tools] modules``).

The app does this in the tool host (:mod:`tui_chat.engine.tools.host`), never in its own process.

Each entry is either a file (``~/my_tools.py``, ``./tools.py``, ``/abs/path.py``: anything ending in
``.py`` or containing a path separator; ``~`` is expanded, relative paths are relative to the current
directory) or a dotted module name importable from ``sys.path`` (``mypkg.tools``).

What a module contributes, in this order:

1. every public module-level name holding a ``@tool``-decorated function (also ones it imported, so a
   package ``__init__`` can gather tools from its submodules);
2. then, if the module defines a function ``register(registry)`` itself, that is called with a
   registry to add tools with explicit JSON-schema definitions, seed style
   (``registry.register(name, handler, definition)``).

A module is all or nothing: if importing it or its ``register`` fails, or it contributes no tool at
all, none of its tools are loaded and a :class:`ToolLoadError` (message and traceback) is reported;
the other modules still load. A tool name that is already taken is reported naming both sources, and
the first one stays. A file's directory is not added to ``sys.path``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.util
import os
import re
import sys
import traceback
from pathlib import Path
from types import ModuleType

from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.tools.schema import tool_definition
from tui_chat.engine.tools.spec import DuplicateToolError, ToolLoadError
from tui_chat.i18n import _

REGISTER_HOOK = "register"


class _NoTools(Exception):
    pass


def is_file_entry(entry: str) -> bool:
    return entry.endswith(".py") or "/" in entry or os.sep in entry or entry.startswith(("~", "."))


def _module_name_for(path: Path) -> str:
    """A stable, unique, importable name: the same file always gets the same one."""
    stem = re.sub(r"\W", "_", path.stem) or "tools"
    digest = hashlib.sha1(str(path).encode()).hexdigest()[:10]
    return f"_tui_chat_tools_{stem}_{digest}"


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise FileNotFoundError(_("no such file: {path}").format(path=path))
    name = _module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(_("cannot import {path} as a Python module").format(path=path))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up while it runs
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def _collect(module: ModuleType, source: str, registry: ToolRegistry) -> ToolRegistry:
    """The module's tools, gathered in a registry of their own so a failure loads none of them."""
    staging = ToolRegistry(
        default_timeout=registry.default_timeout, max_result_chars=registry.max_result_chars
    )
    for attribute, value in list(vars(module).items()):
        if attribute.startswith("_") or tool_definition(value) is None:
            continue
        staging.add(value, source=source)
    hook = getattr(module, REGISTER_HOOK, None)
    if (
        callable(hook)
        and tool_definition(hook) is None
        and getattr(hook, "__module__", None) == module.__name__
    ):
        hook(staging)
    if not len(staging):
        raise _NoTools(
            _(
                "no tools found; decorate functions with @tool (from tui_chat import tool) "
                "or define {hook}(registry)"
            ).format(hook=REGISTER_HOOK)
        )
    return staging


def _describe(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        if error.filename:
            return _("SyntaxError: {problem} ({file}, line {line})").format(
                problem=error.msg, file=Path(error.filename).name, line=error.lineno
            )
        return f"SyntaxError: {error.msg}"
    return f"{type(error).__name__}: {error}".rstrip(": ")


def _user_traceback(error: BaseException) -> str:
    """The traceback from the user's own code down; empty when none of it ran (missing file...)."""
    if isinstance(error, SyntaxError):
        return "".join(traceback.format_exception_only(type(error), error))
    machinery = (__file__, "<frozen ", os.path.dirname(importlib.__file__))
    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename.startswith(machinery):
        frames = frames.tb_next
    return "".join(traceback.format_exception(type(error), error, frames)) if frames is not None else ""


def load_tool_module(registry: ToolRegistry, entry: str) -> list[ToolLoadError]:
    """Load one entry; returns its load errors (also appended to ``registry.load_errors``)."""
    errors: list[ToolLoadError] = []
    source = entry.strip()
    try:
        if not source:
            raise ValueError(_("an empty entry in [tools] modules"))
        if is_file_entry(source):
            path = Path(source).expanduser()
            source = str(path if path.is_absolute() else Path.cwd() / path)
            module = _import_file(Path(source))
        else:
            module = importlib.import_module(source)
        staging = _collect(module, source, registry)
    except _NoTools as error:
        errors.append(ToolLoadError(source or entry, str(error)))
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # a user module may raise anything, even SystemExit
        errors.append(ToolLoadError(source or entry, _describe(error), _user_traceback(error)))
    else:
        for spec in staging.specs():
            if spec.source in ("", module.__name__):  # added by register(): name the file, not our alias
                spec = dataclasses.replace(spec, source=source)
            try:
                registry.include(spec)
            except DuplicateToolError as duplicate:
                errors.append(ToolLoadError(source, str(duplicate)))
    registry.report_load_errors(errors)
    return errors


def load_tool_modules(registry: ToolRegistry, modules: list[str]) -> list[ToolLoadError]:
    """Load every entry of ``[tools] modules`` into ``registry``; one bad module never stops the others."""
    errors: list[ToolLoadError] = []
    for entry in modules:
        errors.extend(load_tool_module(registry, entry))
    return errors
