"""The tool workbench's test setup: a real tool module in tmp_path, loaded through the config, and the app
built by ``build_services`` on it (the path a user's app takes)."""

from __future__ import annotations

from pathlib import Path

from tests.ui.conftest import wait_for
from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.models import AssistantMessage
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.composer import Composer

TOOLS_MODULE = '''
import time
from typing import Literal

from tui_chat import tool


@tool
def add(a: int, b: int = 2) -> int:
    """Add two numbers.

    Args:
        a: the first number
        b: the second number
    """
    print(f"adding {a} and {b}")
    return a + b


@tool
def convert(value: float, unit: Literal["c", "f"] = "c", exact: bool = False) -> dict:
    """Convert a temperature.

    Args:
        value: degrees
        unit: the unit to convert to
        exact: keep every decimal
    """
    result = value * 9 / 5 + 32 if unit == "f" else (value - 32) * 5 / 9
    return {"unit": unit, "value": result if exact else round(result, 1)}


@tool(timeout=0.3)
def slow() -> str:
    """Never answers in time."""
    time.sleep(3)
    return "late"


@tool
def explode(reason: str) -> str:
    """Always raises.

    Args:
        reason: what to say
    """
    raise ValueError(reason)
'''


def write_tools(folder: Path, source: str = TOOLS_MODULE) -> Path:
    path = folder / "my_tools.py"
    path.write_text(source)
    return path


def workbench_config(model: ModelSettings, tools: Path) -> Config:
    return Config(
        model=model,
        session=SessionSettings(idle_reset_minutes=0),
        tools=ToolSettings(modules=[str(tools)], examples=False),
    )


def workbench_app(model: ModelSettings, tools: Path, data_dir: Path) -> TuiChatApp:
    return TuiChatApp(workbench_config(model, tools), data_dir, warm_litellm=False)


def _answered(screen: MainScreen, before: int) -> bool:
    """The turn is over: a finished reply is the last message and nothing runs any more."""
    conversation = screen.conversation
    if conversation is None or screen.turn_running or conversation.message_count() <= before + 1:
        return False
    last = conversation.messages()[-1]
    return isinstance(last, AssistantMessage) and not last.partial


async def converse(pilot, message: str) -> MainScreen:
    """Send ``message`` from the composer and wait for the whole turn (every round) to end."""
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    before = screen.conversation.message_count() if screen.conversation is not None else 0
    composer = pilot.app.query_one(Composer)
    composer.focus()
    composer.load_text(message)
    await pilot.press("enter")
    await wait_for(pilot, lambda: _answered(screen, before))
    return screen
