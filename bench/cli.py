"""Benchmark the reading commands as a user runs them: ``tui-chat list``, ``show last``, ``list --json``.

    python bench/cli.py                   # 1,000 conversations × ~100 messages, 15 runs of each command
    python bench/cli.py --keep DIR        # generate into DIR (or reuse it) and leave it there

Each command is a fresh process (``python -m tui_chat``), timed for wall clock and CPU (user + sys of
the child). Peers measured in the same run: the bare interpreter (``python -c pass``) and importing the
CLI (``python -c "import tui_chat.cli"``), so the figures say what the command itself adds. It also
prints which heavy packages (litellm, mcp, openai, textual) a reading command imported: none is the rule.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

HEAVY = ("litellm", "mcp", "openai", "textual")


def child(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def report(label: str, runs: list[tuple[float, float]], floor: float | None = None) -> float:
    walls, cpus = zip(*runs, strict=True)
    median = statistics.median(walls)
    ratio = f"  ({median / floor:4.2f}× the bare interpreter)" if floor else ""
    print(
        f"  {label:<26} wall median {median * 1000:6.0f} ms  min {min(walls) * 1000:6.0f} ms"
        f"  | cpu median {statistics.median(cpus) * 1000:6.0f} ms{ratio}"
    )
    return median


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="generate into this folder (reused if it has data)")
    args = parser.parse_args()

    directory = args.keep or Path(tempfile.mkdtemp(prefix="tui-chat-bench-cli-"))
    try:
        if not (directory / "conversations").is_dir():
            from store import generate  # bench/store.py: the real file format, written by the store's encoder

            print(f"generating {args.conversations:,} conversations into {directory} …", flush=True)
            generate(directory, args.conversations, args.messages, seed=7)
        env = dict(os.environ, PYTHONPATH=str(ROOT), TUI_CHAT_CONFIG=str(directory / "no-config.toml"))
        python = [sys.executable]
        tui_chat = [*python, "-m", "tui_chat", "--data-dir", str(directory)]
        subprocess.run([*tui_chat, "list"], env=env, stdout=subprocess.DEVNULL, check=True)  # index built

        print(f"{args.runs} runs each, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
        floor = report("python -c pass", [child([*python, "-c", "pass"], env) for _ in range(args.runs)])
        report(
            "import tui_chat.cli",
            [child([*python, "-c", "import tui_chat.cli"], env) for _ in range(args.runs)],
            floor,
        )
        for command in (["list"], ["show", "last"], ["list", "--json"]):
            runs = [child([*tui_chat, *command], env) for _ in range(args.runs)]
            report("tui-chat " + " ".join(command), runs, floor)

        probe = (
            "import contextlib, io, sys\nfrom tui_chat import cli\n"
            f"for argv in (['list'], ['show', 'last'], ['export', 'last', '-f', 'json'], ['stats']):\n"
            "    with contextlib.redirect_stdout(io.StringIO()):\n"
            f"        cli.run(cli.build_parser().parse_args(['--data-dir', {str(directory)!r}, *argv]))\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
        )
        loaded = subprocess.run([*python, "-c", probe], env=env, capture_output=True, text=True, check=True)
        print(f"  heavy packages imported by list/show/export/stats: {loaded.stdout.strip()}")
    finally:
        if args.keep is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
