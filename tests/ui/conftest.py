"""Fixtures for the TUI tests: an app wired to the real engine and the loopback scripted server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from tui_chat import tool
from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.ui.app import TuiChatApp

FIXED_NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand, for the app and the engine: an idle reset without real waiting."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@tool
def get_time(tz: str) -> dict:
    """The current time in a time zone.

    Args:
        tz: An IANA time zone name such as "UTC".
    """
    return {"tz": tz, "time": "12:00"}


@pytest.fixture(scope="session", autouse=True)
def litellm_imported() -> None:
    """Import litellm once up front: its ~3 s import would otherwise land inside the first test's turn."""
    from tui_chat.engine.provider.litellm_import import import_litellm

    import_litellm()


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes snapshots flaky."""
    monkeypatch.setattr(TextArea, "_toggle_cursor_blink_visible", lambda self: None, raising=False)
    monkeypatch.setattr(TextArea, "cursor_blink", False)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def make_app(model_settings: ModelSettings, data_dir: Path) -> Callable[..., TuiChatApp]:
    """Build the app on the real ChatService, ConversationStore and a registry holding ``get_time``.

    A ``clock`` given here is the app's and the engine's; without one the app shows ``FIXED_NOW`` and the
    engine keeps the real time.
    """

    def factory(
        *,
        idle_reset_minutes: float = 20.0,
        clock: Callable[[], datetime] | None = None,
        language: Literal["en", "es"] = "en",
    ) -> TuiChatApp:
        config = Config(
            model=model_settings,
            session=SessionSettings(idle_reset_minutes=idle_reset_minutes, language=language),
            tools=ToolSettings(examples=False),
        )
        store = ConversationStore(data_dir)
        registry = ToolRegistry()
        registry.add(get_time)
        chat = ChatService(config, store, registry, **({"clock": clock} if clock else {}))
        return TuiChatApp(
            config, data_dir, chat_service=chat, clock=clock or (lambda: FIXED_NOW), warm_litellm=False
        )

    return factory


async def wait_for(pilot: Pilot, predicate: Callable[[], object], timeout: float = 15.0) -> None:
    """Pause until ``predicate()`` is true (the app keeps running meanwhile)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await pilot.pause(0.05)


def screen_text(app: TuiChatApp) -> str:
    """What the terminal shows, as plain text."""
    update = app.screen._compositor.render_full_update(simplify=True)
    return "\n".join("".join(strip.text for strip in line) for line in update.strips)
