"""TUI benchmarks, headless: first paint with 10,000 conversations, opening a 1,000-message conversation,
and streaming 500 tokens/s of Markdown through a real turn while key presses are timed.

    python bench/tui.py [--conversations 10000] [--messages 1000] [--rate 500] [--seconds 6]
                        [--data DIR] [--only paint,open,stream] [--runs N]

Prints one line per figure with its target. Data goes to a temporary folder (real files, real index),
or to ``--data DIR``, which is filled once and reused by later runs. ``--runs N`` runs the whole
benchmark N times, each in a fresh interpreter (first paint includes cold caches), and prints the
median and the range of each figure.

What is measured:

- *first paint*: from ``App()`` to the first frame the compositor renders for the main screen (not
  to ``run_test``'s ready point, which comes before any layout).
- *open*: once the list is shown and start-up workers are done, from ``open_conversation`` (what
  Enter in the list runs) until the last message is on screen with the view at its end.
- *stream*: a turn sent as the composer sends it (``Composer.Submitted``), run by the screen's turn
  worker through the real ``ChatService`` (saves included) and ``run_turn``; only the model client is
  replaced by one yielding ~4-character tokens at the given rate (no HTTP, no litellm).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_chat.config import Config, SessionSettings, ToolSettings
from tui_chat.engine.models import AssistantMessage, Conversation, Session, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
SIZE = (140, 40)
LONG_NUMBER = 99_999

MARKDOWN_SAMPLE = """## Step {n}: parse the input

The parser reads **tokens** one at a time and keeps a `stack` of open blocks. See the
[docs](https://example.com/{n}) for details:

- a list item with `inline code`
- another item, *emphasised*

```python
def parse_{n}(tokens: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {{}}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    return counts
```

| name | value |
|------|-------|
| a    | {n}   |

"""


def conversation(number: int, messages: int, moment: datetime) -> Conversation:
    session = Session(id=f"s-{number}", started_at=moment)
    session.messages.append(AssistantMessage(content="Welcome!", welcome=True, created_at=moment))
    for index in range(messages // 2):
        session.messages.append(UserMessage(content=f"Question {index}: how do I do thing {index}?"))
        if index % 4 == 0:
            content = f"Answer {index}. Use **this**:\n\n```python\nprint({index})\n```\n"
        else:
            content = f"Answer {index}, with a [link](https://x.y/{index})."
        session.messages.append(AssistantMessage(content=content))
    return Conversation(
        id=f"chat-local-20250101-000000-{number:05d}",
        title=f"Conversation number {number} about topic {number % 97}",
        user_id="local",
        model="openai/gpt-4o-mini",
        created_at=moment,
        last_activity=moment,
        sessions=[session],
    )


def prepare(data_dir: Path, count: int, messages: int) -> str:
    """Fill ``data_dir`` (once per size): plain JSON files, one long conversation, the index built."""
    marker = data_dir / f".bench-{count}-{messages}"
    long_id = conversation(LONG_NUMBER, 0, NOW).id
    if marker.exists():
        return long_id
    started = time.perf_counter()
    folder = data_dir / "conversations"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):  # no fsync, to keep set-up short; the store indexes them afterwards
        conv = conversation(number, 4, NOW - timedelta(minutes=number))
        (folder / f"{conv.id}.json").write_text(json.dumps(conv.to_dict()), encoding="utf-8")
    store = ConversationStore(data_dir)
    store.save(conversation(LONG_NUMBER, messages, NOW + timedelta(minutes=1)))
    store.list_conversations()  # build the index once, as any earlier run of the app would have
    store.close()
    marker.touch()
    print(f"set-up: {count:,} conversation files + index in {time.perf_counter() - started:.1f} s")
    return long_id


class PacedProvider:
    """Stands in for ``ProviderClient``: yields ``tokens`` at ``rate`` per second, as a fast model would.

    When the consumer falls behind, tokens are handed over without waiting (as buffered HTTP chunks
    are), so the rate achieved is what the app keeps up with.
    """

    def __init__(self, tokens: list[str], rate: int) -> None:
        self.tokens = tokens
        self.rate = rate
        self.first: float | None = None
        self.last: float | None = None

    def request_params(self) -> dict[str, Any]:
        return {"model": "bench/paced"}

    async def stream_completion(self, messages: list[dict], tools: list[dict] | None) -> AsyncIterator[Any]:
        from tui_chat.engine.provider.stream_events import StreamResult, StreamText

        start = self.first = time.perf_counter()
        for index, token in enumerate(self.tokens):
            delay = start + index / self.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            yield StreamText(token)
        self.last = time.perf_counter()
        content = "".join(self.tokens)
        yield StreamResult(content, [], "stop", None, "bench/paced", {}, 1.0, 1.0, 1)


def make_app(data_dir: Path, *, warm_litellm: bool = False, provider: PacedProvider | None = None):
    from tui_chat.engine.chat import ChatService
    from tui_chat.engine.tools.registry import ToolRegistry
    from tui_chat.ui.app import TuiChatApp

    config = Config(session=SessionSettings(), tools=ToolSettings(examples=False))
    if provider is None:
        return TuiChatApp(config, data_dir, clock=lambda: NOW, warm_litellm=warm_litellm)
    chat = ChatService(
        config,
        ConversationStore(data_dir),
        ToolRegistry(),
        provider_factory=lambda _config: provider,
        clock=lambda: NOW,
    )
    return TuiChatApp(config, data_dir, chat_service=chat, clock=lambda: NOW, warm_litellm=warm_litellm)


def watch_frames(app) -> list[float]:
    """Record when the compositor hands a frame of a screen to the driver (headless: then drops it)."""
    frames: list[float] = []
    display = app._display

    def timed_display(screen, renderable) -> None:
        if renderable is not None:
            frames.append(time.perf_counter())
        display(screen, renderable)

    app._display = timed_display
    return frames


async def wait_until(predicate, timeout: float = 30.0, step: float = 0.002) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(step)


async def bench_first_paint(data_dir: Path) -> dict[str, float]:
    from tui_chat.ui.widgets.conversation_list import ConversationList

    start = time.perf_counter()
    app = make_app(data_dir, warm_litellm=True)
    frames = watch_frames(app)
    async with app.run_test(size=SIZE):
        await wait_until(lambda: bool(frames))
        painted = frames[0] - start
        listing = app.screen.query_one(ConversationList)
        await wait_until(lambda: listing.options.option_count > 0)
        shown = len(frames)
        await wait_until(lambda: len(frames) > shown)
        listed = frames[-1] - start
        rows = listing.options.option_count
    return {"paint": painted, "listed": listed, "rows": rows}


async def bench_open(data_dir: Path, conversation_id: str) -> dict[str, float]:
    from tui_chat.ui.widgets.chat_view import ChatView
    from tui_chat.ui.widgets.conversation_list import ConversationList

    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        # As a user would: the list is on screen (the index is loaded) and start-up work is done.
        listing = app.screen.query_one(ConversationList)
        await wait_until(lambda: listing.options.option_count > 0)
        # (The list's search indexing and folder poll run for as long as the app does: not start-up work.)
        await wait_until(
            lambda: all(w.is_finished for w in app.workers if w.group != "list-background"), timeout=120
        )
        await pilot.pause()
        chat = app.screen.query_one(ChatView)
        start = time.perf_counter()
        app.screen.open_conversation(conversation_id)

        def last_visible() -> bool:
            if not chat.children or app.screen.conversation is None:
                return False
            if app.screen.conversation.id != conversation_id:
                return False
            last = chat.children[-1]
            shown = bool(last.region) and chat.region.contains_region(last.region)
            return shown and chat.is_vertical_scroll_end

        await wait_until(last_visible)
        return {"open": time.perf_counter() - start, "widgets": len(chat.children)}


async def bench_stream(data_dir: Path, rate: int, seconds: float) -> dict[str, float]:
    from textual import events

    from tui_chat.ui.widgets.composer import Composer
    from tui_chat.ui.widgets.live_reply import LiveReply

    text = "".join(MARKDOWN_SAMPLE.format(n=n) for n in range(60))
    tokens = [text[i : i + 4] for i in range(0, len(text), 4)][: int(rate * seconds)]
    provider = PacedProvider(tokens, rate)
    latencies: list[float] = []
    sent: dict[int, float] = {}
    original = Composer._on_key

    async def timed_on_key(self, event: events.Key) -> None:
        posted = sent.pop(id(event), None)
        if posted is not None:
            latencies.append(time.perf_counter() - posted)
        await original(self, event)

    Composer._on_key = timed_on_key  # type: ignore[method-assign]
    app = make_app(data_dir, provider=provider)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        composer = screen.query_one(Composer)
        composer.focus()
        composer.post_message(Composer.Submitted(composer, "Explain the parser, with code."))
        await wait_until(lambda: screen.turn_running)
        done = asyncio.Event()

        async def keys() -> None:
            while not done.is_set():
                event = events.Key("x", "x")
                sent[id(event)] = time.perf_counter()
                app.post_message(event)
                await asyncio.sleep(0.05)

        probe = asyncio.create_task(keys())
        await wait_until(lambda: provider.last is not None and not screen.turn_running, timeout=120)
        finished = time.perf_counter()
        done.set()
        await probe
        reply = screen.query(LiveReply).last()
        complete = reply.source == "".join(tokens)
        if screen.conversation is not None:  # keep a reused --data folder at its size
            app.services.store.delete(screen.conversation.id)
    Composer._on_key = original  # type: ignore[method-assign]
    assert provider.first is not None and provider.last is not None
    latencies.sort()
    return {
        "tokens": len(tokens),
        "rate": len(tokens) / (provider.last - provider.first),
        "lag": finished - provider.last,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max": latencies[-1] * 1000,
        "keys": len(latencies),
        "complete": float(complete),
    }


def machine() -> str:
    return (
        f"machine: {platform.machine()} {platform.processor() or ''} · {os.cpu_count()} CPUs · "
        f"load {os.getloadavg()[0]:.1f} · Python {platform.python_version()} · "
        f"{platform.system()} {platform.release()}"
    )


async def run_once(args: argparse.Namespace, data_dir: Path) -> dict[str, float]:
    long_id = prepare(data_dir, args.conversations, args.messages)
    only = set(args.only.split(","))
    result: dict[str, float] = {}
    imported = time.perf_counter()
    import tui_chat.ui.app  # noqa: F401

    result["import"] = time.perf_counter() - imported
    if "paint" in only:
        result |= await bench_first_paint(data_dir)
    if "open" in only:
        result |= await bench_open(data_dir, long_id)
    if "stream" in only:
        from tui_chat.engine.provider.litellm_import import import_litellm

        import_litellm()  # as after the first send: its import must not land in the measurement
        result |= await bench_stream(data_dir, args.rate, args.seconds)
    return result


def report(results: list[dict[str, float]], args: argparse.Namespace) -> None:
    def fig(key: str, scale: float = 1.0, digits: int = 3) -> str:
        values = sorted(r[key] * scale for r in results if key in r)
        median = statistics.median(values)
        if len(values) == 1:
            return f"{median:.{digits}f}"
        return f"{median:.{digits}f} [{values[0]:.{digits}f}–{values[-1]:.{digits}f}]"

    first = results[0]
    runs = f" (median [min–max] of {len(results)} runs)" if len(results) > 1 else ""
    print(f"import tui_chat.ui.app (textual and our widgets; not litellm): {fig('import')} s{runs}")
    if "paint" in first:
        print(
            f"first paint from App(), {args.conversations:,} conversations: {fig('paint')} s (≤ 0.4 s); "
            f"list painted {fig('listed')} s ({int(first['rows'])} rows, more added as you scroll)"
        )
    if "open" in first:
        print(
            f"open a {args.messages:,}-message conversation to its last message: {fig('open')} s (≤ 0.3 s); "
            f"{int(first['widgets'])} widgets mounted"
        )
    if "stream" in first or "rate" in first:
        complete = all(r["complete"] for r in results)
        print(
            f"stream {int(first['tokens']):,} tokens of Markdown at {args.rate} tok/s through a turn: "
            f"kept {fig('rate', digits=0)} tok/s, lag after the last token {fig('lag', digits=2)} s, "
            f"reply {'complete' if complete else 'INCOMPLETE'}; key press latency: "
            f"p50 {fig('p50', digits=1)} ms, p95 {fig('p95', digits=1)} ms (≤ 30 ms), "
            f"max {fig('max', digits=0)} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--data", type=Path, help="data folder to fill once and reuse")
    parser.add_argument("--only", default="paint,open,stream", help="comma-separated: paint,open,stream")
    parser.add_argument("--runs", type=int, default=1, help="repeat in fresh interpreters; report median")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    if not args.json:
        print(machine())
    with tempfile.TemporaryDirectory(prefix="tui-chat-bench-") as folder:
        data_dir = args.data or Path(folder) / "data"
        if args.runs <= 1:
            result = asyncio.run(run_once(args, data_dir))
            if args.json:
                print(json.dumps(result))
            else:
                report([result], args)
            return
        prepare(data_dir, args.conversations, args.messages)
        results = []
        command = [sys.executable, __file__, *sys.argv[1:], "--runs", "1", "--json", "--data", str(data_dir)]
        for _ in range(args.runs):
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            results.append(json.loads(output.strip().splitlines()[-1]))
        report(results, args)


if __name__ == "__main__":
    main()
