"""What a tool writes while it runs: per-call capture of ``sys.stdout``/``sys.stderr`` in the tool host.

The host points ``sys.stdout`` and ``sys.stderr`` at a :class:`Router`. During a call (a context
variable holds the call's :class:`Capture`, and threads the call starts from the handler's context
inherit it) the text goes to that call; outside calls it goes to the host log. Concurrent calls are
kept apart because the routing follows the context, not the file descriptor.

Writes below Python (``os.write(1, …)``, C extensions, child processes) reach the descriptors, which
the host points at its log; the parent reads the log's tail when the host dies during a call.
"""

from __future__ import annotations

import contextvars
import io
from typing import TextIO

from tui_chat.i18n import _

DEFAULT_OUTPUT_LIMIT = 64_000
"""Characters of a call's output kept whole; beyond it the head and the tail are kept."""

CURRENT: contextvars.ContextVar[Capture | None] = contextvars.ContextVar("tui_chat_capture", default=None)


class Capture:
    """One call's output, capped: the first 3/4 of ``limit`` and the last 1/4 are kept, and the count."""

    def __init__(self, limit: int = DEFAULT_OUTPUT_LIMIT, *, mirror: TextIO | None = None):
        self.limit = max(limit, 0)
        self._head: list[str] = []
        self._head_size = 0
        self._tail = ""
        self.total = 0
        self._mirror = mirror
        self._mirrored = 0

    def write(self, text: str) -> None:
        if not text:
            return
        self.total += len(text)
        if self._mirror is not None and self._mirrored < self.limit:
            part = text[: self.limit - self._mirrored]
            self._mirrored += len(part)
            try:
                self._mirror.write(part)
                self._mirror.flush()
            except (OSError, ValueError):
                self._mirror = None
        head_room = self.limit - self.limit // 4 - self._head_size
        if head_room > 0:
            self._head.append(text[:head_room])
            self._head_size += min(len(text), head_room)
            text = text[head_room:]
        if text and self.limit // 4:
            self._tail = (self._tail + text)[-(self.limit // 4) :]

    def text(self) -> str:
        head = "".join(self._head)
        kept = len(head) + len(self._tail)
        if kept >= self.total:
            return head + self._tail
        words = _("{dropped:,} of {total:,} characters of output not kept")  # brackets outside: not markup
        dropped = "… [" + words.format(dropped=self.total - kept, total=self.total) + "] …"
        return f"{head}\n{dropped}\n{self._tail}"


def cap_text(text: str, limit: int) -> str:
    """The same head-and-tail cap for text captured elsewhere (the log tail after a crash)."""
    capture = Capture(limit)
    capture.write(text)
    return capture.text()


class Router(io.TextIOBase):
    """A text stream that writes to the current call's capture, or else to ``fallback``."""

    def __init__(self, fallback: TextIO, name: str):
        super().__init__()
        self._fallback = fallback
        self.name = name

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        capture = CURRENT.get()
        if capture is None:
            self._fallback.write(text)
        else:
            capture.write(text)
        return len(text)

    def flush(self) -> None:
        if CURRENT.get() is None:
            self._fallback.flush()

    def fileno(self) -> int:
        return self._fallback.fileno()

    def isatty(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    @property
    def errors(self) -> str:  # type: ignore[override]
        return "backslashreplace"
