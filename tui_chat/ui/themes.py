"""Themes: bundled TOML files plus the user's own, loaded into ``textual.theme.Theme`` objects.

A theme file's keys map 1:1 to ``Theme`` fields; ``[variables]`` holds CSS variables (ours are listed
in ``APP_VARIABLES``). A broken file becomes an error string naming the file, never an exception, so a
typo in a user theme costs a notification, not the app. The messages are in the current language
(keys, values and paths stay as written).

Packaging: the wheel carries the top-level ``themes/`` folder as ``tui_chat/bundled_themes`` (hatch
``force-include``). Editable installs and source checkouts don't expose that mapping, so we fall back to
``<repo>/themes``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from tui_chat.i18n import _

DEFAULT_THEME = "tui-chat-dark"

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_BOOL_FIELDS = ("dark", "ansi")
_NUMBER_FIELDS = ("luminosity_spread", "text_alpha")
_THEME_FIELDS = frozenset(field.name for field in dataclasses.fields(Theme))

APP_VARIABLES: dict[str, str] = {
    # our variable -> the theme colour it follows unless a theme sets it
    "tool-call-ok": "success",
    "tool-call-error": "error",
    "tool-call-running": "warning",
    "inspector-border": "primary",
    "inspector-heading": "accent",
}
"""tui-chat's own CSS variables and the Textual colour each one defaults to."""

_FALLBACK_COLOURS = {
    "success": "#5FC47E",
    "error": "#E05D6F",
    "warning": "#E8A33D",
    "primary": "#4C9BE8",
    "accent": "#E8A33D",
}


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the message names the file and the problem."""


def bundled_themes_dir() -> Path:
    """The folder of bundled themes: inside the installed wheel, else ``<repo>/themes``."""
    packaged = _PACKAGE_DIR / "bundled_themes"
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / "themes"


def user_themes_dir(config_path: Path | None) -> Path:
    """The ``themes/`` folder next to the config file."""
    if config_path is None:
        from tui_chat.config import default_config_path

        config_path = default_config_path()
    return config_path.parent / "themes"


def app_variable_defaults(theme: Theme | None = None) -> dict[str, str]:
    """Defaults of our CSS variables, derived from ``theme``'s colours (for ``get_theme_variable_defaults``).

    Textual does not resolve ``$references`` inside variable values, so each default is a concrete
    colour taken from the theme's generated colour system.
    """
    colours = dict(_FALLBACK_COLOURS)
    if theme is not None:
        # a theme Textual cannot expand keeps the fallbacks
        with contextlib.suppress(Exception):
            colours.update(theme.to_color_system().generate())
    return {name: colours[source] for name, source in APP_VARIABLES.items()}


def _check_colour(key: str, value: Any) -> None:
    if not isinstance(value, str):
        raise ThemeFileError(
            _("'{key}' must be a colour string such as \"#4C9BE8\", not {value}").format(
                key=key, value=repr(value)
            )
        )
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeFileError(
            _("'{key}' is not a valid colour: {value}").format(key=key, value=repr(value))
        ) from None


def theme_from_dict(data: dict[str, Any]) -> Theme:
    """Build a Theme from a parsed theme file, raising ThemeFileError (without the file name)."""
    unknown = sorted(set(data) - _THEME_FIELDS)
    if unknown:
        raise ThemeFileError(
            _("unknown key(s) {unknown}; known keys: {known}").format(
                unknown=", ".join(repr(key) for key in unknown), known=", ".join(sorted(_THEME_FIELDS))
            )
        )
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(_("missing 'name' (a non-empty string)"))
    if "primary" not in data:
        raise ThemeFileError(_("missing 'primary' (a colour)"))
    for key in _COLOUR_FIELDS:
        if key in data:
            _check_colour(key, data[key])
    for key in _BOOL_FIELDS:
        if key in data and not isinstance(data[key], bool):
            raise ThemeFileError(
                _("'{key}' must be true or false, not {value}").format(key=key, value=repr(data[key]))
            )
    for key in _NUMBER_FIELDS:
        value = data.get(key, 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ThemeFileError(
                _("'{key}' must be a number, not {value}").format(key=key, value=repr(value))
            )
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeFileError(_('[variables] must be a table of name = "value"'))
    for key, value in variables.items():
        if not isinstance(value, str):
            raise ThemeFileError(
                _("variable '{key}' must be a string, not {value}").format(key=key, value=repr(value))
            )
        if key in APP_VARIABLES:
            _check_colour(f"variables.{key}", value)
    theme = Theme(**data)
    theme.to_color_system().generate()  # surfaces anything Textual itself would reject later
    return theme


def load_theme_file(path: Path) -> Theme:
    """Read one theme file; raises ThemeFileError whose message names the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ThemeFileError(
            _("theme file {path}: cannot be read: {error}").format(path=path, error=error)
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ThemeFileError(
            _("theme file {path}: invalid TOML: {error}").format(path=path, error=error)
        ) from None
    try:
        return theme_from_dict(data)
    except ThemeFileError as error:
        raise ThemeFileError(_("theme file {path}: {problem}").format(path=path, problem=error)) from None
    except Exception as error:
        problem = f"{type(error).__name__}: {error}"
        raise ThemeFileError(_("theme file {path}: {problem}").format(path=path, problem=problem)) from None


def _theme_files(folder: Path) -> list[Path]:
    try:
        return sorted(path for path in folder.glob("*.toml") if path.is_file())
    except OSError:
        return []


def load_themes(user_dir: Path | None) -> tuple[list[Theme], list[str]]:
    """Bundled themes then the user's (a user theme with a bundled name replaces it when registered).

    Returns the themes that loaded and one error string per broken file.
    """
    themes: list[Theme] = []
    errors: list[str] = []
    folders = [bundled_themes_dir()]
    if user_dir is not None and user_dir.is_dir():
        folders.append(user_dir)
    for folder in folders:
        for path in _theme_files(folder):
            try:
                themes.append(load_theme_file(path))
            except ThemeFileError as error:
                errors.append(str(error))
    return themes, errors
