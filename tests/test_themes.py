"""Themes: the bundled ones load (also from a built wheel), broken user files become named errors."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from tui_chat.ui.themes import (
    APP_VARIABLES,
    app_variable_defaults,
    bundled_themes_dir,
    load_themes,
    user_themes_dir,
)

REPO = Path(__file__).resolve().parents[1]
REQUIRED = {"tui-chat-dark", "tui-chat-light", "tui-chat-high-contrast"}
GOOD = 'name = "mine"\nprimary = "#336699"\ndark = false\n[variables]\ntool-call-ok = "#00aa00"\n'


def test_all_bundled_themes_load_without_errors() -> None:
    themes, errors = load_themes(None)
    assert errors == []
    names = {theme.name for theme in themes}
    assert names >= REQUIRED and len(names) >= 4
    assert {path.stem for path in (REPO / "themes").glob("*.toml")} == names
    assert next(t for t in themes if t.name == "tui-chat-light").dark is False


def test_source_checkout_falls_back_to_the_top_level_themes_folder() -> None:
    assert bundled_themes_dir() == REPO / "themes"
    assert user_themes_dir(Path("/x/config.toml")) == Path("/x/themes")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "b"\nprimary = "#123456"\nbroken = = 1\n', "invalid TOML"),
        ('name = "b"\nprimary = "#123456"\nsparkle = "#fff"\n', "unknown key(s) 'sparkle'"),
        ('name = "b"\nprimary = "#123456"\nerror = "reddish"\n', "'error' is not a valid colour"),
        ('primary = "#123456"\n', "missing 'name'"),
        ('name = "b"\nbackground = "#000000"\n', "missing 'primary'"),
        ('name = "b"\nprimary = "#123456"\ndark = "yes"\n', "'dark' must be true or false"),
        ('name = "b"\nprimary = "#123"\n[variables]\ntool-call-ok = "green-ish"\n', "variables.tool-call-ok"),
    ],
)
def test_broken_user_theme_is_an_error_naming_the_file(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "good.toml").write_text(GOOD, encoding="utf-8")
    broken = tmp_path / "broken.toml"
    broken.write_text(text, encoding="utf-8")
    themes, errors = load_themes(tmp_path)
    assert "mine" in {theme.name for theme in themes}
    assert len(errors) == 1
    assert str(broken) in errors[0] and problem in errors[0]


def test_unreadable_and_missing_user_folders_are_not_errors(tmp_path: Path) -> None:
    (tmp_path / "latin1.toml").write_bytes(b'name = "\xe9"\nprimary = "#123456"\n')
    themes, errors = load_themes(tmp_path / "absent")
    assert errors == [] and len(themes) >= 4
    _, errors = load_themes(tmp_path)
    assert len(errors) == 1 and "latin1.toml" in errors[0] and "cannot be read" in errors[0]


class VariablesApp(App[None]):
    CSS = "Static { color: $tool-call-ok; background: $tool-call-error; border: round $inspector-border; }"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return app_variable_defaults(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Static("x")


async def test_every_theme_applies_and_defines_our_css_variables() -> None:
    themes, _ = load_themes(None)
    app = VariablesApp()
    async with app.run_test() as pilot:
        for theme in themes:
            app.register_theme(theme)
            app.theme = theme.name
            await pilot.pause()
            assert set(APP_VARIABLES) <= set(app.theme_variables)
            if theme.name == "tui-chat-high-contrast":  # sets it explicitly
                assert app.theme_variables["tool-call-ok"] == "#00FF00"
            else:  # follows the theme's success colour
                assert app.theme_variables["tool-call-ok"] == app.theme_variables["success"]


def test_the_wheel_carries_the_bundled_themes_and_they_load_when_installed(tmp_path: Path) -> None:
    """Build the wheel (hatchling via pip), unpack it as an install would, load themes from there."""
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = (tmp_path / "dist").glob("tui_chat-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    bundled = {name.rsplit("/", 1)[1] for name in names if name.startswith("tui_chat/bundled_themes/")}
    assert bundled == {path.name for path in (REPO / "themes").glob("*.toml")}
    assert not any(name.startswith("tui_chat/themes/") for name in names)
    probe = (
        "import tui_chat.ui.themes as t; themes, errors = t.load_themes(None); "
        "print(t.bundled_themes_dir()); print(len(themes), errors)"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    where, loaded = run.stdout.splitlines()
    assert where == str(tmp_path / "site" / "tui_chat" / "bundled_themes")
    assert loaded == f"{len(bundled)} []"
