"""Real ``tui-chat`` processes without paying ``import litellm`` (~3 s of CPU) for each one.

A host process imports the CLI and litellm once, then forks a child per request. Each child is a real
process with its own pid, environment, working directory and stdin/stdout/stderr files; it runs
``tui_chat.cli.entry`` — what the console script and ``python -m tui_chat`` run — and its exit status is
reported as it really was (a negative number when a signal killed it, as with ``subprocess``).
The host forks from its only thread, between requests, so the children start from a clean state.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HOST = r"""
import atexit, json, os, signal, sys

from tui_chat import cli
from tui_chat.engine.provider.litellm_import import import_litellm

import_litellm()
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 70
        # Ctrl+C as in a terminal, even when this test run ignores SIGINT (a background job does).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            os.environ.clear()
            os.environ.update(request["env"])
            os.chdir(request["cwd"])
            for fd, path, flags in (
                (0, request["stdin"], os.O_RDONLY),
                (1, request["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                (2, request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
            ):
                opened = os.open(path, flags, 0o600)
                os.dup2(opened, fd)
                os.close(opened)
            sys.stdin = open(0, encoding="utf-8", closefd=False)
            sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
            sys.argv = ["tui-chat", *request["argv"]]
            try:
                cli.entry()  # exits the process itself (os._exit once litellm is loaded)
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    print(json.dumps({"pid": pid}), flush=True)
    _, status = os.waitpid(pid, 0)
    print(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}), flush=True)
os._exit(0)  # litellm's interpreter finalisation would take 2 s
"""


@dataclass
class CliProcess:
    """One ``tui-chat`` run: a real process (``pid``) whose output lands in files."""

    host: CliHost
    pid: int
    stdout_path: Path
    stderr_path: Path
    returncode: int | None = None

    def wait(self, timeout: float = 60) -> tuple[int, str, str]:
        """Wait for the exit; return ``(returncode, stdout, stderr)``."""
        if self.returncode is None:
            self.returncode = int(self.host._reply(timeout)["returncode"])
        out = self.stdout_path.read_text(encoding="utf-8")
        err = self.stderr_path.read_text(encoding="utf-8")
        return self.returncode, out, err


class CliHost:
    """The host process; :meth:`start` runs one ``tui-chat ARGV...`` at a time.

    It starts importing at once and is waited for at the first :meth:`start`, so its import can overlap
    with the tests that run before.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._count = 0
        self._buffer = b""
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
        self._process = subprocess.Popen(
            [sys.executable, "-c", HOST], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root
        )
        self._ready = False

    def start(self, *argv: str, stdin: str = "", env: dict[str, str] | None = None) -> CliProcess:
        """Start ``tui-chat *argv`` with this test's environment (or ``env``) and working directory."""
        if not self._ready:
            assert self._reply(120) == {"ready": True}
            self._ready = True
        self._count += 1
        files = {name: self.workdir / f"run{self._count}.{name}" for name in ("stdin", "stdout", "stderr")}
        files["stdin"].write_text(stdin, encoding="utf-8")
        request = {
            "argv": list(argv),
            "env": dict(os.environ if env is None else env),
            "cwd": os.getcwd(),
            **{name: str(path) for name, path in files.items()},
        }
        assert self._process.stdin is not None
        self._process.stdin.write((json.dumps(request) + "\n").encode())
        self._process.stdin.flush()
        pid = int(self._reply(30)["pid"])
        return CliProcess(self, pid, files["stdout"], files["stderr"])

    def _reply(self, timeout: float) -> dict[str, object]:
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError(f"the CLI host did not answer within {timeout} s")
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError(f"the CLI host exited with {self._process.wait()}")
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return json.loads(line)

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
