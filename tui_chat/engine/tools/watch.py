"""Hot reload: watch the tool module files and restart the tool host when one is saved.

Uses ``watchfiles`` (inotify on Linux) on the directories holding the configured files, not the files
themselves, so an editor that saves by writing a new file and renaming it over the old one is still
seen. A dotted module (``mypkg.tools``) is found on ``sys.path`` without importing it here (importing
would run user code in the app); its package directory is watched. Changes are debounced for 50 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tui_chat.engine.tools.configured import resolve_module_entry
from tui_chat.engine.tools.loader import is_file_entry
from tui_chat.engine.tools.sources import ToolRuntime
from tui_chat.i18n import _


def watched_paths(modules: list[str]) -> tuple[set[Path], set[Path]]:
    """(files, package directories) to watch for ``[tools] modules``."""
    files: set[Path] = set()
    packages: set[Path] = set()
    for entry in modules:
        resolved = resolve_module_entry(entry)
        if is_file_entry(entry):
            files.add(Path(resolved).resolve())
            continue
        parts = resolved.split(".")
        for folder in sys.path:
            base = Path(folder or ".").joinpath(*parts[:1])
            if base.is_dir():
                packages.add(base.resolve())
                break
            if base.with_suffix(".py").is_file():
                files.add(base.with_suffix(".py").resolve())
                break
    return files, packages


class ModuleWatcher:
    """Calls ``on_change(paths)`` (a coroutine, on the runtime loop) after tool module files change."""

    def __init__(self, modules: list[str], on_change: Callable[[set[Path]], Awaitable[Any]]):
        self.files, self.packages = watched_paths(modules)
        self._on_change = on_change
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self.error = ""
        self.reloads = 0
        self.announce: Callable[[], Any] | None = None
        """Called after each reload (the registry tells its subscribers)."""

    def start(self, runtime: ToolRuntime) -> None:
        if self._task is None and (self.files or self.packages):
            runtime.call_soon(self._begin)

    def _begin(self) -> None:
        if self._task is None:
            self._stop = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="tool-module-watcher")

    def _wanted(self, _change: Any, path: str) -> bool:
        candidate = Path(path)
        if candidate in self.files:
            return True
        return candidate.suffix == ".py" and any(candidate.is_relative_to(folder) for folder in self.packages)

    async def _run(self) -> None:
        try:
            from watchfiles import awatch
        except ImportError as error:  # declared in pyproject; an odd install still chats
            self.error = _("hot reload is off: {problem}").format(problem=error)
            return
        folders = {path.parent for path in self.files if path.parent.is_dir()} | {
            folder for folder in self.packages if folder.is_dir()
        }
        if not folders:
            return
        assert self._stop is not None
        try:
            async for changes in awatch(
                *folders,
                watch_filter=self._wanted,
                debounce=50,
                step=20,
                stop_event=self._stop,
                recursive=bool(self.packages),
                rust_timeout=500,
                yield_on_timeout=False,
            ):
                await self._on_change({Path(path) for _change, path in changes})
                self.reloads += 1  # counted once the new host answers (or failed), then announced
                if self.announce is not None:
                    self.announce()
        except Exception as error:  # a vanished folder, an inotify limit: say so, keep chatting
            self.error = _("hot reload stopped: {problem}").format(problem=f"{type(error).__name__}: {error}")

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                async with asyncio.timeout(2):
                    await self._task
