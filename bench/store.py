"""Benchmark the conversation store at scale: index build, listing, opening, appending, search, totals.

    python bench/store.py                 # 10,000 conversations, ~1,000,000 messages (a few minutes)
    python bench/store.py --quick         # 500 conversations, ~25,000 messages
    python bench/store.py --keep DIR      # generate into DIR and leave it there

Files are generated with the store's own encoder (the real format) but written without fsync, then
the index is built cold by the store, as after an upgrade or a deleted index.
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    ErrorInfo,
    RoundRecord,
    Session,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.store.session_file import ConversationEncoder

LIST_TARGET_MS = 100.0
APPEND_TARGET_MS = 5.0
VOCABULARY = """
the of and to in is that for it as with was on be by this are from or have an they which you
one were her all she there would their we him been has when who will more no if out so said
información búsqueda resultado usuario consulta pedido factura envío cliente producto precio
notificación mensaje sesión servidor respuesta función herramienta error tiempo fecha modelo
python json tokens stream latency retry timeout request database index cache schema file
"""
_SPELLING = random.Random(0)
# The common words above, then 5,000 made-up rarer ones, drawn with Zipf weights as in real text.
WORDS = VOCABULARY.split() + [
    "".join(_SPELLING.choices("abcdefghijklmnopqrstuvwxyz", k=_SPELLING.randint(4, 10))) for _ in range(5000)
]
CUMULATIVE = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))
RARE_WORD = WORDS[3000]


def words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choices(WORDS, cum_weights=CUMULATIVE, k=rng.randint(low, high)))


def make_turn(rng: random.Random, moment: datetime, big: bool) -> list:
    """One user turn: a question, maybe a tool round (call + result), and the answer."""
    user = UserMessage(words(rng, 3, 40), created_at=moment)
    messages: list = [user]
    usage = Usage(rng.randint(200, 4000), rng.randint(20, 800), round(rng.random() / 100, 6))
    turn = f"t-{rng.getrandbits(32):08x}"
    if rng.random() < 0.45:
        call = ToolCall(
            f"call_{rng.getrandbits(48):012x}", rng.choice(["buscar_informacion", "enviar_notificacion"]), ""
        )
        call = ToolCall(call.id, call.name, f'{{"consulta": "{words(rng, 1, 6)}"}}')
        request = RoundRecord(
            "You are helpful.", [user.id], "h1", params={"model": "gpt-4o-mini", "temperature": 0.7},
            started_at=moment,
        )  # fmt: skip
        messages.append(
            AssistantMessage("", [call], model="gpt-4o-mini", usage=usage, finish_reason="tool_calls",
                             created_at=moment, turn_id=turn, round=1, request=request)
        )  # fmt: skip
        items = [words(rng, 5, 30) for _ in range(rng.randint(1, 6) * (30 if big else 1))]
        failed = rng.random() < 0.05
        result = (
            {"success": False, "error": "timeout"} if failed else {"success": True, "data": {"items": items}}
        )
        messages.append(
            ToolMessage(call.id, call.name, call.arguments, result, str(result)[:16000], rng.uniform(1, 900),
                        created_at=moment, error="timeout" if failed else None, turn_id=turn, round=1)
        )  # fmt: skip
    answer = words(rng, 300, 1000) if big else words(rng, 8, 120)
    error = ErrorInfo("rate_limit", "Rate limited.") if rng.random() < 0.01 else None
    messages.append(
        AssistantMessage(answer, model="gpt-4o-mini", usage=usage, finish_reason="stop", created_at=moment,
                         turn_id=turn, round=2, error=error)
    )  # fmt: skip
    return messages


def make_conversation(rng: random.Random, number: int, message_target: int, start: datetime) -> Conversation:
    moment = start
    conversation = Conversation(
        id=f"chat-bench-{number:06d}", title=words(rng, 2, 7).capitalize(), user_id="bench",
        model="gpt-4o-mini", created_at=moment,
    )  # fmt: skip
    session = Session(started_at=moment)
    conversation.sessions.append(session)
    count = 0
    while count < message_target:
        if rng.random() < 0.03:  # an idle reset
            session = Session(started_at=moment, reason="idle_reset")
            conversation.sessions.append(session)
        turn = make_turn(rng, moment, big=rng.random() < 0.01)
        session.messages.extend(turn)
        count += len(turn)
        moment += timedelta(seconds=rng.randint(5, 600))
    conversation.last_activity = moment
    return conversation


def message_counts(rng: random.Random, conversations: int, messages: int) -> list[int]:
    """A long tail: most conversations short, a few very large (15k, 10k, 8k messages at full size)."""
    large = [int(messages * share) for share in (0.015, 0.010, 0.008)] if conversations > 10 else []
    rest = conversations - len(large)
    raw = [rng.lognormvariate(0, 1.0) for _ in range(rest)]
    scale = (messages - sum(large)) / sum(raw)
    return large + [max(2, int(value * scale)) for value in raw]


def generate_chunk(folder: Path, first: int, counts: list[int], seed: int) -> tuple[int, int]:
    """Write conversations ``first …`` (one process's share); returns (messages, bytes)."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    total_messages = total_bytes = 0
    for number, count in enumerate(counts, start=first):
        conversation = make_conversation(rng, number, count, now - timedelta(days=rng.uniform(1, 365)))
        data = ConversationEncoder().encode(conversation).data
        (folder / f"{conversation.id}.json").write_bytes(data)
        total_messages += conversation.message_count()
        total_bytes += len(data)
    return total_messages, total_bytes


def generate(directory: Path, conversations: int, messages: int, seed: int) -> tuple[int, int, list[int]]:
    """Generate in one process per core: the data is the same whatever the number of cores."""
    folder = directory / "conversations"
    folder.mkdir(parents=True, mode=0o700, exist_ok=True)
    counts = message_counts(random.Random(seed), conversations, messages)
    chunk = 250
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = [
            pool.submit(generate_chunk, folder, first, counts[first : first + chunk], seed + first)
            for first in range(0, len(counts), chunk)
        ]
        total_messages = total_bytes = 0
        for done, future in enumerate(futures, start=1):
            written_messages, written_bytes = future.result()
            total_messages += written_messages
            total_bytes += written_bytes
            if done % 8 == 0:
                print(f"  … {min(done * chunk, len(counts)):,} conversations", flush=True)
    return total_messages, total_bytes, counts


def timed(action, repeat: int = 1) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return times


def report(label: str, times: list[float], target: float | None = None) -> None:
    median = statistics.median(times)
    p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
    verdict = "" if target is None else ("  ok" if median <= target else "  OVER TARGET")
    target_text = "" if target is None else f"  (target ≤ {target:g} ms)"
    spread = f"  p95 {p95:8.1f} ms  max {max(times):8.1f} ms  n={len(times)}" if len(times) > 1 else ""
    print(f"{label:<48} median {median:8.1f} ms{spread}{target_text}{verdict}")


def disk_floor(directory: Path, size: int, rounds: int) -> list[float]:
    """The same write + fsync + rename + fsync(dir) with no store around it: what the disk alone costs."""
    data, target = b"x" * size, directory / "floor.json"
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        temp = directory / ".floor.tmp"
        with open(temp, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp, target)
        fd = os.open(directory, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
        times.append((time.perf_counter() - start) * 1000)
    target.unlink()
    return times


def append_and_save(store: ConversationStore, conversation: Conversation, rounds: int) -> list[float]:
    """Append one message then save, ``rounds`` times (a user message, then a reply, alternately)."""
    times = []
    for number in range(rounds):
        if number % 2 == 0:
            message = UserMessage(f"follow-up question {number} about the búsqueda")
        else:
            message = AssistantMessage(
                f"answer {number} " * 40, model="gpt-4o-mini", usage=Usage(1200, 80, 0.0004)
            )
        conversation.current_session.messages.append(message)
        conversation.last_activity = message.created_at
        start = time.perf_counter()
        store.save(conversation)
        times.append((time.perf_counter() - start) * 1000)
    return times


def _writer(directory: str, conversation_id: str, tag: str, rounds: int, barrier) -> None:
    """One writer process: a user message and a reply appended and saved per round, as the TUI does."""
    store = ConversationStore(Path(directory))
    conversation = store.load(conversation_id)
    barrier.wait()
    for number in range(rounds):
        conversation.current_session.messages.append(UserMessage(f"{tag} question {number}"))
        store.save(conversation)
        conversation.current_session.messages.append(AssistantMessage(f"{tag} answer {number}"))
        store.save(conversation)
    store.close()


def concurrent_writers(directory: Path, writers: int = 2, rounds: int = 20) -> int:
    """Messages lost when ``writers`` processes append to one conversation at once (must be 0)."""
    folder = directory / "writers"
    store = ConversationStore(folder)
    rng = random.Random(3)
    conversation = make_conversation(rng, 999_999, 20, datetime.now(UTC))
    store.save(conversation)
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(writers)
    processes = [
        context.Process(target=_writer, args=(str(folder), conversation.id, f"w{n}", rounds, barrier))
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    expected = {
        f"w{n} {kind} {r}" for n in range(writers) for r in range(rounds) for kind in ("question", "answer")
    }
    found = {message.content for message in store.load(conversation.id).messages()}
    store.close()
    shutil.rmtree(folder, ignore_errors=True)
    return len(expected - found)


def append_and_save_without_fsync(
    store: ConversationStore, conversation: Conversation, rounds: int
) -> list[float]:
    """The same with fsync made a no-op: the store's own cost, free of a shared disk's noise."""
    real_fsync = os.fsync
    os.fsync = lambda fd: None
    try:
        return append_and_save(store, conversation, rounds)
    finally:
        os.fsync = real_fsync


def print_lost(lost: int) -> None:
    verdict = "  ok" if lost == 0 else "  LOST MESSAGES"
    print(f"{'two concurrent writers × 20 rounds: messages lost':<48} {lost}{verdict}")


def single_files(directory: Path, appends: int) -> None:
    """The 15,000-message (9 MB) conversation and a typical one (60): load, save, append + save."""
    store = ConversationStore(directory / "single")
    rng = random.Random(11)
    now = datetime.now(UTC)
    for label, count in (("typical", 60), ("largest", 15_000)):
        conversation = make_conversation(rng, count, count, now)
        store.save(conversation)
        path = store.path_of(conversation.id)
        raw = path.read_bytes()
        size = len(raw)
        report(
            f"json.loads() {label} ({size / 1e6:.1f} MB) (the stdlib floor)",
            timed(lambda raw=raw: json.loads(raw), 5),
        )
        report(f"load() {label} ({count:,} messages)", timed(lambda c=conversation: store.load(c.id), 5))
        loaded = store.load(conversation.id)
        report(f"  disk floor: write+fsync+rename {size / 1e3:,.0f} kB", disk_floor(directory, size, 20))
        report(f"  first save after load ({label})", append_and_save(store, loaded, 1))
        target = APPEND_TARGET_MS if label == "typical" else None
        report(f"  append 1 message + save ({label})", append_and_save(store, loaded, appends), target)
        report(f"  … the same without fsync ({label})", append_and_save_without_fsync(store, loaded, appends))
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="500 conversations, 25,000 messages")
    parser.add_argument("--appends", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--files",
        action="store_true",
        help="only the single-file figures (typical and 15,000-message load, append + save) and writers",
    )
    args = parser.parse_args()
    if args.files:
        directory = Path(tempfile.mkdtemp(prefix="tui-chat-bench-"))
        try:
            single_files(directory, args.appends)
            lost = concurrent_writers(directory)
            print_lost(lost)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
        return
    if args.quick:
        args.conversations, args.messages = 500, 25_000

    directory = args.keep or Path(tempfile.mkdtemp(prefix="tui-chat-bench-"))
    try:
        print(f"Generating {args.conversations:,} conversations (~{args.messages:,} messages) in {directory}")
        start = time.perf_counter()
        total_messages, total_bytes, counts = generate(
            directory, args.conversations, args.messages, args.seed
        )
        print(
            f"  generated {total_messages:,} messages, {total_bytes / 1e6:,.0f} MB of JSON"
            f" in {time.perf_counter() - start:.1f} s; largest {max(counts):,} messages,"
            f" median {statistics.median(counts):.0f}\n"
        )

        start = time.perf_counter()
        store = ConversationStore(directory)
        listed = store.list_conversations()
        build = time.perf_counter() - start
        index_mb = sum(p.stat().st_size for p in directory.glob("index.sqlite3*")) / 1e6
        print(
            f"{'cold index build (every file parsed + checked)':<48} {build:8.1f} s"
            f"  ({index_mb:,.0f} MB index)"
        )
        assert len(listed) == args.conversations, len(listed)
        assert not any(summary.damaged for summary in listed)
        os.sync()  # let the build's writeback finish, so fsync timings below measure saves, not the build

        report(
            "list_conversations() warm, with staleness scan",
            timed(store.list_conversations, 9),
            LIST_TARGET_MS,
        )
        report("list_conversations('the') title filter", timed(lambda: store.list_conversations("the"), 9))
        reopened = ConversationStore(directory)
        report("first list of a new process (reads all rows)", timed(reopened.list_conversations, 1))
        reopened.close()
        report(f"search({RARE_WORD!r}) (a rarer word)", timed(lambda: store.search(RARE_WORD), 5))
        report("search('factura envío') (common words)", timed(lambda: store.search("factura envío"), 5))
        report("search('timeout', role='tool')", timed(lambda: store.search("timeout", role="tool"), 5))
        report("totals()", timed(store.totals, 5))

        by_size = sorted(listed, key=lambda summary: summary.message_count)
        largest, typical = by_size[-1], by_size[len(by_size) // 2]
        for label, summary in (("typical", typical), ("largest", largest)):
            times = timed(lambda s=summary: store.load(s.id), 3)
            report(f"load() {label} ({summary.message_count:,} messages)", times)
            conversation = store.load(summary.id)
            size = store.path_of(summary.id).stat().st_size
            report(f"  disk floor: write+fsync+rename {size / 1e3:,.0f} kB", disk_floor(directory, size, 20))
            first = append_and_save(store, conversation, 1)
            report(f"  first save after load ({label})", first)
            target = APPEND_TARGET_MS if label == "typical" else None
            report(
                f"  append 1 message + save ({label})",
                append_and_save(store, conversation, args.appends),
                target,
            )
            report(
                f"  … the same without fsync ({label})",
                append_and_save_without_fsync(store, conversation, args.appends),
            )
        lost = concurrent_writers(directory)
        print_lost(lost)
        print(
            "\nAppend/save includes write + fsync + os.replace + fsync(dir) + the index update."
            "\nThe largest file is rewritten whole on each save: its time grows with its size,"
            " not with the number of conversations."
        )
        store.close()
    finally:
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
