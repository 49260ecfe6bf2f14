"""The Textual app: wiring only. Services in, main screen up, global screens and commands.

Importing this module must not import litellm: it is imported in a thread worker after the first paint.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import App, SystemCommand
from textual.command import CommandPalette
from textual.screen import Screen
from textual.theme import ThemeProvider
from textual.worker import Worker

from tui_chat.config import Config, save_settings
from tui_chat.engine.models import utcnow
from tui_chat.i18n import _, ngettext
from tui_chat.ui import textual_texts
from tui_chat.ui.actions import Where, bindings, palette_commands
from tui_chat.ui.screens.dialogs import ConfirmDialog
from tui_chat.ui.screens.help import HelpScreen
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.search import OpenAt, SearchScreen
from tui_chat.ui.screens.settings import SettingsScreen
from tui_chat.ui.screens.stats import StatsScreen
from tui_chat.ui.themes import DEFAULT_THEME, app_variable_defaults, load_themes, user_themes_dir
from tui_chat.ui.widgets.conversation_list import ConversationList
from tui_chat.ui.widgets.inspector import InspectorPanel

if TYPE_CHECKING:
    from tui_chat.engine.chat import ChatService
    from tui_chat.engine.workspace import SearchHit, Workspace

LITELLM_WARM_UP_LATEST = 2.0
"""Seconds after start-up when litellm is imported even if the conversation list is still loading."""


STOP_TIMEOUT = 5.0
"""Seconds run_tui waits for replies still running after the app ended without asking (a crash)."""


def settle_garbage_collector() -> None:
    """Move what start-up built out of the collector's way, and collect the oldest generation less often.

    Streaming allocates fast, and each full collection walked every object of textual and litellm
    (~400k objects, 60-300 ms, ~18 per 10 s); frozen objects are never scanned again. No collection
    first: with litellm loaded it would be a 170 ms pause of its own, for little garbage.
    """
    gc.freeze()
    gc.set_threshold(700, 10, 100)


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
            from tui_chat.engine.workspace import build_workspace

            self.workspace: Workspace = build_workspace(config, data_dir)
        else:
            from tui_chat.engine.workspace import workspace_for

            self.workspace = workspace_for(chat_service, data_dir)
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
            self.notify(error, title=_("Theme"), severity="warning", markup=False, timeout=8)
        for load_error in self.workspace.load_errors:
            self.notify(
                f"{load_error.source}: {load_error.message}",
                title=_("Tool module not loaded"),
                severity="error",
                markup=False,
                timeout=10,
            )
        self._tool_notices = {f"{e.source}: {e.message}" for e in self.workspace.load_errors}
        self._tool_reloads = 0
        self.call_after_refresh(self._start_tools)
        self.call_after_refresh(self._warm_up)
        if self._warm_litellm:
            self.set_timer(LITELLM_WARM_UP_LATEST, self._start_litellm_import)

    # -- tools: the tool host and MCP servers start after the first paint -----------------------------

    def _start_tools(self) -> None:
        registry = self.workspace.services.registry
        registry.subscribe(self._tools_changed)
        registry.start(watch=True)

    def _tools_changed(self) -> None:
        """Toast what is new: a module that did not load, a server that is down, a reload."""
        registry = self.workspace.services.registry
        current = registry.notices()
        for notice in current - self._tool_notices:
            self.notify(notice, title=_("Tools"), severity="error", markup=False, timeout=10)
        self._tool_notices = current
        reloads = registry.watcher.reloads if registry.watcher is not None else 0
        if reloads != self._tool_reloads:
            self._tool_reloads = reloads
            said = ngettext(
                "Tool modules reloaded: {n} tool.", "Tool modules reloaded: {n} tools.", len(registry)
            )
            self.notify(said.format(n=len(registry)), title=_("Tools"), timeout=3)

    @work(group="tools", exclusive=True)
    async def action_reload_tools(self) -> None:
        registry = self.workspace.services.registry
        await registry.reload()
        count, problems = len(registry), len(registry.load_errors)
        said = ngettext("Tools reloaded: {n} tool.", "Tools reloaded: {n} tools.", count).format(n=count)
        if problems:
            said += " " + ngettext("{n} not loaded.", "{n} not loaded.", problems).format(n=problems)
        self.notify(said, title=_("Tools"), timeout=3)

    def on_unmount(self) -> None:
        self.workspace.services.registry.close()

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
        """Import litellm before the first send needs it, in a daemon thread: ctrl+q never waits for it."""
        if self._litellm_started:
            return
        self._litellm_started = True
        from tui_chat.engine.chat import start_litellm_import

        if self.workspace.setup_problem() is not None:
            return  # no key: nothing can be sent, so the ~3 s of CPU are not spent
        start_litellm_import()
        self._settle_after_import()

    @work(group="warm-up-litellm")
    async def _settle_after_import(self) -> None:
        from tui_chat.engine.chat import litellm_ready

        await litellm_ready()
        settle_garbage_collector()

    # -- quitting ------------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit at once; with replies still running, ask first, then stop them (saved, marked interrupted)."""
        running = len(self.workspace.running_ids)
        if not running:
            self.exit()
            return

        async def done(confirmed: bool | None) -> None:
            if confirmed:
                for screen in self.screen_stack:
                    if isinstance(screen, MainScreen):
                        await screen.hide_turn()  # nothing is drawn into a closing app
                await self.workspace.stop_all()
                self.exit()

        if not isinstance(self.screen, ConfirmDialog):
            self.push_screen(
                ConfirmDialog(
                    ngettext(
                        "A reply is still coming. Quit and stop it? "
                        "What arrived so far is kept, marked interrupted.",
                        "{n} replies are still coming. Quit and stop them? "
                        "What arrived so far is kept, marked interrupted.",
                        running,
                    ).format(n=running),
                    confirm_label=_("Quit"),
                ),
                done,
            )

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
        new_language = config.session.language != self.config.session.language
        self.config = config
        self.workspace.use_config(config)  # the language of every text from now on, too
        if config.ui.theme in self.available_themes and config.ui.theme != self.theme:
            self.theme = config.ui.theme
        if new_language:  # after the settings screen is gone (this runs while it closes)
            self.call_after_refresh(self._redraw_in_new_language)
            return
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                screen.config_changed()
        self.notify(_("Settings saved."), timeout=3)

    async def _redraw_in_new_language(self) -> None:
        """Every text is looked up as it is drawn: the main screen composes itself again."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                await screen.redraw()
        self.notify(_("Settings saved."), timeout=3)  # a toast from before would have gone with the widgets

    @on(InspectorPanel.RerunRequested)
    def _rerun_requested(self, event: InspectorPanel.RerunRequested) -> None:
        from tui_chat.ui.screens.rerun import open_rerun

        open_rerun(self, event.conversation, event.recorded)

    def action_tools_panel(self) -> None:
        from tui_chat.ui.screens.tools_panel import open_tools_panel

        open_tools_panel(self)

    def action_stats(self) -> None:
        self.push_screen(StatsScreen(self.workspace.totals_reader))

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

        self.push_screen(SearchScreen(self.workspace.reader, clock=self.clock), done)

    @on(ConversationList.SearchRequested)
    def _search_requested(self) -> None:
        self.action_search()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):  # Textual's, in the current language
            yield command._replace(title=_(command.title), help=_(command.help))
        targets = {Where.APP: self, Where.CHAT: screen if isinstance(screen, MainScreen) else None}
        for ours in palette_commands(targets):
            yield SystemCommand(ours.title, ours.help, ours.callback)

    def action_command_palette(self) -> None:
        """Textual's palette, with its placeholder in the current language."""
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=_(textual_texts.SEARCH_COMMANDS))
            )

    def search_themes(self) -> None:
        self.push_screen(
            CommandPalette(providers=[ThemeProvider], placeholder=_(textual_texts.SEARCH_THEMES))
        )


def run_tui(config: Config, data_dir: Path) -> int:
    """Run the app until the user quits; returns the exit status (1 after a crash, never 0).

    The app runs on a loop of our own: ``asyncio.run`` would wait at exit for every executor thread
    (a cold index build, a slow disk). Turns are stopped and saved before the app exits, and every write
    is atomic, so once the app is gone nothing is left to wait for.
    """
    app = TuiChatApp(config, data_dir)
    loop = asyncio.new_event_loop()
    try:
        app.run(loop=loop)
        if app.workspace.running_ids:  # the app ended another way (a crash): still save those replies
            loop.run_until_complete(asyncio.wait_for(app.workspace.stop_all(), STOP_TIMEOUT))
    except TimeoutError:
        pass
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    code = app.return_code or 0  # Textual sets 1 when a handler raised (it drew the traceback)
    busy = [t for t in threading.enumerate() if t is not threading.current_thread() and not t.daemon]
    if busy or "litellm" in sys.modules:
        os._exit(code)  # threads still reading, or litellm's slow finalisation: nothing left to save
    return code
