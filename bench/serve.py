"""Benchmark ``tui-chat serve``: many concurrent clients against the scripted model on 127.0.0.1.

    python bench/serve.py                      # 50 clients × 20 messages
    python bench/serve.py --clients 10 --messages 5

Three processes, as in use: the scripted OpenAI-compatible model (its replies stream in chunks
``--chunk-delay`` apart), the real ``tui-chat serve`` on a fresh data dir, and this load generator (one
aiohttp client per simulated user: ``/chat/start``, then its messages one after another).

Printed: throughput; client latency; the model's own time for the same requests (the ``duration_ms``
the engine recorded for each round, read back from the files); the overhead (latency − model time) at
p50/p95; 5xx answers; and lost messages, counted in the conversation files after the server stopped:
every message sent must be there once, followed by its reply.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent

MODEL_SCRIPT = """
import sys, time
sys.path.insert(0, {tests!r})
from scripted_server import ScriptedServer, text

def reply(body):
    last = next(m["content"] for m in reversed(body["messages"]) if m["role"] == "user")
    return text(f"You said: {{last}}", chunk_size=4, delay={delay})

with ScriptedServer() as server:
    server.default_reply = reply
    print(server.base_url, flush=True)
    sys.stdin.read()
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spread(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5):7.1f} ms   p95 {percentile(values, 0.95):7.1f} ms"


def start_model(delay: float) -> tuple[subprocess.Popen[str], str]:
    code = textwrap.dedent(MODEL_SCRIPT.format(tests=str(ROOT / "tests"), delay=delay))
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def start_server(data_dir: Path, model_url: str, token: str) -> tuple[subprocess.Popen[str], str]:
    config = data_dir.parent / "config.toml"
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{model_url}"\ntimeout = 30.0\nmax_retries = 0\n'
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TUI_CHAT_CONFIG": str(config),
        "TUI_CHAT_DATA_DIR": str(data_dir),
        "TUI_CHAT_SERVE_TOKEN": token,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tui_chat", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("tui-chat serve: listening on "):
        raise SystemExit(f"the server did not start: {line!r}")
    return process, line.split()[4]


async def one_user(session: aiohttp.ClientSession, user: int, messages: int, results: dict[str, Any]) -> None:
    async with session.post("/chat/start", json={"userId": f"bench{user}"}) as response:
        results["statuses"].append(response.status)
        started = await response.json()
    conversation_id = started["conversationId"]
    latencies: list[float] = []
    for index in range(messages):
        body = {"message": f"u{user}-m{index}", "userId": f"bench{user}", "conversationId": conversation_id}
        began = time.perf_counter()
        async with session.post("/chat/message", json=body) as response:
            answer = await response.json()
            results["statuses"].append(response.status)
        latencies.append((time.perf_counter() - began) * 1000)
        if answer.get("response") != f"You said: {body['message']}":
            results["wrong"] += 1
    results["conversations"][conversation_id] = (user, latencies)


async def bare_model(model_url: str, requests: int) -> list[float]:
    """The model's own time: a plain HTTP client streaming the same kind of reply straight from it."""
    times: list[float] = []
    async with aiohttp.ClientSession() as session:
        for index in range(requests):
            body = {
                "model": "scripted",
                "stream": True,
                "messages": [{"role": "user", "content": f"u0-m{index}"}],
            }
            began = time.perf_counter()
            async with session.post(f"{model_url}/chat/completions", json=body) as response:
                await response.read()
            times.append((time.perf_counter() - began) * 1000)
    return times


async def load(url: str, token: str, clients: int, messages: int) -> tuple[dict[str, Any], float]:
    results: dict[str, Any] = {"statuses": [], "wrong": 0, "conversations": {}}
    connector = aiohttp.TCPConnector(limit=clients * 2)
    timeout = aiohttp.ClientTimeout(total=600)
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(url, headers=headers, connector=connector, timeout=timeout) as session:
        # Warm-up, not timed: the first model call waits for litellm's import (a few seconds).
        async with session.post("/chat/message", json={"message": "warm", "userId": "warmup"}) as response:
            await response.read()
        began = time.perf_counter()
        await asyncio.gather(*(one_user(session, user, messages, results) for user in range(clients)))
        elapsed = time.perf_counter() - began
    return results, elapsed


def audit(data_dir: Path, results: dict[str, Any], messages: int) -> tuple[int, list[float], list[float]]:
    """Count lost messages in the files; pair each client latency with the model time of its request."""
    lost = 0
    model_ms: list[float] = []
    overhead_ms: list[float] = []
    for conversation_id, (user, latencies) in results["conversations"].items():
        path = data_dir / "conversations" / f"{conversation_id}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        stored = [m for session in data["sessions"] for m in session["messages"] if not m.get("welcome")]
        expected = [f"u{user}-m{index}" for index in range(messages)]
        users = [m["content"] for m in stored if m["role"] == "user"]
        replies = [m for m in stored if m["role"] == "assistant"]
        lost += sum(1 for text in expected if users.count(text) != 1)
        good = [r for r in replies if not r.get("error") and not r.get("interrupted")]
        lost += max(0, len(expected) - len(good))
        for latency, reply in zip(latencies, replies, strict=False):
            duration = (reply.get("request") or {}).get("duration_ms")
            if duration is not None:
                model_ms.append(duration)
                overhead_ms.append(latency - duration)
    return lost, model_ms, overhead_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--chunk-delay", type=float, default=0.005, help="seconds between streamed chunks")
    args = parser.parse_args()

    token = secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as temp:
        data_dir = Path(temp) / "data"
        model, model_url = start_model(args.chunk_delay)
        server, url = start_server(data_dir, model_url, token)
        try:
            bare_ms = asyncio.run(bare_model(model_url, 50))
            serial, _ = asyncio.run(load(url, token, 1, args.messages))
            cpu_before = cpu_seconds(server.pid), cpu_seconds(model.pid)
            results, elapsed = asyncio.run(load(url, token, args.clients, args.messages))
            cpu = cpu_seconds(server.pid) - cpu_before[0], cpu_seconds(model.pid) - cpu_before[1]
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            assert model.stdin is not None
            model.stdin.close()
            model.wait(timeout=30)
        lost, model_ms, overhead_ms = audit(data_dir, results, args.messages)
        serial_lost, _, _ = audit(data_dir, serial, args.messages)
        lost += serial_lost

    statuses = results["statuses"] + serial["statuses"]
    sent = args.clients * args.messages
    latencies = [ms for _, lats in results["conversations"].values() for ms in lats]
    print(f"tui-chat serve: {args.clients} concurrent clients × {args.messages} messages, scripted model")
    print(f"  messages answered     {len(latencies):,} of {sent:,} in {elapsed:.2f} s")
    print(f"  throughput            {len(latencies) / elapsed:,.1f} messages/s")
    print(
        f"  CPU during the run    server {cpu[0]:.1f} s ({cpu[0] / elapsed:.0%} of a core), "
        f"model {cpu[1]:.1f} s; {cpu[0] * 1000 / max(1, len(latencies)):.1f} ms of server CPU a message"
    )
    bare = percentile(bare_ms, 0.5)
    serial_ms = [ms for _, lats in serial["conversations"].values() for ms in lats]
    print(f"  model's own time      {spread(bare_ms)}   (a bare HTTP client, one request at a time)")
    alone = percentile(serial_ms, 0.5) - bare
    print(f"  one client alone      {spread(serial_ms)}   overhead over the model p50 {alone:.1f} ms")
    print(f"  latency (client)      {spread(latencies)}")
    print(
        f"  overhead over model   p50 {percentile(latencies, 0.5) - bare:7.1f} ms   "
        f"p95 {percentile(latencies, 0.95) - bare:7.1f} ms   (latency − the model's own p50)"
    )
    if model_ms:
        print(f"  engine's model rounds {spread(model_ms)}   (duration_ms in the files: litellm included)")
        print(
            f"  outside the model call p50 {percentile(overhead_ms, 0.5):6.1f} ms   "
            f"p95 {percentile(overhead_ms, 0.95):7.1f} ms   (mean {statistics.fmean(overhead_ms):.1f} ms:"
            " HTTP, load, saves, waiting for the store)"
        )
    fivexx = sum(1 for status in statuses if status >= 500)
    other = sum(1 for status in statuses if status != 200 and status < 500)
    print(f"  5xx answers           {fivexx}" + ("" if fivexx == 0 else "   ← FAIL (target 0)"))
    print(f"  other non-200         {other}")
    wrong = results["wrong"] + serial["wrong"]
    print(f"  wrong replies         {wrong}")
    print(
        f"  lost messages         {lost} (counted in the files)"
        + ("" if lost == 0 else "   ← FAIL (target 0)")
    )
    if fivexx or lost or wrong:
        sys.exit(1)


if __name__ == "__main__":
    main()
