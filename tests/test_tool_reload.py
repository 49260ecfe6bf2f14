"""Hot reload: a tool module saved on disk restarts the tool host with the new code; load errors show at once.

Real parts: files in a temporary folder watched by watchfiles (inotify), the tool host process.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from tui_chat.config import Config
from tui_chat.engine.models import ToolCall
from tui_chat.engine.services import build_registry
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolContext, ToolRegistry

CONTEXT = ToolContext(user_id="u", conversation_id="c", session_id="s")

VERSION = '''
from tui_chat import tool

@tool
def version() -> str:
    """Which code is running."""
    return "{answer}"
'''

OTHER = '''
from tui_chat import tool

@tool
def other(text: str) -> str:
    """Still here."""
    return text
'''


def save(path: Path, text: str) -> None:
    """Like an editor: write a new file beside it, then rename it over the old one."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text)
    os.replace(temporary, path)


async def until(predicate: Callable[[], bool], changed: asyncio.Event) -> None:
    async with asyncio.timeout(30):
        while not predicate():
            changed.clear()
            await changed.wait()


def make_registry(tmp_path: Path) -> tuple[ToolRegistry, Path]:
    module = tmp_path / "versioned.py"
    module.write_text(VERSION.format(answer="one"))
    (tmp_path / "other.py").write_text(OTHER)
    config = Config()
    config.tools.examples = False
    config.tools.modules = [str(module), str(tmp_path / "other.py")]
    registry = build_registry(config, ConversationStore(tmp_path / "data"), tmp_path / "data")
    return registry, module


async def call(registry: ToolRegistry, name: str, arguments: str = "{}") -> object:
    message = await registry.execute(ToolCall(id="c", name=name, arguments=arguments), CONTEXT)
    return message.result.get("data") if message.ok else message.error


async def test_saving_a_module_restarts_the_host_and_the_next_call_uses_the_new_code(tmp_path: Path):
    registry, module = make_registry(tmp_path)
    changed = asyncio.Event()
    registry.subscribe(changed.set)
    registry.start(watch=True)
    try:
        await registry.wait_ready(30)
        assert await call(registry, "version") == "one"

        save(module, VERSION.format(answer="two").replace("def version()", "def version(loud: bool = False)"))
        await until(lambda: "loud" in registry.get("version").parameters["properties"], changed)

        assert await call(registry, "version") == "two"  # the new code, and the new schema offered
        assert registry.watcher.reloads >= 1
    finally:
        registry.close()


async def test_a_broken_save_is_a_load_error_at_once_and_the_other_tools_keep_working(tmp_path: Path):
    registry, module = make_registry(tmp_path)
    changed = asyncio.Event()
    registry.subscribe(changed.set)
    registry.start(watch=True)
    try:
        await registry.wait_ready(30)
        assert registry.load_errors == []

        save(module, "def version(:\n")
        await until(lambda: bool(registry.load_errors), changed)

        (error,) = registry.load_errors
        assert error.source == str(module) and error.message.startswith("SyntaxError")
        assert "version" not in registry
        assert await call(registry, "other", '{"text": "fine"}') == "fine"

        save(module, VERSION.format(answer="fixed"))
        await until(lambda: not registry.load_errors and "version" in registry, changed)
        assert await call(registry, "version") == "fixed"
    finally:
        registry.close()


async def test_reload_by_hand_picks_up_the_new_code_without_a_watcher(tmp_path: Path):
    registry, module = make_registry(tmp_path)
    registry.start()  # no watch
    try:
        await registry.wait_ready(30)
        assert await call(registry, "version") == "one"
        module.write_text(VERSION.format(answer="by hand"))

        await registry.reload()

        assert await call(registry, "version") == "by hand"
    finally:
        registry.close()


async def test_the_tui_starts_the_host_after_the_first_paint_and_toasts_reloads_and_load_errors(
    tmp_path: Path,
):
    import time

    from tui_chat.ui.app import TuiChatApp

    module = tmp_path / "versioned.py"
    module.write_text(VERSION.format(answer="one"))
    config = Config()
    config.tools.modules = [str(module)]
    app = TuiChatApp(config, tmp_path / "data", warm_litellm=False)
    registry = app.workspace.services.registry
    assert registry.sources[0].status.state == "stopped"  # nothing started before the app runs

    def messages() -> list[str]:
        return [notification.message for notification in app._notifications]

    async def wait_for(predicate: Callable[[], object]) -> None:
        deadline = time.monotonic() + 30
        while not predicate():
            assert time.monotonic() < deadline, f"timed out; notifications: {messages()}"
            await pilot.pause(0.05)

    async with app.run_test() as pilot:
        await wait_for(lambda: "version" in registry)

        save(module, "def version(:\n")
        await wait_for(lambda: any("SyntaxError" in message for message in messages()))
        # Two toasts: the load error when the host reports it, the reload when the watcher counts it
        # just after (two callbacks from the tool runtime's thread), so wait for the second as well.
        await wait_for(lambda: any(message.startswith("Tool modules reloaded") for message in messages()))

        save(module, VERSION.format(answer="two"))
        await wait_for(lambda: "version" in registry)
        await app.run_action("reload_tools")  # what the palette's "Reload tools" runs
        await wait_for(lambda: any(message.startswith("Tools reloaded: ") for message in messages()))
    assert registry.sources[0].status.state == "stopped"  # closed with the app
