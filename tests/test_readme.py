"""The README's commands are the ones CI runs, and its headless example runs as written."""

from __future__ import annotations

import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def readme_commands_module():
    spec = importlib.util.spec_from_file_location("readme_commands", ROOT / ".ci" / "readme_commands.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def steps(command: str) -> list[list[str]]:
    """The ``&&``-joined steps of a one-line shell command, each split into words."""
    return [shlex.split(step) for step in command.split("&&")]


def test_the_readme_test_command_sets_up_the_venv_and_runs_pytest_from_it() -> None:
    command = readme_commands_module().readme_command("test")
    assert steps(command) == [
        ["python3", "-m", "venv", ".venv"],
        [".venv/bin/pip", "install", "-e", ".[dev]"],
        [".venv/bin/python", "-m", "pytest", "-q"],
    ]
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert any(requirement.startswith("pytest") for requirement in dev)
    assert any(requirement.startswith("ruff") for requirement in dev)


def test_the_readme_app_command_installs_and_starts_the_app() -> None:
    command = readme_commands_module().readme_command("app")
    assert steps(command) == [
        ["python3", "-m", "venv", ".venv"],
        [".venv/bin/pip", "install", "-e", "."],
        [".venv/bin/tui-chat"],
    ]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["tui-chat"] == "tui_chat.cli:entry"


def test_ci_runs_exactly_the_readme_test_command_then_ruff() -> None:
    printed = subprocess.run(
        ["python3", ".ci/readme_commands.py", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert printed == readme_commands_module().readme_command("test") + "\n"
    script = (ROOT / ".ci" / "run").read_text()
    body = [line.strip() for line in script.splitlines() if line.strip() and not line.startswith("#")]
    assert 'test_command="$(python3 .ci/readme_commands.py test)"' in body
    assert 'bash -c "$test_command" || status=$?' in body
    assert ".venv/bin/ruff check . || status=$?" in body
    assert not [line for line in body if "pytest" in line], "CI must not run a test command of its own"
    assert (ROOT / ".ci" / "run").stat().st_mode & 0o111


def test_a_readme_command_that_spans_lines_or_is_missing_is_an_error() -> None:
    module = readme_commands_module()
    with pytest.raises(LookupError, match="one line"):
        module.readme_command("test", "Set up and run the tests:\n\n```sh\npython3 -m venv .venv\nls\n```\n")
    with pytest.raises(LookupError, match="no ```sh block"):
        module.readme_command("app", "# nothing here\n")


def test_readme_two_round_example_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run in this process (a fresh interpreter would pay ``import litellm`` again, ~3 s); the example's
    own ``sys.path`` change is undone afterwards. tests/test_offline.py runs a turn in a fresh interpreter."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## A two-round tool conversation, headless", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(sys, "path", list(sys.path))
    exec(compile(code.group(1), "README.md", "exec"), {"__name__": "__main__"})
    out = capsys.readouterr().out
    assert '[get_weather → {"success":true,"data":{"city":"Madrid","temperature":21}}]' in out
    assert "It is 21 °C in Madrid." in out
    assert "rounds sent to the model: 2" in out


def test_the_readme_key_table_is_the_registrys() -> None:
    """The README's table is ``python -m tui_chat.ui.actions``'s output: regenerate it after adding a key."""
    from tui_chat.ui.actions import ACTIONS, readme_table

    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    table = "".join(line + "\n" for line in section.splitlines() if line.startswith("|"))
    assert table == readme_table(), "README.md's key table is out of date: python -m tui_chat.ui.actions"
    for action in ACTIONS:
        if action.keys:
            assert action.description in table
    assert "| `ctrl+g` |" in table and "| `m` | inspector |" in table
