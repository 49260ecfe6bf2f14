"""The Textual app: wiring only. Services in, main screen up, global screens and commands.

Importing this module must not import litellm: it is imported in a thread worker after the first paint.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.screen import Screen
from textual.worker import Worker

from tui_chat.config import Config, save_settings
from tui_chat.engine.models import utcnow
from tui_chat.ui.actions import Where, bindings, palette_commands
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.search import OpenAt, SearchScreen
from tui_chat.ui.screens.settings import SettingsScreen
from tui_chat.ui.screens.stats import StatsScreen
from tui_chat.ui.themes import DEFAULT_THEME, app_variable_defaults, load_themes, user_themes_dir
from tui_chat.ui.widgets.conversation_list import ConversationList

if TYPE_CHECKING:
    from tui_chat.engine.chat import ChatService
    from tui_chat.engine.store.conversation_store import ConversationStore
    from tui_chat.engine.store.index import SearchHit
    from tui_chat.engine.tools.registry import ToolLoadError

LITELLM_WARM_UP_LATEST = 2.0
"""Seconds after start-up when litellm is imported even if the conversation list is still loading."""


def settle_garbage_collector() -> None:
    """Move what start-up built out of the collector's way, and collect the oldest generation less often.

    Streaming allocates fast, and each full collection walked every object of textual and litellm
    (~400k objects, 60-300 ms, ~18 per 10 s); frozen objects are never scanned again. No collection
    first: with litellm loaded it would be a 170 ms pause of its own, for little garbage.
    """
    gc.freeze()
    gc.set_threshold(700, 10, 100)


@dataclass
class UiServices:
    """The engine objects the UI talks to (built by ``engine.services`` or injected by tests)."""

    store: ConversationStore
    chat: ChatService
    load_errors: list[ToolLoadError] = field(default_factory=list)


class TuiChatApp(App[None]):
    TITLE = "tui-chat"
    CSS_PATH = ["app.tcss"]
    BINDINGS = bindings(Where.APP)

    def __init__(
        self,
        config: Config,
        data_dir: Path,
        *,
        chat_service: ChatService | None = None,
        clock: Callable[[], datetime] = utcnow,
        warm_litellm: bool = True,
    ) -> None:
        super().__init__()
        self.config = config
        self.data_dir = data_dir
        self.clock = clock
        self._warm_litellm = warm_litellm
        self._litellm_started = False
        if chat_service is None:
            from tui_chat.engine.services import build_services

            built = build_services(config, data_dir)
            self.services = UiServices(built.store, built.chat, list(built.load_errors))
        else:
            self.services = UiServices(chat_service.store, chat_service)
        self._theme_errors = self._register_themes()

    # -- themes --------------------------------------------------------------------------------------

    def _register_themes(self) -> list[str]:
        themes, errors = load_themes(user_themes_dir(self.config.path))
        for theme in themes:
            self.register_theme(theme)
        wanted = self.config.ui.theme
        if wanted not in self.available_themes:
            if wanted != DEFAULT_THEME:
                errors.append(f"theme {wanted!r} is not installed; using {DEFAULT_THEME!r}")
            wanted = DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted
        return errors

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return app_variable_defaults(self.current_theme if self._registered_themes else None)

    def watch_theme(self, theme: str) -> None:
        if theme != self.config.ui.theme and self.config.path is not None:
            self.config.ui.theme = theme
            self._save_settings(self.config)

    @work(thread=True, group="config")
    def _save_settings(self, config: Config) -> None:
        """The app's settings file, layered over config.toml (which the app never writes)."""
        save_settings(config)

    # -- start-up ------------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return MainScreen()

    def on_mount(self) -> None:
        for error in self._theme_errors:
            self.notify(error, title="Theme", severity="warning", markup=False, timeout=8)
        for load_error in self.services.load_errors:
            self.notify(
                f"{load_error.source}: {load_error.message}",
                title="Tool module not loaded",
                severity="error",
                markup=False,
                timeout=10,
            )
        self.call_after_refresh(self._warm_up)
        if self._warm_litellm:
            self.set_timer(LITELLM_WARM_UP_LATEST, self._start_litellm_import)

    @work(thread=True, group="warm-up")
    def _warm_up(self) -> None:
        """After the first paint: first-use costs of rendering (the Markdown parser, pygments)."""
        from tui_chat.ui.widgets.message_widgets import warm_up

        warm_up()
        if not self._warm_litellm:
            self.call_from_thread(settle_garbage_collector)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # The list loads in a thread too: an import holding the GIL beside it (litellm's ~3 s of CPU)
        # made it take seconds to show, so litellm waits for the list.
        if self._warm_litellm and event.worker.group == "list" and event.worker.is_finished:
            self._start_litellm_import()

    def _start_litellm_import(self) -> None:
        if not self._litellm_started:
            self._litellm_started = True
            self._import_litellm()

    @work(thread=True, group="warm-up-litellm")
    def _import_litellm(self) -> None:
        """Import litellm before the first send needs it; then settle the collector."""
        from tui_chat.engine.provider.litellm_import import import_litellm

        import_litellm()
        self.call_from_thread(settle_garbage_collector)

    # -- global screens ------------------------------------------------------------------------------

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_settings(self) -> None:

        def done(config: Config | None) -> None:
            if config is None:
                return
            self.apply_config(config)

        self.push_screen(SettingsScreen(self.config), done)

    def apply_config(self, config: Config) -> None:
        """Use a changed config from now on (the settings screen has saved it)."""
        config.path = config.path or self.config.path
        config.settings_path = config.settings_path or self.config.settings_path
        self.config = config
        self.services.chat.config = config
        if config.ui.theme in self.available_themes and config.ui.theme != self.theme:
            self.theme = config.ui.theme
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.config_changed()
        self.notify("Settings saved.", timeout=3)

    def action_stats(self) -> None:
        self.push_screen(StatsScreen(self.services.store))

    def action_search(self) -> None:
        """Search every conversation; Enter there opens the conversation at the message (search slice)."""
        if isinstance(self.screen, SearchScreen):
            self.screen.action_focus_query()
            return

        def done(hit: SearchHit | None) -> None:
            if hit is not None:
                for screen in self.screen_stack:
                    if isinstance(screen, MainScreen):
                        screen.post_message(OpenAt(hit.conversation_id, hit.message_id))

        self.push_screen(SearchScreen(self.services.store, clock=self.clock), done)

    @on(ConversationList.SearchRequested)
    def _search_requested(self) -> None:
        self.action_search()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        targets = {Where.APP: self, Where.CHAT: screen if isinstance(screen, MainScreen) else None}
        for command in palette_commands(targets):
            yield SystemCommand(command.title, command.help, command.callback)


def run_tui(config: Config, data_dir: Path) -> None:
    """Run the app until the user quits."""
    TuiChatApp(config, data_dir).run()
