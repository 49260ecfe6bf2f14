"""Workspace: the one engine API that the TUI, the CLI and the REST server drive.

Everything a front end does with conversations goes through here: open, list, search, rename, delete,
restore, change the context, export, send and retry. Front ends never touch the store and never edit
engine objects; they read the :class:`Conversation` objects handed out here and are told of changes
through :meth:`Workspace.subscribe`. The read-only queries live in :mod:`tui_chat.engine.workspace_reads`
and the running turns in :mod:`tui_chat.engine.workspace_turns`, mixins of :class:`Workspace`: import
everything from here.

* Every file operation runs off the event loop (``asyncio.to_thread``); the methods are coroutines.
* Turns belong to the workspace (:mod:`tui_chat.engine.turns`), not to a screen: a reply keeps streaming
  while another conversation is shown, and :meth:`open` hands back the live object of a running turn.
* The conversations handed out are remembered (weakly), so a rename or a context change applies to the
  very object a view holds and a running turn saves.
* :meth:`reload_if_changed` notices that another process wrote the conversation (``tui-chat ask
  --conversation ID``) by its file's ``(mtime_ns, size)``.

Call everything from the event loop thread; subscribers are called there too.

A front end that may only read (``tui-chat list``, ``show``) builds it with ``build_workspace(...,
lazy=True)``: the store is opened at once, the tool registry and the chat service when first needed, so
reading never loads tool modules nor imports the provider.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tui_chat.config import Config
from tui_chat.engine.errors import ConversationNotFound, EngineError, StoreError
from tui_chat.engine.models import Conversation, ConversationSummary
from tui_chat.engine.store.search import ListProgress, SearchResult, TextProgress
from tui_chat.engine.store.text_search import SearchHit
from tui_chat.engine.store.totals import StoreTotals
from tui_chat.engine.texts import Texts, texts_for
from tui_chat.engine.turns import RunningTurn
from tui_chat.engine.workspace_reads import ConversationList, LiveSession, WorkspaceReads
from tui_chat.engine.workspace_turns import WorkspaceTurns
from tui_chat.i18n import _, set_language

if TYPE_CHECKING:  # the chat service, tools and provider: imported when a workspace first needs them
    from tui_chat.engine.chat import ChatService
    from tui_chat.engine.services import Services
    from tui_chat.engine.store.conversation_store import ConversationStore
    from tui_chat.engine.tools.registry import ToolRegistry

__all__ = [
    "Change",
    "ConversationList",
    "ExportFailed",
    "ListProgress",
    "LiveSession",
    "RunningTurn",
    "SearchHit",
    "SearchResult",
    "StoreTotals",
    "TextProgress",
    "Workspace",
]


class ExportFailed(StoreError):
    """An export could not be written where the user asked; the message says why."""

    kind = "export"


ChangeKind = Literal["activity", "renamed", "deleted", "restored", "marks", "not_sent"]
ExportFormat = Literal["md", "json"]


@dataclass(frozen=True)
class Change:
    """What changed, for views to update without re-reading the store.

    ``activity``: a conversation has new messages (``summary`` is its new list row); ``renamed``: a new
    title, same place in the list; ``deleted`` / ``restored``; ``marks``: the set of conversations with
    a running turn or an unseen reply changed (read :attr:`Workspace.running_ids` / ``unseen_ids``);
    ``not_sent``: the user's message (``text``) could not be saved, so it was not sent (``error`` says why).
    """

    kind: ChangeKind
    conversation_id: str
    summary: ConversationSummary | None = None
    text: str = ""
    error: EngineError | None = None


Signature = tuple[int, int]


class Workspace(WorkspaceTurns, WorkspaceReads):
    def __init__(self, services: Services) -> None:
        self._setup(services.config, services.data_dir, services.store, services)

    @classmethod
    def deferred(cls, config: Config, data_dir: Path) -> Workspace:
        """The store now; the tools and the chat service on first use (see ``build_workspace``)."""
        from tui_chat.engine.redact import watch_env
        from tui_chat.engine.store.conversation_store import ConversationStore

        watch_env(config.model.api_key_env)  # as build_services does: hidden in show/export output too
        workspace = cls.__new__(cls)
        workspace._setup(config, data_dir, ConversationStore(data_dir), None)
        return workspace

    def _setup(
        self, config: Config, data_dir: Path, store: ConversationStore, services: Services | None
    ) -> None:
        self._config = config
        self._data_dir = data_dir
        self._store = store
        self._services = services
        set_language(config.session.language)
        self._known: weakref.WeakValueDictionary[str, Conversation] = weakref.WeakValueDictionary()
        self._turns: dict[str, RunningTurn] = {}
        self._unseen: set[str] = set()
        self._viewing: str | None = None
        self._signatures: dict[str, Signature | None] = {}
        self._subscribers: list[Callable[[Change], None]] = []
        self._live: dict[str, Any] = {}

    # -- configuration ---------------------------------------------------------------------------

    @property
    def services(self) -> Services:
        """The store, tools and chat service; a deferred workspace builds them now (once)."""
        if self._services is None:
            from tui_chat.engine.services import build_services

            self._services = build_services(self._config, self._data_dir)
            self._store = self._services.store  # one store from now on; the reading one had no state
        return self._services

    @property
    def _chat(self) -> ChatService:
        return self.services.chat

    @property
    def config(self) -> Config:
        return self._services.chat.config if self._services is not None else self._config

    def use_config(self, config: Config) -> None:
        """From the next turn on (a running turn keeps the settings it started with); the language of
        every text from now on."""
        self._config = config
        set_language(config.session.language)
        if self._services is not None:
            self._services.chat.config = config

    @property
    def texts(self) -> Texts:
        return texts_for(self.config.session.language)

    @property
    def tools(self) -> ToolRegistry:
        """The tool registry the turns use (specs, problems, start, reload, subscribe, close)."""
        return self.services.registry

    @property
    def load_errors(self) -> list[Any]:
        return list(self.services.load_errors)

    def setup_problem(self) -> EngineError | None:
        """Why no model can be reached (a missing key), when known without importing litellm."""
        return self._chat.setup_problem()

    def path_of(self, conversation_id: str) -> Path:
        return self._store.path_of(conversation_id)

    def close(self) -> None:
        """Close the store's index connection (a command or server that is done with the data dir)."""
        self._store.close()

    # -- changes ---------------------------------------------------------------------------------

    def subscribe(self, callback: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``callback`` with every :class:`Change`; returns the function that unsubscribes."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def _emit(
        self,
        kind: ChangeKind,
        conversation: Conversation | str,
        *,
        text: str = "",
        error: EngineError | None = None,
    ) -> None:
        if not self._subscribers:  # the REST server listens to none: no summary built per event
            return
        if isinstance(conversation, Conversation):
            change = Change(kind, conversation.id, ConversationSummary.of(conversation))
        else:
            change = Change(kind, conversation, text=text, error=error)
        for callback in list(self._subscribers):
            callback(change)

    # -- reading ---------------------------------------------------------------------------------

    def new(self, *, context: dict[str, Any] | None = None, user_id: str | None = None) -> Conversation:
        """A new conversation with its welcome; it gets a file with its first message.

        ``user_id`` defaults to ``[session] user_id`` (the REST server passes each request's user).
        """
        conversation = self._chat.new_conversation(context=context, user_id=user_id)
        self._known[conversation.id] = conversation
        return conversation

    async def create(
        self, *, context: dict[str, Any] | None = None, user_id: str | None = None
    ) -> Conversation:
        """A new conversation (as :meth:`new`) saved at once, welcome and context included: for a front
        end that hands out its id before the first message (the REST server's ``/chat/start``)."""
        conversation = self.new(context=context, user_id=user_id)
        await self._save(conversation)
        self._emit("activity", conversation)
        return conversation

    async def latest(self) -> Conversation | None:
        """The newest conversation that is not damaged, opened; None when there is none."""
        for summary in await asyncio.to_thread(self._store.list_conversations):
            if summary.damaged is None:
                return await self.open(summary.id)
        return None

    async def open(self, conversation_id: str, *, user_id: str | None = None) -> Conversation:
        """The conversation, read from its file — or the live object if it is open or has a running turn.

        Raises ``DamagedConversation`` / ``ConversationNotFound`` (both ``StoreError``). ``user_id``: only
        that user's conversation; another user's is ``ConversationNotFound`` too, so a caller cannot tell
        whether someone else's id exists (the REST server serves many users from one data dir).
        """
        conversation = await self._open(conversation_id)
        if user_id is not None and conversation.user_id != user_id:
            raise ConversationNotFound(
                _("There is no conversation {id} of user {user}.").format(
                    id=conversation_id, user=repr(user_id)
                ),
                detail=_("it belongs to {user}").format(user=repr(conversation.user_id)),
            )
        return conversation

    async def _open(self, conversation_id: str) -> Conversation:
        known = self._known.get(conversation_id)
        if known is not None:
            return await self.reload_if_changed(known) or known  # another writer may have added to it
        signature = await self._signature(conversation_id)
        conversation = await asyncio.to_thread(self._store.load, conversation_id)
        known = self._known.get(conversation_id)  # opened meanwhile: keep one object per conversation
        if known is not None:
            return known
        self._known[conversation_id] = conversation
        self._signatures[conversation_id] = signature
        return conversation

    # -- editing ---------------------------------------------------------------------------------

    async def rename(self, conversation_id: str, title: str) -> ConversationSummary:
        conversation = await self.open(conversation_id)
        conversation.title = title
        conversation.title_is_custom = True
        await self._save(conversation)
        self._emit("renamed", conversation)
        return ConversationSummary.of(conversation)

    async def delete(self, conversation_id: str) -> str:
        """Move it to the trash; returns the token :meth:`restore` takes. Refused while a reply runs."""
        if self.turn(conversation_id) is not None:
            raise StoreError(
                _("A reply is still running in this conversation."), hint=_("Stop it first (Esc in it).")
            )
        token = await self._io(self._store.delete, conversation_id)
        self._known.pop(conversation_id, None)
        self._unseen.discard(conversation_id)
        self._emit("deleted", conversation_id)
        return token

    async def restore(self, token: str) -> str:
        restored = await self._io(self._store.restore, token)
        self._emit("restored", restored)
        return restored

    async def set_context(self, conversation: Conversation, context: dict[str, Any]) -> None:
        """The user context sent in the system prompt from the next message on."""
        conversation.context = dict(context)
        if conversation.message_count() > 1:  # a conversation nobody wrote in yet has no file
            await self._save(conversation)

    def export(self, conversation: Conversation, format: ExportFormat = "md") -> str:
        """The conversation as Markdown (tool calls and results included, in the configured language)
        or as the JSON of its file. Plain text: a front end escapes it for where it goes."""
        from tui_chat.engine.export import to_json, to_markdown

        if format == "json":
            return to_json(conversation)
        return to_markdown(conversation, language=self.config.session.language)

    async def export_markdown(self, conversation: Conversation, folder: Path) -> Path:
        text = self.export(conversation, "md")
        path = folder / f"{conversation.id}.md"

        def write() -> None:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

        await self._io(write)
        return path

    async def export_to(self, conversation: Conversation, path: Path) -> Path:
        """Write the conversation as Markdown to ``path`` (mode 0600, like the conversations).

        Raises :class:`ExportFailed` saying why (no such folder, a folder given, not writable).
        """
        text = self.export(conversation, "md")
        target = path.expanduser()
        await self._io(_write_private, target, text)
        return target.resolve()

    async def fork(self, conversation: Conversation, recorded: Any, replacement: Any) -> Conversation:
        """A new conversation forked at tool result ``recorded`` answered by ``replacement``
        (engine.workbench.fork), saved; the original is not touched."""
        from tui_chat.engine.workbench.fork import fork_at

        fork = fork_at(conversation, recorded, replacement, self._store.new_id(conversation.user_id))
        await self._save(fork)
        self._known[fork.id] = fork
        self._emit("activity", fork)
        return fork

    # -- changes on disk -------------------------------------------------------------------------

    async def reload_if_changed(self, conversation: Conversation) -> Conversation | None:
        """The conversation as another process left it on disk, when that added to it; else None.

        Cheap when nothing changed: one ``stat``. A file that changed is read; when it holds every
        message this object has (another writer appended), the fresh object replaces this one here,
        and the caller shows it. Never while a turn of this conversation runs (its own saves).
        """
        cid = conversation.id
        if self.turn(cid) is not None or conversation.message_count() <= 1:
            return None
        signature = await self._signature(cid)
        if cid not in self._signatures:  # first look since open or our own last turn
            self._signatures[cid] = signature
            return None
        if signature is None or signature == self._signatures[cid]:
            return None
        self._signatures[cid] = signature
        try:
            fresh = await asyncio.to_thread(self._store.load, cid)
        except StoreError:
            return None
        if self.turn(cid) is not None:
            return None
        mine = {message.id for message in conversation.messages()}
        theirs = {message.id for message in fresh.messages()}
        if not mine <= theirs:
            return None  # this object holds messages the file lacks: the store's merge decides
        if _shape(fresh) == _shape(conversation):
            return None
        self._known[cid] = fresh
        self._emit("activity", fresh)
        return fresh

    async def _signature(self, conversation_id: str) -> Signature | None:
        path = self._store.path_of(conversation_id)

        def stat() -> Signature | None:
            try:
                result = os.stat(path)
            except OSError:
                return None
            return result.st_mtime_ns, result.st_size

        return await asyncio.to_thread(stat)

    # -- internals -------------------------------------------------------------------------------

    async def _save(self, conversation: Conversation) -> None:
        from tui_chat.engine.chat import save_failed

        try:
            await asyncio.to_thread(self._store.save, conversation)
        except OSError as error:
            raise save_failed(error, self._store.path_of(conversation.id)) from error
        self._signatures.pop(conversation.id, None)

    async def _io(self, function: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(function, *args)
        except OSError as error:
            reason = error.strerror or error
            if error.filename:
                said = _("{path}: {reason}.").format(path=error.filename, reason=reason)
            else:
                said = _("The data folder: {reason}.").format(reason=reason)
            raise StoreError(
                said,
                hint=_("Check that the data folder is writable and the disk has space."),
                detail=str(error),
            ) from error


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only; errors become :class:`ExportFailed`."""
    if path.is_dir():
        raise ExportFailed(_("{path} is a folder: add a file name.").format(path=path))
    if not path.parent.is_dir():
        raise ExportFailed(_("No such folder: {path}").format(path=path.parent))
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), 0o600)  # an existing file keeps its mode otherwise
            file.write(text)
    except PermissionError:
        raise ExportFailed(
            _("Cannot write to {path}: permission denied (a read-only folder?).").format(path=path)
        ) from None
    except OSError as error:
        raise ExportFailed(
            _("Cannot write to {path}: {reason}.").format(path=path, reason=error.strerror or error)
        ) from None


def _shape(conversation: Conversation) -> tuple[Any, ...]:
    """What a view shows of a conversation, cheaply compared: ids, text lengths and reply states."""
    return (
        conversation.title,
        tuple(
            (
                message.id,
                len(getattr(message, "content", "") or ""),
                getattr(message, "partial", False),
                getattr(message, "interrupted", False),
                getattr(message, "error", None) is not None,
            )
            for message in conversation.messages()
        ),
    )


def build_workspace(config: Config, data_dir: Path, *, lazy: bool = False) -> Workspace:
    """The workspace over the services built from ``config`` (store, tools with user modules, chat).

    ``lazy``: only the store now; the tools and the chat service when first needed (``new``, ``send``,
    ``load_errors``…), so a command that only reads never loads tool modules nor imports the provider.
    """
    if lazy:
        return Workspace.deferred(config, data_dir)
    from tui_chat.engine.services import build_services

    return Workspace(build_services(config, data_dir))


def workspace_for(chat: Any, data_dir: Path) -> Workspace:
    """A workspace around an existing ChatService (tests build theirs with a registry of their own)."""
    from tui_chat.engine.services import Services

    return Workspace(Services(chat.config, data_dir, chat.store, chat.registry, chat))
