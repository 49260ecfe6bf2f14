"""A recorded tool call as a ready pytest function for the tool's own test suite: arguments in,
the recorded result expected.

The test calls the tool's Python function directly (as its own tests would), so the expected value is
what the function returned: ``data`` of a successful ``@tool`` call, the whole ``{"success": …}`` dict
for seed-style handlers (``register(name, handler, definition)``) and for tools that report failure
themselves. A call that raised becomes ``pytest.raises``; arguments the registry refused become a
schema check. The module is imported by the name of the tool's source file.
"""

from __future__ import annotations

import builtins
import json
import keyword
import pprint
import re
from pathlib import PurePath
from typing import Any

from tui_chat.engine.models import ToolMessage, to_iso
from tui_chat.engine.tools.schema import tool_definition
from tui_chat.engine.tools.spec import ToolContext, ToolSpec
from tui_chat.engine.workbench.tool_outcome import error_kind_of, error_word
from tui_chat.i18n import _


class NotExportable(ValueError):
    """The call cannot become a test (say why)."""


def _identifier(text: str) -> str:
    name = re.sub(r"\W+", "_", text).strip("_").lower() or "call"
    return f"_{name}" if name[0].isdigit() or keyword.iskeyword(name) else name


def module_of(spec: ToolSpec | None) -> str:
    """What the test imports: a file's stem, or the dotted module name."""
    source = spec.source if spec is not None else ""
    if not source:
        return "my_tools"
    if source.endswith(".py") or "/" in source or "\\" in source:
        return _identifier(PurePath(source).stem)
    return source


def user_function(spec: ToolSpec | None) -> bool:
    """Whether ``spec.handler`` is the user's own function (not a proxy, e.g. into a tool host process):
    only then do its name and calling convention describe what the test should call."""
    if spec is None:
        return False
    handler = spec.handler
    module = getattr(handler, "__module__", "") or ""
    name = getattr(handler, "__name__", "") or ""
    if not name.isidentifier() or name == "<lambda>":
        return False
    return (
        tool_definition(handler) is not None or module.startswith("_tui_chat_tools_") or module == spec.source
    )


def function_of(spec: ToolSpec | None, name: str) -> str:
    return spec.handler.__name__ if spec is not None and user_function(spec) else _identifier(name)


def _literal(value: Any, indent: int) -> str:
    text = pprint.pformat(value, width=100 - indent, sort_dicts=False)
    return text.replace("\n", "\n" + " " * indent)


def _exception(error: str) -> tuple[str, str]:
    """``("ValueError", "boom")`` from ``"ValueError: boom"``; an unknown type becomes ``Exception``."""
    kind, _, message = error.partition(": ")
    found = getattr(builtins, kind, None)
    if isinstance(found, type) and issubclass(found, BaseException):
        return kind, message
    return "Exception", message if message else error


def call_as_test(message: ToolMessage, spec: ToolSpec | None, context: ToolContext) -> str:
    """The source of one pytest function reproducing ``message``."""
    kind = error_kind_of(message)
    if kind == "unknown_tool":
        raise NotExportable(
            _("no tool named {name} was registered: there is nothing to test").format(name=repr(message.name))
        )
    try:
        arguments = json.loads(message.arguments or "{}")
    except json.JSONDecodeError:
        raise NotExportable(_("the arguments are not JSON: the tool was never called")) from None
    function = function_of(spec, message.name)
    schema = spec.parameters if spec is not None else {}
    module = module_of(spec)
    if not user_function(spec):
        spec = None  # call it as a plain function: keyword arguments, sync, no context
    test_name = f"test_{_identifier(message.name)}_{_identifier(message.tool_call_id)}"
    when = to_iso(message.started_at or message.created_at)
    where = context.conversation_id or "a run by hand"
    doc = f"Recorded by tui-chat: call {message.tool_call_id} in {where}, {when}."
    lines = [f"def {test_name}() -> None:", f'    """{doc}"""']
    imports = [f"from {module} import {function}"]
    body: list[str] = [f"    arguments = {_literal(arguments, 16)}"]
    seed_style = spec is not None and spec.call_style == "args_dict"
    if seed_style:
        call = f"{function}(arguments, context)"
    else:
        call = (
            f"{function}(**arguments, context=context)"
            if spec is not None and spec.wants_context
            else f"{function}(**arguments)"
        )
    if spec is not None and spec.is_async:
        imports.insert(0, "import asyncio")
        call = f"asyncio.run({call})"
    if seed_style or (spec is not None and spec.wants_context):
        imports.append("from tui_chat.engine.tools.registry import ToolContext")
        body.append(
            "    context = ToolContext("
            f"user_id={context.user_id!r}, conversation_id={context.conversation_id!r}, "
            f"session_id={context.session_id!r}, turn_id={context.turn_id!r})"
        )
    if kind == "invalid_arguments":
        imports.append("from jsonschema import Draft202012Validator")
        body.append(f"    schema = {_literal(schema, 13)}")
        body.append("    # The registry refused these arguments; the schema must go on refusing them:")
        body.append(f"    # {message.error or ''}")
        body.append("    assert list(Draft202012Validator(schema).iter_errors(arguments))")
    elif kind == "exception":
        exception, text = _exception(message.error or "")
        imports.insert(0, "import re")
        imports.insert(0, "import pytest")
        body.append(f"    with pytest.raises({exception}, match=re.escape({text!r})):")
        body.append(f"        {call}")
    elif kind in ("timeout", "crashed", "cancelled"):
        body.append(f"    # Recorded: {error_word(kind)} ({message.error or ''}); it should now return.")
        body.append(f"    {call}")
    else:
        result = message.result
        whole = seed_style or kind is not None or set(result) != {"success", "data"}
        expected = result if whole else result.get("data")
        body.append(f"    expected = {_literal(expected, 15)}")
        body.append("")
        body.append(f"    assert {call} == expected")
    lines[2:2] = ["    " + line for line in imports] + [""]
    return "\n".join(lines + body) + "\n"
