"""Benchmark the cold start and search: printed figures, ratios against a floor measured in the same run.

    python bench/search.py                       # cold list at 1,000 x 100, then 10,000 conversations /
                                                 # 1,000,000 messages (first rows, all rows, search)
    python bench/search.py --small-only          # only the 1,000 x 100 cold list ratio
    python bench/search.py --conversations 2000 --messages 200000   # a smaller "big" set

Data is generated once with bench/store.py's generator (the real file format) and cached under
``--cache`` (default /tmp/tui-chat-bench-search); the index is deleted before each cold measurement.
The file cache of the OS is warm for the floor and for the store alike.

Figures:
- cold list ratio: a fresh ``ConversationStore`` (no index) listing every conversation, against reading
  and ``json.load``-ing every file with the stdlib (target ≤ 3x); also ``tui-chat list`` as a process.
- first rows / all rows: the first and the last step of ``scan_conversations()`` with no index
  (what the TUI list shows: targets < 1 s and < 10 s at 10,000 conversations).
- the background full-text pass (not a target: it runs after the rows are shown).
- search p50 / p95 over a mix of queries (common and rare words, two words, half-typed prefixes,
  role / tool / errors filters), once indexed (target p95 < 200 ms at 1,000,000 messages).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import store as store_bench  # noqa: E402 - bench/store.py: the generator

from tui_chat.engine.store.conversation_store import ConversationStore  # noqa: E402


def dataset(cache: Path, conversations: int, messages: int, seed: int) -> Path:
    """Generate once; a ``complete`` marker says the folder is whole."""
    directory = cache / f"{conversations}x{messages}-seed{seed}"
    if (directory / "complete").exists():
        print(f"Using cached {conversations:,} conversations (~{messages:,} messages) in {directory}")
        return directory
    print(f"Generating {conversations:,} conversations (~{messages:,} messages) in {directory}")
    if directory.exists():
        for path in (directory / "conversations").glob("*.json"):
            path.unlink()
    start = time.perf_counter()
    total_messages, total_bytes, _ = store_bench.generate(directory, conversations, messages, seed)
    (directory / "complete").write_text(f"{total_messages} {total_bytes}\n")
    print(
        f"  {total_messages:,} messages, {total_bytes / 1e6:,.0f} MB of JSON"
        f" in {time.perf_counter() - start:.1f} s"
    )
    return directory


def drop_index(directory: Path) -> None:
    for path in directory.glob("index.sqlite3*"):
        path.unlink()


def stdlib_floor(directory: Path) -> float:
    """Read and ``json.load`` every conversation file: what any reader of these files must pay."""
    start = time.perf_counter()
    for entry in os.scandir(directory / "conversations"):
        if entry.name.endswith(".json"):
            with open(entry.path, encoding="utf-8") as file:
                json.load(file)
    return time.perf_counter() - start


def cold_list(directory: Path) -> tuple[float, int]:
    drop_index(directory)
    start = time.perf_counter()
    store = ConversationStore(directory)
    count = len(store.list_conversations())
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed, count


def cold_scan(directory: Path) -> float:
    """The TUI's path: ``scan_conversations()`` to its last step (summaries from json.loads + counting)."""
    drop_index(directory)
    start = time.perf_counter()
    store = ConversationStore(directory)
    for _ in store.scan_conversations():
        pass
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def cold_list_process(directory: Path) -> float:
    drop_index(directory)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TUI_CHAT_DATA_DIR": str(directory)}
    env["TUI_CHAT_CONFIG"] = str(directory / "no-config.toml")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tui_chat", "list"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def python_startup() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def small(args: argparse.Namespace) -> None:
    directory = dataset(args.cache, args.small_conversations, args.small_messages, args.seed)
    floors, colds, processes, scans = [], [], [], []
    stdlib_floor(directory)  # warm the file cache first, for both sides
    for _ in range(args.rounds):
        floors.append(stdlib_floor(directory))
        elapsed, count = cold_list(directory)
        colds.append(elapsed)
        scans.append(cold_scan(directory))
        processes.append(cold_list_process(directory))
    floor, cold, process, scan = (statistics.median(v) for v in (floors, colds, processes, scans))
    startup = python_startup()
    print(
        f"\nCold list, {count:,} conversations (~{args.small_messages:,} messages), median of {args.rounds}:"
    )
    print(f"  {'stdlib floor: read + json.load every file':<52} {floor * 1000:8.0f} ms")
    verdict = "ok" if scan <= 3 * floor else "OVER TARGET"
    print(f"  {'no index: scan_conversations() (the TUI list)':<52} {scan * 1000:8.0f} ms"
          f"  = {scan / floor:.2f}x the floor (target <= 3x)  {verdict}")  # fmt: skip
    print(f"  {'no index: list_conversations() (every file checked)':<52} {cold * 1000:8.0f} ms"
          f"  = {cold / floor:.2f}x the floor")  # fmt: skip
    print(
        f"  {'tui-chat list as a process, no index':<52} {process * 1000:8.0f} ms"
        f"  = {process / floor:.2f}x the floor (python startup alone {startup * 1000:.0f} ms)"
    )


QUERIES = [
    "the", "información", "factura envío", "timeout", "database index", "cliente producto precio",
    "fa", "fac", "factu", "resul", "notif", "se", "sesión servidor", "python json", "retry",
]  # fmt: skip


def query_mix(rng: random.Random, count: int) -> list[dict]:
    """Common, rare, two-word and half-typed queries, a fifth of them with a filter."""
    mix = []
    for number in range(count):
        if number % 3 == 0:
            query = rng.choice(store_bench.WORDS[100:3000])  # rarer made-up words
        elif number % 3 == 1:
            query = rng.choice(QUERIES)
        else:
            word = rng.choice(store_bench.WORDS[:400])
            query = f"{rng.choice(store_bench.WORDS[:60])} {word[: max(2, len(word) - 2)]}"  # typing
        options: dict = {}
        kind = number % 10
        if kind == 5:
            options["role"] = rng.choice(["user", "assistant", "tool"])
        elif kind == 7:
            options["tool"] = rng.choice(["buscar_informacion", "enviar_notificacion"])
        elif kind == 9:
            options["errors_only"] = True
        mix.append({"query": query, **options})
    return mix


def big(args: argparse.Namespace) -> None:
    directory = dataset(args.cache, args.conversations, args.messages, args.seed)
    complete = False
    if args.reuse_index and (directory / "index.sqlite3").exists():
        store = ConversationStore(directory)
        complete = store.text_progress().complete
        store.close()
    if not complete:
        stdlib_floor(directory)  # a warm file cache, as for the small set
        floor = stdlib_floor(directory)
        drop_index(directory)
        start = time.perf_counter()
        store = ConversationStore(directory)
        first = last = None
        steps = 0
        for step in store.scan_conversations():
            steps += 1
            if first is None:
                first = time.perf_counter() - start
                first_rows = len(step.summaries)
        last = time.perf_counter() - start
        rows = len(step.summaries)
        print(f"\nCold start, no index, {rows:,} conversations ({steps} steps):")
        print(f"  {'first rows (' + str(first_rows) + ' newest)':<52} {first * 1000:8.0f} ms  (target < 1 s)"
              f"  {'ok' if first < 1 else 'OVER TARGET'}")  # fmt: skip
        verdict = "ok" if last < 10 else "OVER TARGET"
        print(f"  {'all rows':<52} {last * 1000:8.0f} ms  (target < 10 s)  {verdict}")
        print(f"  {'  (stdlib floor: read + json.load every file)':<52} {floor * 1000:8.0f} ms"
              f"  -> all rows = {last / floor:.2f}x the floor")  # fmt: skip
        start = time.perf_counter()
        progress = store.index_all_texts()
        build = time.perf_counter() - start
        size = sum(path.stat().st_size for path in directory.glob("index.sqlite3*")) / 1e6
        print(f"  {'full-text pass after that (background in the TUI)':<52} {build:8.1f} s"
              f"  ({progress.indexed:,} conversations, {size:,.0f} MB index)")  # fmt: skip
        store.close()
    store = ConversationStore(directory)
    totals = store.totals()
    print(f"\nSearch over {totals.conversations:,} conversations / {totals.messages:,} messages, indexed:")
    mix = query_mix(random.Random(args.seed), args.queries)
    for item in mix[:5]:  # warm the page cache of the index
        store.search(**item, wait=False)
    times, counts = [], []
    for item in mix:
        start = time.perf_counter()
        result = store.search(**item, wait=False)
        times.append((time.perf_counter() - start) * 1000)
        counts.append(len(result))
        assert result.index_complete
    ordered = sorted(times)
    p50, p95 = ordered[len(ordered) // 2], ordered[max(0, int(len(ordered) * 0.95) - 1)]
    print(f"  {len(mix)} queries (limit 50), {sum(1 for c in counts if c):,} with hits")
    print(f"  {'search p50':<52} {p50:8.1f} ms")
    print(f"  {'search p95':<52} {p95:8.1f} ms  (target < 200 ms)  {'ok' if p95 < 200 else 'OVER TARGET'}")
    print(f"  {'search max':<52} {ordered[-1]:8.1f} ms  ({mix[times.index(ordered[-1])]})")
    start = time.perf_counter()
    store.totals()
    print(f"  {'totals() with per-tool percentiles':<52} {(time.perf_counter() - start) * 1000:8.1f} ms")
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small-conversations", type=int, default=1_000)
    parser.add_argument("--small-messages", type=int, default=100_000)
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/tui-chat-bench-search"))
    parser.add_argument("--small-only", action="store_true")
    parser.add_argument("--big-only", action="store_true")
    parser.add_argument(
        "--reuse-index", action="store_true", help="skip the cold start if the index is whole"
    )
    args = parser.parse_args()
    print(f"Machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    if not args.big_only:
        small(args)
    if not args.small_only:
        big(args)


if __name__ == "__main__":
    main()
