"""How an MCP server's exit or failure is worded: exit status, signal, start failures, error chains.

Apart from the connection that supervises the server so every message about a process that ended, or
never answered, is made in one place (``the tool host exited with status 7 while running 'die'``).
"""

from __future__ import annotations

import signal

from tui_chat.i18n import N_, _

_SIGNAL_MEANINGS = {"SIGSEGV": N_("segmentation fault"), "SIGKILL": N_("killed"), "SIGABRT": N_("aborted")}
STATES = {
    "stopped": N_("it is stopped"),
    "starting": N_("it is starting"),
    "ready": N_("it is ready"),
    "restarting": N_("it is restarting"),
    "failed": N_("it is failed"),
}
KILL_REASONS = {"reload": N_("reload"), "stopped": N_("stopped")}
"""Reasons given as words by the callers of ``restart()``/``stop()``; the others are made translated."""


def _signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return _("signal {number}").format(number=number)
    meaning = _SIGNAL_MEANINGS.get(name)
    if meaning:
        return _("signal {number} ({name}, {meaning})").format(number=number, name=name, meaning=_(meaning))
    return _("signal {number} ({name})").format(number=number, name=name)


def describe_exit(returncode: int | None) -> str:
    """How a server process ended, to follow its name: "the tool host {exit}"."""
    if returncode is None:
        return _("stopped answering")
    if returncode < 0:
        return _("was killed by {signal}").format(signal=_signal_name(-returncode))
    return _("exited with status {code}").format(code=returncode)


def start_failure(source: str, error: BaseException, start_timeout: float, code: int | str | None) -> str:
    """Why ``source`` (its label) did not start; ``code`` is its exit status, ``"unknown"`` if none seen."""
    if contains(error, TimeoutError):
        return _("{source} did not answer within {seconds:g} s of starting").format(
            source=source, seconds=start_timeout
        )
    if isinstance(error, FileNotFoundError | PermissionError):
        return _("cannot start {source}: {problem}: {path}").format(
            source=source, problem=error.strerror, path=error.filename
        )
    if code != "unknown" and code is not None:
        exit = describe_exit(code)  # type: ignore[arg-type]
        return _("{source} {exit} while starting").format(source=source, exit=exit)
    text = error_text(error)
    return _("{source} failed to start: {problem}").format(source=source, problem=text)


def contains(error: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return any(contains(inner, kind) for inner in error.exceptions)
    return isinstance(error, kind)


def error_text(error: BaseException) -> str:
    if isinstance(error, BaseExceptionGroup):
        return "; ".join(error_text(inner) for inner in error.exceptions)
    text = str(error) or type(error).__name__
    return f"{type(error).__name__}: {text}" if not str(error).startswith(type(error).__name__) else text
