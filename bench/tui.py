"""TUI benchmarks, headless: first paint with 10,000 conversations, opening a 1,000-message conversation,
and streaming 500 tokens/s of Markdown while key presses are timed.

    python bench/tui.py [--conversations 10000] [--messages 1000] [--rate 500] [--seconds 6]

Prints one line per figure with its target. Data goes to a temporary folder (real files, real index).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_chat.config import Config, SessionSettings, ToolSettings
from tui_chat.engine.models import AssistantMessage, Conversation, Session, UserMessage
from tui_chat.engine.store import ConversationStore

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
SIZE = (140, 40)

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


def write_conversations(data_dir: Path, count: int) -> None:
    """Plain JSON files (no fsync, to keep set-up short); the store indexes them once afterwards."""
    folder = data_dir / "conversations"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        conv = conversation(number, 4, NOW - timedelta(minutes=number))
        (folder / f"{conv.id}.json").write_text(json.dumps(conv.to_dict()), encoding="utf-8")


def make_app(data_dir: Path, *, warm_litellm: bool = False):
    from tui_chat.ui.app import TuiChatApp

    config = Config(session=SessionSettings(), tools=ToolSettings(examples=False))
    return TuiChatApp(config, data_dir, clock=lambda: NOW, warm_litellm=warm_litellm)


async def wait_until(predicate, timeout: float = 30.0, step: float = 0.002) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise TimeoutError
        await asyncio.sleep(step)


async def bench_first_paint(data_dir: Path) -> tuple[float, float, int]:
    from tui_chat.ui.widgets.conversation_list import ConversationList

    start = time.perf_counter()
    app = make_app(data_dir, warm_litellm=True)
    async with app.run_test(size=SIZE):
        painted = time.perf_counter() - start  # run_test yields after the first refresh
        listing = app.screen.query_one(ConversationList)
        await wait_until(lambda: listing.options.option_count > 0)
        listed = time.perf_counter() - start
        rows = listing.options.option_count
    return painted, listed, rows


async def bench_open(data_dir: Path, conversation_id: str) -> float:
    from tui_chat.ui.widgets.chat_view import ChatView

    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        chat = app.screen.query_one(ChatView)
        start = time.perf_counter()
        app.screen.open_conversation(conversation_id)

        def last_visible() -> bool:
            if not chat.children or app.screen.conversation is None:
                return False
            last = chat.children[-1]
            shown = bool(last.region) and chat.region.contains_region(last.region)
            return shown and chat.is_vertical_scroll_end

        await wait_until(last_visible)
        return time.perf_counter() - start


async def bench_stream(data_dir: Path, rate: int, seconds: float) -> dict[str, float]:
    from textual import events

    from tui_chat.ui.widgets.chat_view import ChatView
    from tui_chat.ui.widgets.composer import Composer

    text = "".join(MARKDOWN_SAMPLE.format(n=n) for n in range(60))
    tokens = [text[i : i + 4] for i in range(0, len(text), 4)][: int(rate * seconds)]
    latencies: list[float] = []
    sent: dict[int, float] = {}
    original = Composer._on_key

    async def timed_on_key(self, event: events.Key) -> None:
        posted = sent.pop(id(event), None)
        if posted is not None:
            latencies.append(time.perf_counter() - posted)
        await original(self, event)

    Composer._on_key = timed_on_key  # type: ignore[method-assign]
    app = make_app(data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        chat = app.screen.query_one(ChatView)
        composer = app.screen.query_one(Composer)
        composer.focus()
        reply = await chat.start_reply(AssistantMessage())
        done = asyncio.Event()

        async def keys() -> None:
            while not done.is_set():
                event = events.Key("x", "x")
                sent[id(event)] = time.perf_counter()
                app.post_message(event)
                await asyncio.sleep(0.05)

        probe = asyncio.create_task(keys())
        start = time.perf_counter()
        for index, token in enumerate(tokens):
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            reply.message.content += token
            await reply.write(token)
        produced = time.perf_counter() - start
        await chat.end_reply(reply)
        finished = time.perf_counter() - start
        done.set()
        await probe
    Composer._on_key = original  # type: ignore[method-assign]
    latencies.sort()
    return {
        "tokens": len(tokens),
        "rate": len(tokens) / produced,
        "lag": finished - produced,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
        "max": latencies[-1] * 1000,
        "keys": len(latencies),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    print(f"machine: {platform.machine()} {platform.processor() or ''} · {os.cpu_count()} CPUs · "
          f"Python {platform.python_version()} · {platform.system()} {platform.release()}")
    with tempfile.TemporaryDirectory(prefix="tui-chat-bench-") as folder:
        data_dir = Path(folder) / "data"
        started = time.perf_counter()
        write_conversations(data_dir, args.conversations)
        store = ConversationStore(data_dir)
        long = conversation(99_999, args.messages, NOW + timedelta(minutes=1))
        store.save(long)
        store.list_conversations()  # build the index once, as any earlier run of the app would have
        store.close()
        took = time.perf_counter() - started
        print(f"set-up: {args.conversations:,} conversation files + index in {took:.1f} s")

        imported = time.perf_counter()
        import tui_chat.ui.app  # noqa: F401

        imported = time.perf_counter() - imported
        print(f"import tui_chat.ui.app (textual and our widgets; not litellm): {imported:.3f} s")
        painted, listed, rows = await bench_first_paint(data_dir)
        print(
            f"first paint from App(), {args.conversations:,} conversations: {painted:.3f} s (≤ 0.4 s); "
            f"list shown {listed:.3f} s ({rows} rows mounted, more added as you scroll)"
        )
        opened = await bench_open(data_dir, long.id)
        print(f"open a {args.messages:,}-message conversation to its last message: {opened:.3f} s (≤ 0.3 s)")
        from tui_chat.engine.litellm_import import import_litellm

        import_litellm()  # as after the first send: its import must not land in the measurement
        result = await bench_stream(data_dir, args.rate, args.seconds)
        print(
            f"stream {result['tokens']:,} tokens of Markdown at {args.rate} tok/s: "
            f"kept {result['rate']:.0f} tok/s, lag after the last token {result['lag']:.2f} s; "
            f"key press latency over {result['keys']} keys: p50 {result['p50']:.1f} ms, "
            f"p95 {result['p95']:.1f} ms (target ≤ 30 ms), max {result['max']:.0f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
