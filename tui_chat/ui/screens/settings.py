"""Settings: model (with a picker), request parameters, idle reset, language, theme, system prompt.

Every field is validated on Save: an invalid one is highlighted with its reason under it, and the
status line names them. A valid form is kept with ``save_settings`` — in the app's settings file,
layered over config.toml, which is never written — and the screen dismisses with the new Config
(Esc: None, nothing written). The model picker adds the models the configured server lists, fetched
in a thread with a short timeout.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Label, Select, Static, TextArea

from tui_chat.config import Config, range_of, save_settings
from tui_chat.i18n import LANGUAGES, N_, _, ngettext
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.screens.modal import TuiModal

COMMON_MODELS = (
    "gpt-4o-mini",
    "gpt-4o",
    "anthropic/claude-3-5-haiku-latest",
    "anthropic/claude-3-5-sonnet-latest",
    "gemini/gemini-1.5-flash",
    "ollama/llama3.1",
)
"""Offered in the picker after the configured model; any litellm model string may be typed instead."""

FIELD_NAMES = {
    "model": N_("Model"),
    "api_base": N_("API base URL"),
    "api_key_env": N_("API key variable"),
    "temperature": N_("Temperature"),
    "max_tokens": N_("Max tokens"),
    "idle_reset_minutes": N_("Idle reset"),
    "language": N_("Language"),
    "theme": N_("Theme"),
}
"""The fields validated on Save, in form order, with the names the status line uses (translated there).
The language picker shows each language by its own name (``i18n.LANGUAGES``), whatever the current one."""


def model_suggestions(config: Config) -> list[str]:
    """The configured model and $DEFAULT_MODEL first, then a few common ones, without repeats."""
    names = [config.model.name, os.environ.get("DEFAULT_MODEL", ""), *COMMON_MODELS]
    return list(dict.fromkeys(name for name in names if name))


@dataclass(frozen=True)
class FormValues:
    """The raw text of the form, as typed."""

    model: str
    api_base: str
    api_key_env: str
    temperature: str
    max_tokens: str
    system_prompt: str
    idle_reset_minutes: str
    language: str
    theme: str


@dataclass(frozen=True)
class RangeMessages:
    """A number field's messages (``N_``-marked; ``{low}`` / ``{high}`` are the config's limits): whole
    sentences, since the words around a range differ from language to language."""

    not_a_number: str
    between: str
    at_least: str

    def out_of_range(self, low: float, high: float | None) -> str:
        if high is None:
            return _(self.at_least).format(low=f"{low:g}")
        return _(self.between).format(low=f"{low:g}", high=f"{high:g}")


TEMPERATURE_MESSAGES = RangeMessages(
    N_("Temperature must be a number, such as {low}."),
    N_("Temperature must be between {low} and {high}."),
    N_("Temperature must be {low} or more."),
)
IDLE_RESET_MESSAGES = RangeMessages(
    N_("Idle reset must be a number, such as {low} (0 turns it off)."),
    N_("Idle reset must be between {low} and {high} (0 turns it off)."),
    N_("Idle reset must be {low} or more (0 turns it off)."),
)
MAX_TOKENS_MESSAGES = RangeMessages(
    N_("Max tokens must be a whole number, such as {low}."),
    N_("Max tokens must be a whole number, between {low} and {high}."),
    N_("Max tokens must be a whole number, {low} or more."),
)


def _in_range(value: float, low: float, high: float | None) -> bool:
    return low <= value and (high is None or value <= high)


def _number(text: str, key: str, messages: RangeMessages) -> tuple[float | None, str]:
    """The value typed for the setting ``key``, or None and a message; the limits are the config's."""
    low, high = range_of(key)
    try:
        value = float(text.strip())
    except ValueError:
        return None, _(messages.not_a_number).format(low=f"{low:g}")
    if value != value or not _in_range(value, low, high):
        return None, messages.out_of_range(low, high)
    return value, ""


def validate(values: FormValues, config: Config, themes: set[str]) -> tuple[Config | None, dict[str, str]]:
    """The new Config, or None and one message per invalid field (keyed by field name), in the current
    language."""
    errors: dict[str, str] = {}
    model = values.model.strip()
    if not model:
        errors["model"] = _("Enter a model, for example gpt-4o-mini or ollama/llama3.1.")
    elif any(char.isspace() for char in model):
        errors["model"] = _("A model name has no spaces (litellm form: provider/model).")
    api_base = values.api_base.strip()
    if api_base and not api_base.startswith(("http://", "https://")):
        errors["api_base"] = _("The API base is a URL starting with http:// or https:// (or empty).")
    api_key_env = values.api_key_env.strip()
    if api_key_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", api_key_env):
        errors["api_key_env"] = _("The name of an environment variable, such as OPENAI_API_KEY (or empty).")
    temperature, message = _number(values.temperature, "model.temperature", TEMPERATURE_MESSAGES)
    if message:
        errors["temperature"] = message
    low, high = range_of("model.max_tokens")
    try:
        max_tokens = int(values.max_tokens.strip())
    except ValueError:
        max_tokens = -1
        errors["max_tokens"] = _(MAX_TOKENS_MESSAGES.not_a_number).format(low=f"{low:g}")
    else:
        if not _in_range(max_tokens, low, high):
            errors["max_tokens"] = MAX_TOKENS_MESSAGES.out_of_range(low, high)
    idle, message = _number(values.idle_reset_minutes, "session.idle_reset_minutes", IDLE_RESET_MESSAGES)
    if message:
        errors["idle_reset_minutes"] = message
    if values.language not in {code for __, code in LANGUAGES}:
        names = " / ".join(name for name, __ in LANGUAGES)
        errors["language"] = _("Choose a language: {names}.").format(names=names)
    if themes and values.theme not in themes:
        errors["theme"] = _("Choose one of the listed themes.")
    if errors or temperature is None or idle is None:
        return None, errors
    new = dataclasses.replace(
        config,
        model=dataclasses.replace(
            config.model,
            name=model,
            api_base=api_base,
            api_key_env=api_key_env,
            temperature=temperature,
            max_tokens=max_tokens,
        ),
        session=dataclasses.replace(
            config.session,
            system_prompt=values.system_prompt.strip("\n"),
            idle_reset_minutes=idle,
            language=values.language,
        ),
        ui=dataclasses.replace(config.ui, theme=values.theme),
    )
    return new, {}


class SettingsScreen(TuiModal[Config | None]):
    """Edit and save the settings; dismisses with the saved Config, or None on Esc."""

    BINDINGS = bindings(Where.SETTINGS)

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self._theme_before = config.ui.theme
        self.server_models: list[str] = []

    def _field(self, key: str, label: str, widget: Any, hint: str = "") -> ComposeResult:
        with Vertical(classes="field", id=f"field-{key}"):
            yield Label(Content(label), classes="field-label")
            yield widget
            if hint:
                yield Static(Content(hint), classes="field-hint")
            yield Static(id=f"error-{key}", classes="field-error")

    def compose_body(self) -> ComposeResult:
        config = self.config
        suggestions = model_suggestions(config)
        low, high = range_of("model.temperature")
        themes = sorted(self.app.available_themes)
        if config.ui.theme not in themes:
            themes.append(config.ui.theme)
        with Vertical(classes="modal-body", id="settings-body"):
            yield Static(Content(_("Settings")), classes="modal-title")
            with VerticalScroll(id="settings-form"):
                with Vertical(classes="field", id="field-model"):
                    yield Label(Content(_("Model (any litellm model string)")), classes="field-label")
                    with Horizontal(classes="model-row"):
                        yield Input(
                            config.model.name,
                            id="model",
                            suggester=SuggestFromList(suggestions, case_sensitive=False),
                            placeholder=_("provider/model, e.g. gpt-4o-mini"),
                        )
                        yield Select(
                            [(Content(name), name) for name in suggestions],
                            prompt=_("Pick…"),
                            id="model-picker",
                            allow_blank=True,
                        )
                    yield Static(id="model-source", classes="field-hint")
                    yield Static(id="error-model", classes="field-error")
                with Horizontal(classes="field-row"):
                    yield from self._field(
                        "api_base",
                        _("API base URL"),
                        Input(
                            config.model.api_base,
                            id="api_base",
                            placeholder=_("empty: the provider's default"),
                        ),
                        _("For local servers, e.g. http://localhost:11434"),
                    )
                    yield from self._field(
                        "api_key_env",
                        _("API key environment variable"),
                        Input(
                            config.model.api_key_env,
                            id="api_key_env",
                            placeholder=_("empty: litellm's default"),
                        ),
                        _("The key itself is never stored here."),
                    )
                with Horizontal(classes="field-row"):
                    yield from self._field(
                        "temperature",
                        _("Temperature ({low}–{high})").format(low=f"{low:g}", high=f"{high:g}"),
                        Input(f"{config.model.temperature:g}", id="temperature"),
                    )
                    yield from self._field(
                        "max_tokens", _("Max tokens"), Input(str(config.model.max_tokens), id="max_tokens")
                    )
                    yield from self._field(
                        "idle_reset_minutes",
                        _("Idle reset (minutes, 0 = off)"),
                        Input(f"{config.session.idle_reset_minutes:g}", id="idle_reset_minutes"),
                    )
                with Horizontal(classes="field-row"):
                    yield from self._field(
                        "language",
                        _("Language"),
                        Select(LANGUAGES, value=config.session.language, allow_blank=False, id="language"),
                    )
                    yield from self._field(
                        "theme",
                        _("Theme"),
                        Select(
                            [(name, name) for name in themes],
                            value=config.ui.theme,
                            allow_blank=False,
                            id="theme",
                        ),
                    )
                yield from self._field(
                    "system_prompt",
                    _("System prompt"),
                    TextArea(config.session.system_prompt, id="system_prompt", soft_wrap=True),
                    _("Empty: the default instructions of the chosen language."),
                )
            yield Static(id="settings-status", classes="field-error")
            with Horizontal(classes="modal-buttons"):
                yield Button(_("Save"), variant="primary", id="save", compact=True)
                yield Button(_("Cancel"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self._theme_before = self.app.theme
        self.query_one("#model", Input).focus()
        self._list_server_models(self.config.model)

    @work(thread=True, group="server-models", exclusive=True)
    def _list_server_models(self, settings: Any) -> None:
        from tui_chat.engine.provider.server_models import server_models

        found = server_models(settings)
        self.app.call_from_thread(self._show_server_models, found)

    def _show_server_models(self, found: Any) -> None:
        if not self.is_attached:
            return
        self.server_models = list(found.names)
        hint = self.query_one("#model-source", Static)
        if found.names:
            names = list(dict.fromkeys([*found.names, *model_suggestions(self.config)]))
            self.query_one("#model-picker", Select).set_options([(Content(name), name) for name in names])
            count = len(found.names)
            shown = ngettext("{count} model from {source}", "{count} models from {source}", count)
            hint.update(Content(shown.format(count=count, source=found.source)))
        elif found.problem:
            hint.update(Content(found.problem))
        hint.set_class(bool(found.names or found.problem), "-shown")

    @on(Select.Changed, "#model-picker")
    def _picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#model", Input).value = event.value

    @on(Select.Changed, "#theme")
    def _preview_theme(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value in self.app.available_themes:
            self.app.theme = event.value

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        if event.input.id:
            self._set_error(event.input.id, "")

    def _set_error(self, key: str, message: str) -> None:
        for error in self.query(f"#error-{key}").results(Static):
            error.update(Content(message))
            error.set_class(bool(message), "-shown")
        for container in self.query(f"#field-{key}"):
            container.set_class(bool(message), "-invalid")

    def form_values(self) -> FormValues:
        def text(key: str) -> str:
            return self.query_one(f"#{key}", Input).value

        def choice(key: str) -> str:
            value = self.query_one(f"#{key}", Select).value
            return value if isinstance(value, str) else ""

        return FormValues(
            model=text("model"),
            api_base=text("api_base"),
            api_key_env=text("api_key_env"),
            temperature=text("temperature"),
            max_tokens=text("max_tokens"),
            system_prompt=self.query_one("#system_prompt", TextArea).text,
            idle_reset_minutes=text("idle_reset_minutes"),
            language=choice("language"),
            theme=choice("theme"),
        )

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        new, errors = validate(self.form_values(), self.config, set(self.app.available_themes))
        for key in FIELD_NAMES:
            self._set_error(key, errors.get(key, ""))
        status = self.query_one("#settings-status", Static)
        if new is None:
            names = ", ".join(_(FIELD_NAMES[key]) for key in FIELD_NAMES if key in errors)
            count = len(errors)
            shown = ngettext(
                "Fix {count} field to save: {names}.", "Fix {count} fields to save: {names}.", count
            )
            status.update(Content(shown.format(count=count, names=names)))
            self.query_one(f"#{next(key for key in FIELD_NAMES if key in errors)}").focus()
            return
        try:
            save_settings(new)
        except OSError as error:
            status.update(Content(_("Could not write the settings file: {error}").format(error=error)))
            return
        self.dismiss(new)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.app.theme != self._theme_before:  # undo the live preview
            self.app.theme = self._theme_before
        self.dismiss(None)
