"""One lock per conversation, shared by every process on the data dir (TUI, CLI, a second TUI, serve).

``filelock`` takes an OS lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) on
``<data dir>/locks/<id>.lock``; the OS drops it when a process dies, so a crash never leaves a
conversation locked. The lock is held only around read–merge–write, a few milliseconds.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from tui_chat.engine.errors import StoreError
from tui_chat.engine.store.files import write_failed
from tui_chat.i18n import _

LOCK_TIMEOUT = 30.0
"""Seconds to wait for another process's save; a save of a 9 MB file takes ~0.1 s."""


class ConversationLocks:
    def __init__(self, folder: Path, timeout: float = LOCK_TIMEOUT):
        self.folder = folder
        self.timeout = timeout
        self._locks: dict[str, FileLock] = {}
        self._guard = threading.Lock()

    def _lock(self, conversation_id: str) -> FileLock:
        with self._guard:
            lock = self._locks.get(conversation_id)
            if lock is None:
                # thread_local=False: the store's own RLock orders threads; the file lock orders processes,
                # and re-entering it from the same process (rename → save) only counts up.
                lock = FileLock(self.folder / f"{conversation_id}.lock", mode=0o600, thread_local=False)
                self._locks[conversation_id] = lock
            return lock

    @contextlib.contextmanager
    def hold(self, conversation_id: str, path: Path | None = None) -> Iterator[None]:
        """Hold the lock of ``conversation_id``; ``path`` (its file) is named when the lock cannot be made."""
        lock = self._lock(conversation_id)
        try:
            lock.acquire(timeout=self.timeout)
        except Timeout:
            raise StoreError(
                _("The conversation {id} is being saved by another process.").format(id=conversation_id),
                hint=_("Try again in a moment."),
                detail=_("lock {path} held for over {seconds:g} s").format(
                    path=lock.lock_file, seconds=self.timeout
                ),
            ) from None
        except OSError as error:  # the lock file cannot be made: read-only, full, no permission
            raise write_failed(path or lock.lock_file, error) from None
        try:
            yield
        finally:
            lock.release()
