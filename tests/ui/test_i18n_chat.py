"""The chat slice of the Spanish UI (issue 12 §3): every text of the chat pane, the conversation list,
the status line, the composer, the error blocks, the dividers, the controllers' notifications and the
search screen comes from the catalog.

Under the pseudo-language (tests/i18n_pseudo.py) a text that bypassed ``_()`` stays plain ASCII and
:func:`untranslated` names it; only data (titles, message text, model and tool names) is allowed.
The app runs on the real engine, store and scripted HTTP server, as in test_app_flows.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from scripted_server import ScriptedServer, error, slow_stream, tool_calls
from textual.widget import Widget
from textual.widgets import Button, Input, TextArea
from textual.widgets._toast import Toast

from tests.i18n_pseudo import pseudo, pseudo_language, untranslated
from tests.ui.conftest import FIXED_NOW, get_time, screen_text, wait_for
from tui_chat import i18n
from tui_chat.config import Config, ModelSettings, SessionSettings, ToolSettings
from tui_chat.engine.chat import ChatService
from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    ConversationSummary,
    ErrorInfo,
    RoundRecord,
    Session,
    ToolCall,
    ToolMessage,
    UserMessage,
)
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.engine.store.session_file import ConversationEncoder
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.formatting import count_text, format_gap, message_time, relative_time, running_status
from tui_chat.ui.screens.context_editor import ContextEditorScreen
from tui_chat.ui.screens.dialogs import ConfirmDialog
from tui_chat.ui.screens.export_dialog import ExportDialog
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.search import SearchScreen
from tui_chat.ui.widgets.chat_notices import ErrorBlock
from tui_chat.ui.widgets.composer import Composer
from tui_chat.ui.widgets.conversation_list import ConversationList
from tui_chat.ui.widgets.conversation_rows import summary_prompt
from tui_chat.ui.widgets.live_reply import LiveReply
from tui_chat.ui.widgets.message_widgets import AssistantBlock
from tui_chat.ui.widgets.status_line import StatusLine
from tui_chat.ui.widgets.tool_call_block import ToolCallBlock

SIZE = (130, 44)
OPEN_ID = "chat-local-20250314-110000-0001"
DAMAGED_ID = "chat-local-20250101-000000-dead"
CALLS_ID = "chat-local-20250314-030000-0003"
"""The conversation with three tool calls."""
DATA = [
    *("Viaje", "Kioto", "Madrid", "Notas", "sueltas", "Lista", "compra", "hola", "qwerty", "zxcvb"),
    *("Respuesta", "Pregunta", "plomo", "berenjena", "tiempo", "Europe", "Berlin", "Asia", "Tokyo", "UTC"),
    *("openai", "scripted", "gpt", "o-mini", "get_time", "consultar", "chat-local"),
]
"""Every ASCII word of the seeded data (titles, messages, model and tool names, arguments)."""


@pytest.fixture
def build_app(model_settings: ModelSettings, data_dir: Path) -> Callable[..., TuiChatApp]:
    """The app on the real engine and store, with the app's and engine's clock at ``FIXED_NOW``."""

    def factory(*, language: str = "en", max_rounds: int = 8) -> TuiChatApp:
        config = Config(
            model=model_settings,
            session=SessionSettings(language=language),
            tools=ToolSettings(examples=False, max_rounds=max_rounds),
        )
        registry = ToolRegistry()
        registry.add(get_time)
        chat = ChatService(config, ConversationStore(data_dir), registry)
        return TuiChatApp(config, data_dir, chat_service=chat, clock=lambda: FIXED_NOW, warm_litellm=False)

    return factory


def seed(data_dir: Path) -> None:
    """The open conversation holds every kind of chat item; the others fill the list's variants."""
    store = ConversationStore(data_dir)
    for number, (title, calls) in enumerate([("Notas sueltas", 0), ("Lista compra", 3), ("", 0)], 2):
        moment = FIXED_NOW - timedelta(hours=number * 7)
        session = Session(id=f"s-{number}", started_at=moment)
        session.messages += [UserMessage(content="hola", id=f"m-{number}u", created_at=moment)]
        for call in range(calls):
            tool_call = ToolCall(f"call_{number}{call}", "get_time", '{"tz": "Europe/Berlin"}')
            session.messages += [
                AssistantMessage("", [tool_call], id=f"m-{number}c{call}", created_at=moment),
                ToolMessage(
                    tool_call.id, "get_time", tool_call.arguments, {"success": True, "data": {"tz": "x"}},
                    '{"tz": "x"}', 5.0, id=f"m-{number}t{call}", created_at=moment,
                ),
            ]  # fmt: skip
        session.messages += [AssistantMessage(content="qwerty", id=f"m-{number}a", created_at=moment)]
        store.save(
            Conversation(
                id=f"chat-local-20250314-0{number}0000-000{number}",
                title=title,
                user_id="local",
                model="openai/gpt-4o-mini",
                created_at=moment,
                last_activity=moment,
                sessions=[session],
            )
        )
    start = FIXED_NOW - timedelta(days=1, hours=3)
    ok = ToolCall("call_ok", "get_time", '{"tz": "Europe/Madrid"}')
    failed = ToolCall("call_bad", "consultar", '{"q": "tiempo"}')
    first = Session(id="s-1", started_at=start)
    first.messages += [
        AssistantMessage(content="hola", welcome=True, id="m-1", created_at=start),
        UserMessage(content="Pregunta Madrid", id="m-2", created_at=start),
        AssistantMessage(content="", tool_calls=[ok, failed], id="m-3", created_at=start, round=1),
        ToolMessage(
            "call_ok", "get_time", ok.arguments, {"success": True, "data": {"tz": "Europe/Madrid"}},
            '{"tz": "Europe/Madrid"}', 120.0, id="m-4", created_at=start, round=1,
        ),
        ToolMessage(
            "call_bad", "consultar", failed.arguments, {"success": False, "error": "plomo"}, "plomo", 5.0,
            id="m-5", created_at=start, round=1, error="plomo", error_kind="exception",
        ),
        AssistantMessage(content="Respuesta **Kioto**", id="m-6", created_at=start, round=2),
        UserMessage(content="Pregunta", id="m-7", created_at=start),
        AssistantMessage(content="Respuesta", id="m-8", created_at=start, interrupted=True),
    ]  # fmt: skip
    later = FIXED_NOW - timedelta(hours=1)
    second = Session(id="s-2", started_at=later)
    request = RoundRecord(message_ids=["m-10"], params={}, started_at=later, omitted=3)
    second.messages += [
        AssistantMessage(content="hola", welcome=True, id="m-9", created_at=later),
        UserMessage(content="Pregunta Berlin", id="m-10", created_at=later),
        AssistantMessage(
            content="", id="m-11", created_at=later, request=request,
            error=ErrorInfo("rate_limit", "qwerty zxcvb.", "berenjena."),
        ),
    ]  # fmt: skip
    store.save(
        Conversation(
            id=OPEN_ID,
            title="Viaje Kioto",
            user_id="local",
            model="openai/gpt-4o-mini",
            created_at=start,
            last_activity=later,
            sessions=[first, second],
        )
    )
    store.close()
    (data_dir / "conversations" / f"{DAMAGED_ID}.json").write_text('{"id": ', encoding="utf-8")


def region_text(app: TuiChatApp, widget: Widget) -> str:
    """What the terminal shows inside ``widget``'s region."""
    region = widget.region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


def notified(app: TuiChatApp) -> list[str]:
    return [f"{n.title or ''} {n.message}".strip() for n in app._notifications]


def main(app: TuiChatApp) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def open_seeded(pilot, app: TuiChatApp) -> MainScreen:
    screen = main(app)
    await wait_for(pilot, lambda: screen.sidebar.count == 5)
    screen.open_conversation(OPEN_ID)
    await wait_for(pilot, lambda: screen.conversation is not None and screen.conversation.id == OPEN_ID)
    await wait_for(pilot, lambda: app.query(ErrorBlock) and app.query(ToolCallBlock))
    await pilot.pause(0.2)
    return screen


def assert_translated(shown: str, allowed: list[str] = DATA) -> None:
    """No line of ``shown`` holds a plain ASCII word but data: every text came from the catalog."""
    left = untranslated(shown, allowed=allowed)
    assert left == [], "texts that bypassed the catalog:\n" + "\n".join(left)


def prompt_of(listing: ConversationList, conversation_id: str) -> str:
    """A list row's two lines as plain text (the sidebar wraps the longer ones)."""
    return listing.options.get_option(conversation_id).prompt.plain


def without_json(shown: str) -> str:
    """``shown`` without the JSON objects in it (data: a tool call's arguments and result)."""
    return re.sub(r"\{[^{}]*\}", "", shown)


def words_of(*texts: str) -> list[str]:
    return [word for piece in texts for word in re.findall(r"[A-Za-z][A-Za-z_'’-]*[A-Za-z]", piece)]


# -- the pieces -----------------------------------------------------------------------------------


def test_times_gaps_counts_and_running_calls_come_from_the_catalog() -> None:
    now = datetime(2025, 3, 14, 12, 0).astimezone()
    moments = [now - timedelta(seconds=s) for s in (5, 300, 3 * 3600, 2 * 86400, 30 * 3600)]
    shown = [relative_time(m, now) for m in moments[:4]] + [message_time(m, now) for m in moments]
    shown += [format_gap(s) for s in (1500, 3600, 3 * 3600 + 720, 2 * 86400, 2 * 86400 + 4 * 3600)]
    shown.append(running_status(["get_time", "get_time"]))
    with pseudo_language():
        pseudo_shown = [relative_time(m, now) for m in moments[:4]] + [message_time(m, now) for m in moments]
        pseudo_shown += [format_gap(s) for s in (1500, 3600, 3 * 3600 + 720, 2 * 86400, 2 * 86400 + 4 * 3600)]
        pseudo_shown.append(running_status(["get_time", "get_time"]))
    assert_translated("\n".join(pseudo_shown), ["get_time"])
    assert len(pseudo_shown) == len(shown) and pseudo_shown != shown
    i18n.set_language("es")
    assert relative_time(moments[1], now) == "hace 5 min"
    assert message_time(moments[0], now) == "ahora mismo"
    assert message_time(moments[4], now).startswith("ayer ")
    assert format_gap(3 * 3600 + 720) == "3 h 12 min"
    assert running_status(["get_time"]) == "ejecutando get_time…"
    assert count_text(2345) == "2345" and count_text(12345) == "12\u00a0345"  # never read as 12.345
    i18n.set_language("en")
    assert relative_time(moments[1], now) == "5m ago" and count_text(12345) == "12,345"


def test_a_list_row_says_replying_new_reply_and_its_call_count_through_the_catalog() -> None:
    moment = FIXED_NOW - timedelta(days=2)
    summary = ConversationSummary(
        "chat-x", "Notas", moment, moment, "openai/gpt-4o-mini", message_count=4, tool_call_count=1
    )
    with pseudo_language():
        rows = [summary_prompt(summary, FIXED_NOW, mark).plain for mark in ("", "running", "unseen")]
    assert rows[0] == "Notas\n" + " · ".join(
        [pseudo("{n}d ago").format(n=2), "gpt-4o-mini", pseudo("{n} call").format(n=1)]
    )
    assert pseudo("replying…") in rows[1] and pseudo("new reply") in rows[2]
    assert_translated("\n".join(rows))
    i18n.set_language("es")
    summary = dataclasses.replace(summary, tool_call_count=12_000)
    assert summary_prompt(summary, FIXED_NOW).plain.endswith("hace 2 d · gpt-4o-mini · 12\u00a0000 llamadas")
    assert summary_prompt(summary, FIXED_NOW, "running").plain.split("\n")[1].startswith("respondiendo…")


# -- the main screen ------------------------------------------------------------------------------


async def test_the_list_chat_pane_status_line_and_composer_show_only_catalog_texts(
    build_app, data_dir: Path
) -> None:
    seed(data_dir)
    with pseudo_language():
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_seeded(pilot, app)
            screen.chat.toggle_tool_calls()  # the expanded calls' labels: arguments, result, error
            await wait_for(pilot, lambda: pseudo("arguments") in region_text(app, screen.chat))
            screen.chat.scroll_home(animate=False)
            await pilot.pause(0.2)
            top = region_text(app, screen.chat)
            screen.chat.scroll_end(animate=False)
            await pilot.pause(0.2)
            sidebar = region_text(app, screen.sidebar)
            pane = region_text(app, screen.query_one("#chat-pane"))
            shown = "\n".join([sidebar, top, pane])
            assert_translated(shown, DATA)
            # What each part says, in the pseudo-language (so: through the catalog).
            assert pseudo("Filter conversations…") in sidebar
            assert pseudo("(untitled)") in sidebar and pseudo("damaged file") in sidebar
            assert pseudo("{n} calls").format(n=3) in prompt_of(screen.sidebar, CALLS_ID)
            assert pseudo("{n}h ago").format(n=1) in sidebar
            assert pseudo("You") in top and pseudo("Reply interrupted.") in top
            assert pseudo("result") in top and pseudo("error") in top
            assert pseudo("Retry (ctrl+r)") in pane
            assert pseudo("The provider is rate-limiting requests.") in pane
            assert pseudo("idle {gap}").split("{")[0] in top + pane  # the divider
            assert pseudo("{count} earlier messages not sent to the model").format(count=3) in pane
            assert pseudo("{n} messages").format(n=11) in region_text(app, screen.status)
            assert pseudo("Message…") in region_text(app, screen.composer)
            await pilot.press("ctrl+l", *"zz")  # a filter that keeps nothing says where to look instead
            empty = screen.sidebar.query_one("#list-empty")
            await wait_for(pilot, lambda: empty.display and region_text(app, empty).strip())
            said = " ".join(region_text(app, empty).split())
            assert pseudo("No matches for “{query}” in titles.").format(query="zz") in said
            assert_translated(region_text(app, screen.sidebar))


async def test_the_divider_names_the_idle_gap_through_the_catalog(build_app, data_dir: Path) -> None:
    seed(data_dir)
    with pseudo_language():
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_seeded(pilot, app)
            chat = screen.chat
            await wait_for(pilot, lambda: not chat.has_older)
            gap = pseudo("{hours} h {minutes} min").format(hours=2, minutes=0)
            expected = pseudo("idle {gap}").format(gap=pseudo("{days} d {hours} h").format(days=1, hours=2))
            divider = next(item for item in chat._items if item.kind == "divider")
            assert divider.text.startswith(expected) and gap not in divider.text
            assert_translated(divider.text)


async def test_a_live_turn_shows_its_states_tool_calls_and_error_through_the_catalog(
    build_app, scripted_server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    states: list[str] = []
    show = StatusLine.show

    def recording(self: StatusLine, model: str, state: str = "", message_count: int = 0) -> None:
        states.append(state)
        show(self, model, state, message_count)

    monkeypatch.setattr(StatusLine, "show", recording)
    scripted_server.script(
        tool_calls([("get_time", '{"tz": "UTC"}')]),
        slow_stream(["Respuesta ", "Kioto"], 0.2),
        error(400, message="qwerty zxcvb"),
    )
    with pseudo_language():
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await pilot.click(Composer)
            await pilot.press(*"hola", "enter")
            await wait_for(pilot, lambda: app.query(LiveReply) and not screen.turn_running)
            await wait_for(pilot, lambda: "Respuesta Kioto" in region_text(app, screen.chat))
            pane = region_text(app, screen.query_one("#chat-pane"))
            assert_translated(pane, DATA)
            assert pseudo("You") in pane and pseudo("Retry (ctrl+r)") not in pane
            await pilot.press(*"hola", "enter")
            await wait_for(pilot, lambda: app.query(ErrorBlock) and not screen.turn_running)
            await pilot.pause(0.2)
            block = app.query_one(ErrorBlock)
            detail = block.error_message + " " + block.hint  # the engine's text (its slice translates it)
            shown = region_text(app, block)
            assert_translated(shown, [*DATA, *words_of(detail)])
            assert pseudo("The provider refused the request.") in shown
            assert block.query_one("#retry", Button).label.plain == pseudo("Retry (ctrl+r)")
    waiting = [
        pseudo("waiting for the model…"),
        pseudo("waiting for the reply…  (Esc stops)"),
        pseudo("streaming…  (Esc stops)"),
    ]
    assert all(state in states for state in waiting), states
    assert pseudo("running {names}…").format(names="get_time") in states
    assert_translated("\n".join(states), DATA)


async def test_the_max_rounds_warning_shows_its_config_section_literally(
    build_app, scripted_server: ScriptedServer
) -> None:
    """The note names ``[tools] max_rounds``: as markup, "[tools]" would vanish from the toast."""
    scripted_server.script(tool_calls([("get_time", '{"tz": "UTC"}')]))
    with pseudo_language():
        app = build_app(max_rounds=1)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            screen = main(app)
            await pilot.click(Composer)
            await pilot.press(*"hola", "enter")
            await wait_for(pilot, lambda: app._notifications and not screen.turn_running)
            await wait_for(pilot, lambda: app.screen.query(Toast))
            shown = app.screen.query_one(Toast).render().plain  # what the toast draws
            assert pseudo("(raise [tools] max_rounds to allow more).") in shown


async def test_the_setup_banner_without_a_key_comes_from_the_catalog(
    build_app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TUI_CHAT_TEST_MISSING_KEY", raising=False)
    with pseudo_language():
        app = build_app()
        app.config.model.api_key_env = "TUI_CHAT_TEST_MISSING_KEY"
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await wait_for(pilot, lambda: screen.banner.display)
            await pilot.pause(0.1)
            banner = region_text(app, screen.banner)
            assert pseudo("No model is configured.") in banner
            problem = str(app.workspace.setup_problem())  # the engine's text (its slice translates it)
            assert_translated(banner, [*DATA, *words_of(problem)])


@pytest.mark.parametrize("language", ["pseudo", "es"])
async def test_the_list_says_how_far_reading_and_indexing_got_through_the_catalog(
    build_app, data_dir: Path, monkeypatch: pytest.MonkeyPatch, language: str
) -> None:
    """A cold start of 140 files: the list fills in batches under a progress line, then indexes."""
    folder = data_dir / "conversations"
    folder.mkdir(parents=True)
    for number in range(140):
        moment = FIXED_NOW - timedelta(hours=300 - number)
        session = Session(id="s-1", started_at=moment)
        session.messages += [UserMessage(content="hola", id="m-1", created_at=moment)]
        item = Conversation(
            id=f"chat-cold-{number:03d}", title="Notas", user_id="local", model="openai/gpt-4o-mini",
            created_at=moment, last_activity=moment, sessions=[session],
        )  # fmt: skip
        (folder / f"{item.id}.json").write_bytes(ConversationEncoder().encode(item).data)
    said: list[str] = []
    set_status = ConversationList._set_status

    def recording(self: ConversationList, text: str, *, indexing: bool = False) -> None:
        said.append(text)
        set_status(self, text, indexing=indexing)

    monkeypatch.setattr(ConversationList, "_set_status", recording)
    with pseudo_language() if language == "pseudo" else contextlib.nullcontext():
        app = build_app(language="en" if language == "pseudo" else language)
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await wait_for(pilot, lambda: screen.sidebar.count == 140)
            await wait_for(pilot, lambda: ConversationStore(data_dir).text_progress().complete)
            await wait_for(pilot, lambda: screen.sidebar.query_one("#list-status").display is False)
    shown = [text for text in said if text]
    if language == "pseudo":
        reading = pseudo("Reading {read} / {total} conversations…")
        indexing = pseudo("Search index: {indexed} / {total}…")
    else:
        reading, indexing = (
            "Leyendo {read} / {total} conversaciones…",
            "Índice de búsqueda: {indexed} / {total}…",
        )
    pattern = "|".join(re.escape(text).replace(r"\{read\}", "[0-9]+").replace(r"\{indexed\}", "[0-9]+")
                       .replace(r"\{total\}", "140") for text in (reading, indexing))  # fmt: skip
    assert shown and all(re.fullmatch(pattern, text) for text in shown), shown
    assert any(text.startswith(reading[:5]) for text in shown)
    assert any(text.startswith(indexing[:5]) for text in shown)
    if language == "pseudo":
        assert_translated("\n".join(shown), [])


# -- the controllers' notifications -----------------------------------------------------------------


async def test_the_notifications_of_the_list_and_conversation_actions_come_from_the_catalog(
    build_app, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(data_dir)
    monkeypatch.chdir(tmp_path)
    with pseudo_language():
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await wait_for(pilot, lambda: screen.sidebar.count == 5)
            await pilot.press("ctrl+s")  # a new conversation: nothing to export
            await pilot.press("ctrl+b")  # the welcome is the last reply
            await pilot.press("ctrl+l", "ctrl+z")  # nothing to undo
            listing = screen.sidebar
            listing.options.highlighted = listing.options.get_option_index(DAMAGED_ID)
            await pilot.press("ctrl+d")  # a damaged file cannot be deleted
            await wait_for(pilot, lambda: len(app._notifications) == 4)
            listing.options.highlighted = listing.options.get_option_index(OPEN_ID)
            await pilot.press("ctrl+d")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            question = " ".join(region_text(app, app.screen.query_one(".dialog-question")).split())
            asked = pseudo("Delete “{title}”? It goes to the trash; ctrl+z in the list undoes it.")
            assert asked.format(title="Viaje Kioto") in question
            assert_translated(question)
            await pilot.press("y")
            await wait_for(pilot, lambda: listing.count == 4)
            await pilot.press("ctrl+z")
            await wait_for(pilot, lambda: listing.count == 5)
            await wait_for(pilot, lambda: len(app._notifications) == 6)
            said = notified(app)
    path = data_dir / "conversations" / f"{DAMAGED_ID}.json"
    allowed = [*DATA, *words_of(str(path))]
    assert_translated("\n".join(said), allowed)
    assert pseudo("Nothing to export yet.") in said[0]
    assert pseudo("Last reply copied to the clipboard.") in said[1]
    assert pseudo("Nothing left to undo in this session.") in said[2]
    assert pseudo("Repair or remove it by hand: {path}").format(path=path) in said[3]
    deleted = pseudo("Deleted “{title}”. ctrl+z in the list brings it back.")
    assert deleted.format(title="Viaje Kioto") in said[4]
    assert pseudo("Restored “{title}”.").format(title="Viaje Kioto") in said[5]


async def test_export_context_and_copy_notifications_come_from_the_catalog(
    build_app, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(data_dir)
    monkeypatch.chdir(tmp_path)
    with pseudo_language():
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_seeded(pilot, app)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
            await pilot.press("enter")
            await wait_for(pilot, lambda: len(app._notifications) == 1)
            await pilot.press("f4")
            await wait_for(pilot, lambda: isinstance(app.screen, ContextEditorScreen))
            app.screen.query_one("#context-text", TextArea).load_text('{"tz": "Asia/Tokyo"}')
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: len(app._notifications) == 2)
            reply = next(b for b in app.query(AssistantBlock) if b.message.id == "m-6")
            reply.focus()
            await pilot.press("c", "y")
            await wait_for(pilot, lambda: len(app._notifications) == 4)
            app.query(ToolCallBlock).first().focus()
            await pilot.press("c")
            await wait_for(pilot, lambda: len(app._notifications) == 5)
            said = notified(app)
            assert screen.conversation is not None and screen.conversation.context == {"tz": "Asia/Tokyo"}
    exported = sorted(tmp_path.glob("*.md"))
    assert len(exported) == 1
    assert_translated("\n".join(said), [*DATA, *words_of(str(exported[0]))])
    assert said[0] == pseudo("Exported") + " " + pseudo("Exported to {path}").format(path=exported[0])
    assert said[1] == pseudo("Context saved; the model sees it from the next message.")
    assert said[2:] == [
        pseudo("Message copied to the clipboard."),
        pseudo("This message has no code block."),
        pseudo("Tool call copied as JSON."),
    ]


# -- the search screen ----------------------------------------------------------------------------


async def test_the_search_screen_shows_only_catalog_texts(build_app, data_dir: Path) -> None:
    seed(data_dir)
    with pseudo_language():
        app = build_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = main(app)
            await wait_for(pilot, lambda: screen.sidebar.count == 5)
            await pilot.press("ctrl+f")
            await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
            search = app.screen
            body = search.query_one("#search-body")
            await wait_for(pilot, lambda: pseudo("Type to search") in region_text(app, body))
            empty = region_text(app, body)
            await pilot.press(*"plomo")
            await wait_for(pilot, lambda: pseudo("match, newest first") in region_text(app, body))
            one = region_text(app, body)
            await pilot.press("ctrl+r", "ctrl+o")  # role: user; errors only
            query = search.query_one("#search-query", Input)
            query.value = "berenjena"
            await wait_for(pilot, lambda: pseudo("No matches.") in region_text(app, body))
            none = region_text(app, body)
            query.value = ""
            await pilot.press("ctrl+r", "ctrl+o")  # role: assistant; errors off
            await wait_for(pilot, lambda: pseudo("matches, newest first") in region_text(app, body))
            many = region_text(app, body)
    shown = "\n".join([empty, one, none, many])
    assert_translated(without_json(shown), DATA)  # the snippet of a tool result is its JSON
    assert pseudo("Search every conversation") in empty
    assert pseudo("Enter opens the conversation at that message · ↓ results · Esc closes") in empty
    assert pseudo("tool result") in one and pseudo("error") in one
    assert pseudo("user") in none and pseudo("on") in none
    assert pseudo("reply") in many and pseudo("assistant") in many


# -- Spanish --------------------------------------------------------------------------------------


async def test_in_spanish_the_chat_list_status_composer_and_search_speak_spanish(
    build_app, data_dir: Path
) -> None:
    seed(data_dir)
    app = build_app(language="es")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, app)
        await wait_for(pilot, lambda: not screen.chat.has_older)
        pane = region_text(app, screen.query_one("#chat-pane"))
        sidebar = region_text(app, screen.sidebar)
        assert "Reintentar (ctrl+r)" in pane
        assert "El proveedor está limitando las peticiones." in pane
        assert "3 mensajes anteriores no enviados al modelo" in pane
        assert "11 mensajes" in region_text(app, screen.status)
        assert "Mensaje… (Enter envía" in region_text(app, screen.composer)
        assert "Filtrar conversaciones…" in sidebar and "(sin título)" in sidebar
        assert "archivo dañado" in sidebar
        assert "hace 1 h" in sidebar
        assert "hace 21 h · gpt-4o-mini · 3 llamadas" in prompt_of(screen.sidebar, CALLS_ID)
        divider = next(item for item in screen.chat._items if item.kind == "divider")
        assert divider.text.startswith("1 d 2 h de inactividad — nueva sesión — ")
        screen.chat.scroll_home(animate=False)
        await pilot.pause(0.2)
        top = region_text(app, screen.chat)
        assert "Tú · ayer" in top and "Respuesta interrumpida." in top
        await pilot.press("ctrl+n", "ctrl+s")
        await wait_for(pilot, lambda: app._notifications)
        assert "Aún no hay nada que exportar." in notified(app)[0]
        await pilot.press("ctrl+f")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        body = app.screen.query_one("#search-body")
        await pilot.press(*"plomo")
        await wait_for(pilot, lambda: "resultado de herramienta" in region_text(app, body))
        search = region_text(app, body)
        assert "Buscar en todas las conversaciones" in search
        assert "1 resultado" in search and "rol: todos" in search and "solo errores: no" in search
