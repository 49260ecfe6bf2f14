"""Helpers for the serve tests: a real server on a free port, a scripted model behind it, an HTTP client."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from scripted_server import ScriptedServer

from tui_chat.config import Config, ModelSettings
from tui_chat.engine.models import Conversation
from tui_chat.engine.services import Services
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.serve.server import RunningServer


@dataclass
class Served:
    client: aiohttp.ClientSession
    """Sends the right token on every request."""
    running: RunningServer
    services: Services
    model: ScriptedServer
    data_dir: Path
    token: str

    @property
    def url(self) -> str:
        return self.running.url

    async def post(self, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
        async with self.client.post(path, json=body, **kwargs) as response:
            return response.status, await response.json()

    def stored(self, conversation_id: str) -> Conversation:
        """The conversation as a fresh store (another process) reads it from disk."""
        store = ConversationStore(self.data_dir)
        try:
            return store.load(conversation_id)
        finally:
            store.close()

    def last_reply(self, conversation_id: str) -> dict[str, Any]:
        """The last assistant message as written in the file (``partial`` / ``interrupted`` as stored:
        loading turns a reply saved mid-stream into an interrupted one)."""
        path = self.data_dir / "conversations" / f"{conversation_id}.json"
        data = json.loads(path.read_text(encoding="utf-8"))
        messages = [m for session in data["sessions"] for m in session["messages"]]
        return [m for m in messages if m["role"] == "assistant"][-1]

    def interrupted(self, conversation_id: str) -> bool:
        """The turn was cancelled and saved so: ``interrupted`` written, no longer ``partial``."""
        reply = self.last_reply(conversation_id)
        return bool(reply.get("interrupted")) and not reply.get("partial")

    def files(self) -> list[Path]:
        return sorted((self.data_dir / "conversations").glob("*.json"))


def model_config(model: ScriptedServer) -> Config:
    return Config(
        model=ModelSettings(name="openai/scripted", api_base=model.base_url, timeout=5, max_retries=0)
    )


async def read_events(response: aiohttp.ClientResponse) -> list[tuple[str, dict[str, Any]]]:
    """Parse a whole ``text/event-stream`` body into ``(event, data)`` pairs."""
    events: list[tuple[str, dict[str, Any]]] = []
    name, data = "message", ""
    async for raw in response.content:
        line = raw.decode().rstrip("\r\n")
        if not line:
            if data:
                events.append((name, json.loads(data)))
            name, data = "message", ""
        elif line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
    return events


async def wait_until(predicate: Callable[[], bool], *, timeout: float = 30.0) -> None:
    """Poll ``predicate`` until it holds (a generous timeout against a hang, not a speed check)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.02)
