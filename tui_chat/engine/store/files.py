"""Reading and writing conversation files safely: never hang, never exhaust memory, never half-write.

Reading opens with ``O_NONBLOCK`` (a FIFO named ``x.json`` must not block the open) and checks the
*opened* file with ``fstat`` (no race with a rename): anything but a regular file is refused, and no
more than ``MAX_FILE_BYTES`` are read (a symlink to ``/dev/zero`` is refused, a huge file too).
Writing goes to a temp file in the same folder, fsynced, renamed over the target, then the folder
is fsynced; on any failure the temp file is removed and the error says which path and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path

from tui_chat.engine.errors import DamagedConversation, StoreWriteFailed
from tui_chat.engine.store.reasons import Reason
from tui_chat.i18n import N_, _

MAX_FILE_BYTES = 256 * 1024 * 1024
"""A conversation of 15,000 messages is ~9 MB; a file 28 times that is not one we wrote."""

_KINDS = {
    stat.S_IFDIR: N_("a folder"),
    stat.S_IFIFO: N_("a named pipe (FIFO)"),
    stat.S_IFCHR: N_("a character device"),
    stat.S_IFBLK: N_("a block device"),
    stat.S_IFSOCK: N_("a socket"),
    stat.S_IFLNK: N_("a symbolic link"),
}


class Unreadable(Exception):
    """The file exists but cannot be read or trusted; ``reason`` (a :class:`Reason`) is shown in the list."""

    def __init__(self, reason: str, state: tuple[int, int] = (0, 0)):
        super().__init__(reason)
        self.reason = reason
        self.state = state


def state_of(status: os.stat_result) -> tuple[int, int]:
    """``(mtime_ns, size)``: what the index compares to know whether a file changed."""
    return status.st_mtime_ns, status.st_size


def signature_of(status: os.stat_result) -> tuple[int, int, int]:
    """``(mtime_ns, size, inode)``: every save is a new file (``os.replace``), hence a new inode, so two
    saves within one coarse mtime tick that happen to have the same size are still told apart."""
    return status.st_mtime_ns, status.st_size, status.st_ino


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> tuple[bytes, os.stat_result]:
    """The bytes of a regular file and its ``fstat`` once read.

    Raises ``FileNotFoundError`` when it is gone and ``Unreadable`` for everything else.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise
    except OSError as error:
        raise Unreadable(cannot_read(error)) from None
    try:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            kind = Reason(_KINDS.get(stat.S_IFMT(status.st_mode), N_("something else")))
            raise Unreadable(Reason(N_("not a regular file ({kind})"), kind=kind), state_of(status))
        if status.st_size > limit:
            reason = Reason(
                N_("too large ({size:,} bytes; the limit is {limit:,})"), size=status.st_size, limit=limit
            )
            raise Unreadable(reason, state_of(status))
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(limit + 1 - total, 16 * 1024 * 1024))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > limit:  # it grew while being read
            raise Unreadable(Reason(N_("too large (over {limit:,} bytes)"), limit=limit), state_of(status))
        return b"".join(chunks), os.fstat(fd)
    except OSError as error:
        raise Unreadable(cannot_read(error)) from None
    finally:
        os.close(fd)


def damaged(path: Path, problem: Unreadable) -> DamagedConversation:
    return damaged_file(path.name, problem.reason)


def damaged_file(name: str, reason: str) -> DamagedConversation:
    """The error of a file that cannot be opened; ``detail`` is the reason the list shows."""
    return DamagedConversation(
        _("The conversation file {name} cannot be opened: {reason}.").format(name=name, reason=reason),
        hint=_("It is left untouched; fix it by hand or move it out of the conversations folder."),
        detail=reason,
    )


def cannot_read(error: OSError | str) -> Reason:
    """``cannot be read: <the system's reason>`` (the system's own words stay as it gives them)."""
    problem = error if isinstance(error, str) else (error.strerror or str(error))
    return Reason(N_("cannot be read: {problem}"), problem=problem)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # Not supported everywhere (Windows); the rename is still atomic.
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) as 0700, or tighten it; a failure is a ``StoreWriteFailed``."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.stat().st_mode & 0o077:
            path.chmod(0o700)
    except OSError as error:
        raise write_failed(path, error, folder=True) from None
    return path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` all at once (0600); on failure the old file stays and no temp is left."""
    temp = path.with_name(f".{path.stem}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    except OSError as error:
        raise write_failed(path, error) from None
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(error, OSError):
            raise write_failed(path, error) from None
        raise
    fsync_dir(path.parent)


_ADVICE = {
    errno.ENOSPC: N_("The disk is full: free some space, then try again."),
    errno.EDQUOT: N_("The disk quota is used up: free some space, then try again."),
    errno.EROFS: N_("The file system is read-only: remount it read-write or choose another --data-dir."),
    errno.EACCES: N_(
        "Permission denied: check the owner and mode of the folder, or choose another --data-dir."
    ),
    errno.EPERM: N_("Not permitted: check the owner and mode of the folder, or choose another --data-dir."),
    errno.EIO: N_("The disk reported an I/O error: check it, then try again."),
}
_DEFAULT_ADVICE = N_("Check the disk and the folder's permissions, then try again.")


def write_failed(path: Path, error: OSError, *, folder: bool = False) -> StoreWriteFailed:
    """A person-readable error naming the path, the cause and what to do (in the current language;
    the system's reason, ``strerror``, is the system's own words)."""
    reason = error.strerror or str(error)
    if folder:
        message = _("Could not create the folder {path}: {reason}.")
    else:
        message = _("Could not save {path}: {reason}.")
    return StoreWriteFailed(
        message.format(path=path, reason=reason),
        hint=_(_ADVICE.get(error.errno or 0, _DEFAULT_ADVICE)),
        detail=f"{type(error).__name__}: [errno {error.errno}] {reason}",
        path=path,
        errno=error.errno,
    )
