"""Build the engine from a config: the store, the tool registry (with user tools) and the chat service.

The CLI and the TUI both start here, so they always see the same tools and conversations. User tool
modules and MCP servers become tool sources of the registry; nothing is started here (no process, no
``import mcp``): ``registry.start()`` does it in the background, or the first call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tui_chat.config import Config
from tui_chat.engine.chat import ChatService
from tui_chat.engine.redact import watch_env
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.tools.spec import ToolLoadError


@dataclass
class Services:
    config: Config
    data_dir: Path
    store: ConversationStore
    registry: ToolRegistry
    chat: ChatService
    load_errors: list[ToolLoadError] = field(default_factory=list)


def build_registry(config: Config, store: ConversationStore, data_dir: Path) -> ToolRegistry:
    registry = ToolRegistry(
        default_timeout=config.tools.timeout, max_result_chars=config.tools.max_result_chars
    )
    if config.tools.examples:
        from tui_chat.engine.tools.examples import register_example_tools, store_owner, store_search

        register_example_tools(
            registry,
            search=store_search(store),
            outbox_path=data_dir / "outbox.jsonl",
            language=config.session.language,
            owner_of=store_owner(store),
        )
    from tui_chat.engine.tools.configured import configured_sources

    for source in configured_sources(config, data_dir):
        registry.add_source(source)
    if config.tools.watch and config.tools.modules:
        from tui_chat.engine.tools.watch import ModuleWatcher

        async def reload(_paths: object) -> None:
            await registry.reload()

        registry.watcher = ModuleWatcher(config.tools.modules, reload)
        registry.watcher.announce = registry.changed
    return registry


def build_services(config: Config, data_dir: Path) -> Services:
    watch_env(config.model.api_key_env)  # its value is a secret: never stored, exported or printed
    store = ConversationStore(data_dir)
    registry = build_registry(config, store, data_dir)
    chat = ChatService(config, store, registry)
    return Services(config, data_dir, store, registry, chat, list(registry.load_errors))
