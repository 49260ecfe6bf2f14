"""Tool benchmarks: the cost of running tools out of process, over MCP.

    python bench/tools.py [--calls 500] [--starts 5] [--paints 5]

Prints one line per figure with its target; every figure is measured in this run against its peer:

- *per-call overhead*: ``ToolRegistry.execute`` of a trivial ``@tool`` in the tool host (a child
  process over MCP stdio) against the same function registered in-process; p50/p95 of each and the
  p50 difference (target ≤ 5 ms).
- *host start*: from ``registry.start()`` to the tools being listed (a fresh host each time).
- *hot reload*: from saving the module to the first call answering with the new code (target ≤ 1 s).
- *mcp-server-time*: a call to a real external server, for scale.
- *first paint*: the TUI's first frame, in fresh interpreters, with tools configured (a module and
  an MCP server) against without (must not move: they start after the first paint).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tui_chat.engine.models import ToolCall
from tui_chat.engine.tools.configured import host_source, server_source
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

CONTEXT = ToolContext(user_id="u", conversation_id="c", session_id="s")
MODULE = '''
from tui_chat import tool

@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b + {offset}
'''
TIME_SERVER = str(Path(sys.executable).parent / "mcp-server-time")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)]


async def timed_calls(registry: ToolRegistry, name: str, arguments: str, count: int) -> list[float]:
    times: list[float] = []
    for number in range(count):
        call = ToolCall(id=f"c{number}", name=name, arguments=arguments)
        start = time.perf_counter()
        message = await registry.execute(call, CONTEXT)
        times.append((time.perf_counter() - start) * 1000)
        assert message.ok, message.error
    return times


def in_process_registry(folder: Path) -> ToolRegistry:
    from tui_chat.engine.tools.loader import load_tool_modules

    registry = ToolRegistry()
    load_tool_modules(registry, [str(folder / "bench_tools.py")])
    return registry


async def bench_calls(folder: Path, count: int) -> dict[str, float]:
    local = in_process_registry(folder)
    hosted = ToolRegistry()
    hosted.add_source(host_source([str(folder / "bench_tools.py")], folder / "data"))
    try:
        await hosted.wait_ready(30)
        await timed_calls(hosted, "add", '{"a": 1, "b": 2}', 50)  # warm up both sides
        await timed_calls(local, "add", '{"a": 1, "b": 2}', 50)
        host_times = await timed_calls(hosted, "add", '{"a": 1, "b": 2}', count)
        local_times = await timed_calls(local, "add", '{"a": 1, "b": 2}', count)
    finally:
        hosted.close()
    return {
        "local_p50": statistics.median(local_times),
        "local_p95": percentile(local_times, 0.95),
        "host_p50": statistics.median(host_times),
        "host_p95": percentile(host_times, 0.95),
    }


async def bench_start(folder: Path, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        registry = ToolRegistry()
        registry.add_source(host_source([str(folder / "bench_tools.py")], folder / "data"))
        start = time.perf_counter()
        await registry.wait_ready(30)
        times.append(time.perf_counter() - start)
        assert "add" in registry
        registry.close()
    return times


async def bench_reload(folder: Path, runs: int) -> list[float]:
    from tui_chat.config import Config
    from tui_chat.engine.services import build_registry
    from tui_chat.engine.store.conversation_store import ConversationStore

    module = folder / "bench_tools.py"
    config = Config()
    config.tools.examples = False
    config.tools.modules = [str(module)]
    registry = build_registry(config, ConversationStore(folder / "data"), folder / "data")
    registry.start(watch=True)
    times = []
    try:
        await registry.wait_ready(30)
        for run in range(1, runs + 1):
            await asyncio.sleep(0.3)
            module.write_text(MODULE.format(offset=run * 1000))
            saved = time.perf_counter()
            while True:
                message = await registry.execute(
                    ToolCall(id="r", name="add", arguments='{"a": 0, "b": 0}'), CONTEXT
                )
                if message.ok and message.result["data"] == run * 1000:
                    break
                await asyncio.sleep(0.005)
            times.append(time.perf_counter() - saved)
    finally:
        registry.close()
        module.write_text(MODULE.format(offset=0))
    return times


async def bench_time_server(folder: Path, count: int) -> list[float]:
    from tui_chat.config import McpServerSettings

    registry = ToolRegistry()
    registry.add_source(
        server_source(
            "time",
            McpServerSettings(command=TIME_SERVER),
            folder / "data",
            default_timeout=10,
            start_timeout=20,
        )
    )
    try:
        await registry.wait_ready(30)
        return await timed_calls(registry, "time__get_current_time", '{"timezone": "UTC"}', count)
    finally:
        registry.close()


PAINT_CODE = """
import asyncio, json, sys, time
start = time.perf_counter()
from tui_chat.config import Config, McpServerSettings
from tui_chat.ui.app import TuiChatApp
config = Config()
config.tools.examples = False
if sys.argv[1] == "tools":
    config.tools.modules = [sys.argv[3]]
    config.mcp.servers["time"] = McpServerSettings(command=sys.argv[4])
app = TuiChatApp(config, __import__("pathlib").Path(sys.argv[2]), warm_litellm=False)
frames = []
display = app._display
def timed(screen, renderable):
    if renderable is not None and not frames:
        frames.append(time.perf_counter())
    display(screen, renderable)
app._display = timed
async def main():
    async with app.run_test(size=(140, 40)):
        while not frames:
            await asyncio.sleep(0.002)
asyncio.run(main())
print(json.dumps(frames[0] - start))
"""


def bench_paint(folder: Path, runs: int) -> dict[str, list[float]]:
    environment = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    results: dict[str, list[float]] = {"none": [], "tools": []}
    for _ in range(runs):
        for kind in ("none", "tools"):
            completed = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    PAINT_CODE,
                    kind,
                    str(folder / f"paint-{kind}"),
                    str(folder / "bench_tools.py"),
                    TIME_SERVER,
                ],
                capture_output=True,
                text=True,
                env=environment,
                timeout=120,
                check=True,
            )
            results[kind].append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--reloads", type=int, default=5)
    parser.add_argument("--paints", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        (folder / "bench_tools.py").write_text(MODULE.format(offset=0))
        calls = await bench_calls(folder, args.calls)
        overhead = calls["host_p50"] - calls["local_p50"]
        print(
            f"trivial tool, {args.calls} calls: in-process p50 {calls['local_p50']:.3f} ms, "
            f"p95 {calls['local_p95']:.3f} ms; tool host p50 {calls['host_p50']:.3f} ms, "
            f"p95 {calls['host_p95']:.3f} ms"
        )
        print(f"per-call overhead of the tool host (p50): {overhead:.3f} ms (≤ 5 ms)")
        starts = await bench_start(folder, args.starts)
        print(
            f"tool host start to tools listed: median {statistics.median(starts):.3f} s "
            f"(min {min(starts):.3f}, max {max(starts):.3f}; {args.starts} starts)"
        )
        reloads = await bench_reload(folder, args.reloads)
        print(
            f"hot reload, save to new code answering: median {statistics.median(reloads):.3f} s "
            f"(max {max(reloads):.3f}; ≤ 1 s)"
        )
        times = await bench_time_server(folder, 100)
        print(
            f"mcp-server-time over stdio, 100 calls: p50 {statistics.median(times):.3f} ms, "
            f"p95 {percentile(times, 0.95):.3f} ms"
        )
        paints = bench_paint(folder, args.paints)
        none, tools = statistics.median(paints["none"]), statistics.median(paints["tools"])
        print(
            f"first paint, fresh interpreter, median of {args.paints}: without tools {none:.3f} s, "
            f"with a tool module and an MCP server {tools:.3f} s "
            f"(difference {tools - none:+.3f} s; must not move)"
        )


if __name__ == "__main__":
    asyncio.run(main())
