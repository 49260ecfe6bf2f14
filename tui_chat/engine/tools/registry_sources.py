"""The registry's side that manages tool sources: merging their tools, change notices, start, reload.

A mixin of :class:`tui_chat.engine.tools.registry.ToolRegistry` (its public API is the registry's),
apart from validating and running calls: here the tool host and MCP servers are started, waited for,
restarted on reload, their tools merged with the in-process ones (a clashing name keeps the first),
and subscribers told on their own loop when the tool set, the load errors or a source's state change.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tui_chat.engine.tools.spec import DuplicateToolError, ToolLoadError, ToolSpec
from tui_chat.i18n import _

if TYPE_CHECKING:
    from tui_chat.engine.tools.sources import ToolRuntime, ToolSource


class RegistrySources:
    """Sources, change notification and reload; the attributes are set by ``ToolRegistry.__init__``."""

    _own_errors: list[ToolLoadError]
    _specs: dict[str, ToolSpec]
    _validators: dict[str, Any]
    _sources: list[ToolSource]
    _merged: dict[str, ToolSpec] | None
    _merge_errors: list[ToolLoadError]
    _subscribers: list[tuple[Callable[[], Any], asyncio.AbstractEventLoop | None]]
    _runtime: ToolRuntime | None
    _home_loop: asyncio.AbstractEventLoop | None
    _guard: asyncio.Task[None] | None
    watcher: Any

    @property
    def load_errors(self) -> list[ToolLoadError]:
        """Modules that did not load (here or in the tool host) and tool names that clash."""
        errors = list(self._own_errors)
        for source in self._sources:
            errors.extend(source.load_errors)
        self._merged_specs()
        return errors + self._merge_errors

    def report_load_errors(self, errors: list[ToolLoadError]) -> None:
        self._own_errors.extend(errors)
        self._notify()

    @property
    def sources(self) -> list[ToolSource]:
        return list(self._sources)

    @property
    def runtime(self) -> ToolRuntime:
        if self._runtime is None:
            from tui_chat.engine.tools.sources import ToolRuntime

            self._runtime = ToolRuntime()
        return self._runtime

    def add_source(self, source: ToolSource) -> None:
        """Offer the tools of ``source`` (started by :meth:`start`, or by the first call)."""
        source.on_change = self._source_changed
        self._sources.append(source)
        self._source_changed()

    def _source_changed(self) -> None:
        self._merged = None
        self._validators = {}
        self._notify()

    def subscribe(self, callback: Callable[[], Any]) -> Callable[[], None]:
        """Call ``callback()`` on the subscriber's event loop whenever the tools or load errors change.

        Subscribe from the loop that should run the callback (or call :meth:`start` from it first).
        Returns a function that unsubscribes.
        """
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        entry = (callback, loop)
        self._subscribers.append(entry)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._subscribers.remove(entry)

        return unsubscribe

    def changed(self) -> None:
        """Tell the subscribers that something changed (the watcher calls it after a reload)."""
        self._notify()

    def _notify(self) -> None:
        for callback, loop in list(self._subscribers):
            target = loop or self._home_loop
            if target is None or target.is_closed():
                continue
            with contextlib.suppress(RuntimeError):
                target.call_soon_threadsafe(callback)

    def start(self, *, watch: bool = False) -> None:
        """Start every source in the background (the tool host, MCP servers); returns at once.

        ``watch``: also start the hot-reload watcher, when one is attached (the TUI does).
        """
        if self._home_loop is None and not (self._runtime is not None and self._runtime.in_runtime()):
            with contextlib.suppress(RuntimeError):
                self._home_loop = asyncio.get_running_loop()
        if not self._sources and self.watcher is None:
            return
        runtime = self.runtime
        for source in self._sources:
            if watch and source.kind == "host":
                source.keep_spare = True
            source.start(runtime)
        if watch and self.watcher is not None:
            self.watcher.start(runtime)

    async def wait_ready(self, timeout: float | None = None, *, servers_timeout: float | None = None) -> None:
        """Start the sources if needed and wait until each has started or failed its first attempt.

        The tool host is waited for up to ``timeout``; external MCP servers up to ``servers_timeout``
        (default: the same), so a slow server delays the first message by at most that, once.
        """
        self.start()
        if not self._sources:
            return

        async def started(source: ToolSource) -> None:
            limit = timeout if source.kind == "host" or servers_timeout is None else servers_timeout
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(limit):
                    await source.wait_started()

        async def all_started() -> None:
            await asyncio.gather(*(started(source) for source in self._sources))

        await self.runtime.run(all_started())

    async def reload(self) -> None:
        """Restart every local tool host (new code, new schemas); returns once they answer again."""
        self.start()
        hosts = [source for source in self._sources if source.kind == "host"]
        if hosts:
            await self.runtime.run(_restart_all(hosts, "reload"))
        self._source_changed()

    async def problems(self, timeout: float | None = None) -> list[str]:
        """Wait for the sources' first start; then one line per load error and per source not running."""
        await self.wait_ready(timeout, servers_timeout=None if timeout is None else min(timeout, 5.0))
        lines = [
            _("tools from {source} not loaded: {problem}").format(source=error.source, problem=error.message)
            for error in self.load_errors
        ]
        for source in self._sources:
            status = source.status
            if status.state != "ready" and not (source.kind == "host" and self.load_errors):
                label = getattr(source, "label", source.name)
                lines.append(
                    _("{source} is not available: {problem}").format(source=label, problem=status.message)
                )
        return lines

    def notices(self) -> set[str]:
        """One line per current problem (a module not loaded, a source down), for toasts."""
        lines = {f"{error.source}: {error.message}" for error in self.load_errors}
        for source in self._sources:
            status = source.status
            if status.state in ("failed", "restarting") and status.message:
                lines.add(status.message)
        return lines

    def close_with_loop(self) -> None:
        """Close when the running event loop ends (``asyncio.run`` cancels this guard on the way out)."""

        async def guard() -> None:
            try:
                await asyncio.Event().wait()
            finally:
                self.close()

        self._guard = asyncio.get_running_loop().create_task(guard(), name="tool-sources-guard")

    def close(self) -> None:
        """Stop every source and the watcher (their processes are killed); safe to call twice."""
        if self._runtime is None or not self._runtime.started:
            return

        async def stop_all() -> None:
            if self.watcher is not None:
                await self.watcher.stop()
            await asyncio.gather(*(source.stop() for source in self._sources), return_exceptions=True)

        with contextlib.suppress(Exception):
            self._runtime.run_sync(stop_all(), timeout=10)

    def _merged_specs(self) -> dict[str, ToolSpec]:
        merged = self._merged
        if merged is not None:
            return merged
        merged = dict(self._specs)
        errors: list[ToolLoadError] = []
        for source in self._sources:
            for spec in source.specs():
                existing = merged.get(spec.name)
                if existing is not None:
                    errors.append(
                        ToolLoadError(spec.source, str(DuplicateToolError(spec.name, existing, spec.source)))
                    )
                    continue
                merged[spec.name] = spec
        self._merged, self._merge_errors = merged, errors
        return merged


async def _restart_all(sources: list[ToolSource], reason: str) -> None:
    await asyncio.gather(*(source.restart(reason) for source in sources))
