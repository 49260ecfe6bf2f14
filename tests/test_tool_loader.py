"""Loading the user's tool modules: good ones load, broken ones are reported, nothing crashes."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tui_chat.engine.models import ToolCall
from tui_chat.engine.tools.loader import load_tool_modules
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

CONTEXT = ToolContext(user_id="ana", conversation_id="c-1", session_id="s-1")

GOOD = """
from tui_chat import tool

@tool
def shout(text: str) -> str:
    '''Repeat the text in capitals.'''
    return text.upper()

def helper():
    return "not a tool"
"""


def write(directory: Path, name: str, source: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_a_file_loads_its_decorated_functions_only(tmp_path):
    path = write(tmp_path, "good_tools.py", GOOD)
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(path)])

    assert errors == []
    assert [spec.name for spec in registry.specs()] == ["shout"]
    assert registry.get("shout").source == str(path)


async def test_a_loaded_tool_can_be_executed(tmp_path):
    registry = ToolRegistry()
    load_tool_modules(registry, [str(write(tmp_path, "good_tools.py", GOOD))])

    message = await registry.execute(ToolCall("1", "shout", '{"text": "hola"}'), CONTEXT)

    assert message.result == {"success": True, "data": "HOLA"}


def test_a_broken_module_is_reported_and_the_others_still_load(tmp_path):
    good = write(tmp_path, "good_tools.py", GOOD)
    broken = write(tmp_path, "broken_tools.py", "def oops(:\n    pass\n")
    raising = write(tmp_path, "raising_tools.py", "raise RuntimeError('no database')\n")
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(broken), str(good), str(raising)])

    assert [spec.name for spec in registry.specs()] == ["shout"]
    assert [error.source for error in errors] == [str(broken), str(raising)]
    assert errors[0].message.startswith("SyntaxError:") and "line 1" in errors[0].message
    assert errors[1].message == "RuntimeError: no database"
    assert "raising_tools.py" in errors[1].traceback


def test_the_traceback_starts_in_the_users_code(tmp_path):
    path = write(
        tmp_path, "raising_tools.py", "def connect():\n    raise RuntimeError('no database')\n\nconnect()\n"
    )
    registry = ToolRegistry()

    (error,) = load_tool_modules(registry, [str(path)])

    assert error.traceback.splitlines()[1].startswith(f'  File "{path}", line 4')
    assert "tool_loader.py" not in error.traceback and "importlib" not in error.traceback


def test_load_errors_are_also_kept_on_the_registry(tmp_path):
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(tmp_path / "missing.py")])

    assert registry.load_errors == errors
    assert errors[0].message.startswith("FileNotFoundError: no such file:")
    assert errors[0].traceback == ""  # none of the user's code ran


def test_a_module_whose_tool_has_a_bad_annotation_is_reported_naming_the_parameter(tmp_path):
    path = write(
        tmp_path,
        "dated_tools.py",
        """
        from datetime import datetime
        from tui_chat import tool

        @tool
        def remind(when: datetime) -> None:
            pass
        """,
    )
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(path)])

    assert "TypeError" in errors[0].message and "parameter 'when'" in errors[0].message


def test_a_module_without_tools_is_reported(tmp_path):
    path = write(tmp_path, "empty_tools.py", "x = 1\n")
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(path)])

    assert "no tools found" in errors[0].message


def test_a_module_is_all_or_nothing(tmp_path):
    path = write(
        tmp_path,
        "half_tools.py",
        """
        from tui_chat import tool

        @tool
        def first() -> int:
            return 1

        def register(registry):
            raise RuntimeError("cannot reach the API")
        """,
    )
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(path)])

    assert registry.specs() == []
    assert errors[0].message == "RuntimeError: cannot reach the API"


def test_register_hook_adds_tools_with_explicit_definitions(tmp_path):
    path = write(
        tmp_path,
        "seed_style.py",
        """
        def buscar(args, context):
            return {"success": True, "data": args["consulta"]}

        def register(registry):
            registry.register(
                "buscar",
                buscar,
                {
                    "name": "buscar",
                    "description": "Busca",
                    "parameters": {"type": "object", "properties": {"consulta": {"type": "string"}}},
                },
            )
        """,
    )
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(path)])

    assert errors == []
    assert registry.get("buscar").source == str(path)
    assert registry.get("buscar").call_style == "args_dict"


def test_a_register_function_imported_from_elsewhere_is_not_called(tmp_path):
    path = write(
        tmp_path,
        "atexit_tools.py",
        """
        from atexit import register
        from tui_chat import tool

        @tool
        def ping() -> str:
            return "pong"
        """,
    )
    registry = ToolRegistry()

    assert load_tool_modules(registry, [str(path)]) == []
    assert [spec.name for spec in registry.specs()] == ["ping"]


def test_a_duplicate_tool_name_is_reported_naming_both_sources_and_the_first_wins(tmp_path):
    first = write(tmp_path, "first_tools.py", GOOD)
    second = write(tmp_path, "second_tools.py", GOOD.replace("upper()", "lower()"))
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(first), str(second)])

    assert len(errors) == 1
    assert errors[0].source == str(second)
    assert str(first) in errors[0].message and str(second) in errors[0].message
    assert registry.get("shout").source == str(first)


def test_a_relative_path_is_relative_to_the_current_directory(tmp_path, monkeypatch):
    write(tmp_path, "local_tools.py", GOOD)
    monkeypatch.chdir(tmp_path)
    registry = ToolRegistry()

    errors = load_tool_modules(registry, ["local_tools.py"])

    assert errors == []
    assert registry.get("shout").source == str(tmp_path / "local_tools.py")


def test_a_home_relative_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path, "my_tools.py", GOOD)
    registry = ToolRegistry()

    errors = load_tool_modules(registry, ["~/my_tools.py"])

    assert errors == []
    assert registry.get("shout").source == str(tmp_path / "my_tools.py")


def test_a_dotted_module_name_is_imported(tmp_path, monkeypatch):
    package = tmp_path / "acme_tools_pkg"
    package.mkdir()
    write(package, "__init__.py", "")
    write(package, "tools.py", GOOD)
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = ToolRegistry()

    errors = load_tool_modules(registry, ["acme_tools_pkg.tools"])

    assert errors == []
    assert registry.get("shout").source == "acme_tools_pkg.tools"


def test_a_missing_module_name_is_reported():
    registry = ToolRegistry()

    errors = load_tool_modules(registry, ["no_such_pkg_for_tui_chat.tools"])

    assert errors[0].source == "no_such_pkg_for_tui_chat.tools"
    assert errors[0].message.startswith("ModuleNotFoundError: No module named 'no_such_pkg_for_tui_chat'")


def test_two_files_with_the_same_name_in_different_folders_both_load(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "tools.py", GOOD)
    write(tmp_path / "b", "tools.py", GOOD.replace("def shout", "def whisper"))
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(tmp_path / "a" / "tools.py"), str(tmp_path / "b" / "tools.py")])

    assert errors == []
    assert [spec.name for spec in registry.specs()] == ["shout", "whisper"]


def test_a_module_calling_sys_exit_is_reported_not_fatal(tmp_path):
    path = write(tmp_path, "exiting_tools.py", "import sys\nsys.exit(2)\n")
    registry = ToolRegistry()

    errors = load_tool_modules(registry, [str(path)])

    assert errors[0].message == "SystemExit: 2"


@pytest.fixture(autouse=True)
def _forget_loaded_tool_modules():
    """Loaded files stay in sys.modules under generated names; tidy them after each test."""
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("_tui_chat_tools_", "acme_tools_pkg")):
            del sys.modules[name]
