"""The main flows of the TUI, driven with Pilot against the real engine and the loopback scripted server."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest
from scripted_server import error, slow_stream, stall, text, tool_calls

from tests.ui.conftest import Clock, screen_text, wait_for
from tui_chat.engine.models import AssistantMessage, Conversation, Session, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.ui.controllers import turn_view as turn_view_module
from tui_chat.ui.screens.dialogs import ConfirmDialog, RenameDialog
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_notices import ErrorBlock, Notice, SessionDivider
from tui_chat.ui.widgets.chat_view import ChatView
from tui_chat.ui.widgets.composer import Composer
from tui_chat.ui.widgets.conversation_list import ConversationList
from tui_chat.ui.widgets.live_reply import LiveReply
from tui_chat.ui.widgets.message_widgets import AssistantBlock, UserBlock
from tui_chat.ui.widgets.tool_call_block import ToolCallBlock

SIZE = (140, 40)


def main(app) -> MainScreen:
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


async def send(pilot, message: str) -> None:
    composer = pilot.app.query_one(Composer)
    composer.focus()
    composer.load_text(message)
    await pilot.press("enter")


def chat_text(app) -> str:
    """What the chat pane shows, its lines joined: a test does not depend on where a line wraps."""
    region = app.query_one(ChatView).region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    text = " ".join(line[region.x : region.right] for line in lines)
    return " ".join(text.translate({ord(c): " " for c in "█▌▎▊"}).split())  # without the message borders


def stored(data_dir: Path) -> list[Conversation]:
    store = ConversationStore(data_dir)
    return [store.load(summary.id) for summary in store.list_conversations() if not summary.damaged]


async def test_starts_with_a_new_conversation_showing_the_welcome_and_the_composer_focused(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "virtual assistant" in screen_text(app))
        assert isinstance(app.focused, Composer)
        blocks = list(app.query(AssistantBlock))
        assert len(blocks) == 1 and blocks[0].message.welcome
        assert "virtual assistant" in screen_text(app)


async def test_send_streams_the_reply_and_saves_it(make_app, scripted_server, data_dir) -> None:
    reply = "Hello **there**, here is some code:\n\n```python\nprint(1)\n```\n"
    scripted_server.script(text(reply, delay=0.01))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hi")
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert [block.message.content for block in app.query(UserBlock)] == ["hi"]
        reply = app.query_one(LiveReply)
        assert "print(1)" in reply.source
        assert app.query_one(Composer).text == ""
        assert "hi" in screen_text(app)
        assert app.query_one(ConversationList).count == 1
    (conversation,) = stored(data_dir)
    assert conversation.messages()[-1].content.startswith("Hello **there**")


async def test_a_tool_call_is_shown_inline_and_in_the_inspector(make_app, scripted_server) -> None:
    scripted_server.script(tool_calls([("get_time", '{"tz": "UTC"}')]), text("It is noon."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "what time is it?")
        await wait_for(pilot, lambda: not main(app).turn_running)
        block = app.query_one(ToolCallBlock)
        assert block.result is not None and block.result.ok
        assert "get_time" in screen_text(app) and "✓" in screen_text(app)
        inspector = app.query_one("#inspector")
        assert inspector.call_ids == ["call_001"]
        block.focus()
        await pilot.press("enter")
        assert block.expanded
        await wait_for(pilot, lambda: '"time": "12:00"' in screen_text(app))
        await pilot.press("ctrl+o")
        assert not block.expanded


async def test_escape_cancels_the_reply_and_keeps_partial_text(make_app, scripted_server, data_dir) -> None:
    scripted_server.script(slow_stream([f"word{i} " for i in range(200)], 0.05))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "talk slowly")
        await wait_for(pilot, lambda: "word2" in "".join(r.message.content for r in app.query(LiveReply)))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not main(app).turn_running)
        reply = app.query_one(LiveReply)
        assert reply.has_class("interrupted")
        assert "interrupted" in screen_text(app).lower()
    reply_message = stored(data_dir)[0].messages()[-1]
    assert isinstance(reply_message, AssistantMessage)
    assert reply_message.interrupted and reply_message.content.startswith("word0 word1")


async def test_idle_reset_shows_a_divider(make_app, scripted_server) -> None:
    clock = Clock()
    app = make_app(idle_reset_minutes=20, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first")
        await wait_for(pilot, lambda: not main(app).turn_running)
        clock.advance(minutes=19)
        await send(pilot, "still the same session")
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert not app.query(SessionDivider)
        clock.advance(minutes=21)
        await send(pilot, "second")
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert len(app.query(SessionDivider)) == 1
        await wait_for(pilot, lambda: "idle 21 min — new session ──" in screen_text(app))
        assert "earlier messages are not sent to the model" in screen_text(app)
        welcomes = [block for block in app.query(AssistantBlock) if block.message.welcome]
        assert len(welcomes) == 2


def seed(data_dir: Path, title: str) -> Conversation:
    store = ConversationStore(data_dir)
    session = Session(reason="new")
    session.messages += [AssistantMessage(content="Welcome!", welcome=True), UserMessage(content="hello")]
    session.messages.append(AssistantMessage(content="Hi there."))
    conversation = Conversation(id=store.new_id("local"), title=title, user_id="local", model="m")
    conversation.sessions.append(session)
    store.save(conversation)
    return conversation


async def test_delete_asks_first_and_can_be_undone(make_app, data_dir) -> None:
    seed(data_dir, "Keep me")
    seed(data_dir, "Delete me")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await wait_for(pilot, lambda: listing.count == 2)
        await pilot.press("ctrl+l")
        listing.options.highlighted = 0
        await pilot.press("delete")
        await wait_for(pilot, lambda: "Delete “Delete me”?" in screen_text(app))
        await pilot.press("y")
        await wait_for(pilot, lambda: listing.count == 1)
        assert [c.title for c in stored(data_dir)] == ["Keep me"]
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: listing.count == 2)
        assert sorted(c.title for c in stored(data_dir)) == ["Delete me", "Keep me"]


async def test_a_damaged_file_is_listed_and_opening_it_does_not_crash(make_app, data_dir) -> None:
    seed(data_dir, "Fine")
    damaged = data_dir / "conversations" / "chat-local-20250101-000000-dead.json"
    damaged.write_text('{"format_version": 1, "id": ', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await wait_for(pilot, lambda: listing.count == 2)
        summary = listing.summary(damaged.stem)
        assert summary is not None and summary.damaged
        await pilot.press("ctrl+l")
        listing.options.highlighted = listing.options.get_option_index(damaged.stem)
        await wait_for(pilot, lambda: "damaged" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: main(app).conversation is None)
        await wait_for(pilot, lambda: "✗" in screen_text(app))
    assert damaged.read_text(encoding="utf-8") == '{"format_version": 1, "id": '


async def test_markup_and_escape_sequences_in_a_reply_are_shown_literally(make_app, scripted_server) -> None:
    nasty = "[bold]x[/] [/] [link=https://e.x]y[/link] \x1b[31mred\x1b[0m [@click=app.quit]q[/]"
    scripted_server.script(text(nasty))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "[bold]mine[/]")
        await wait_for(pilot, lambda: not main(app).turn_running)
        shown = screen_text(app)
        assert "[bold]mine[/]" in shown
        assert "[bold]x[/] [/] [link=https://e.x]y[/link]" in shown
        assert "␛[31mred" in shown
        # Reopened from the file: the finished message is a Rich-markdown Static, also literal.
        conversation_id = main(app).conversation.id
        main(app).open_conversation(conversation_id)
        await wait_for(pilot, lambda: len(app.query(AssistantBlock)) == 2)
        await wait_for(pilot, lambda: "[bold]x[/] [/] [link=https://e.x]y[/link]" in screen_text(app))
        assert app.is_running


async def test_a_provider_error_is_shown_with_retry_and_the_message_is_kept(
    make_app, scripted_server, data_dir
) -> None:
    scripted_server.script(error(400, message="The model does not exist."), text("Now it works."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "please answer")
        await wait_for(pilot, lambda: app.query(ErrorBlock))
        await wait_for(pilot, lambda: not main(app).turn_running)
        await wait_for(pilot, lambda: "The provider rejected the request" in screen_text(app))
        assert "The model does not exist." in chat_text(app)
        assert not app._notifications, "the error has its block; no second copy as a notification"
        assert [block.message.content for block in app.query(UserBlock)] == ["please answer"]
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: app.query(LiveReply))
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert "Now it works." in app.query_one(LiveReply).source
        assert app.query_one(ErrorBlock).has_class("-spent")
    user_messages = [m for m in stored(data_dir)[0].messages() if isinstance(m, UserMessage)]
    assert [m.content for m in user_messages] == ["please answer"]


async def test_a_send_without_a_key_is_refused_at_once_and_the_text_is_kept(
    make_app, scripted_server, data_dir, monkeypatch
) -> None:
    app = make_app()
    app.config.model.api_key_env = "TUI_CHAT_TEST_MISSING_KEY"
    monkeypatch.delenv("TUI_CHAT_TEST_MISSING_KEY", raising=False)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello?")
        await wait_for(pilot, lambda: "TUI_CHAT_TEST_MISSING_KEY" in notified(app))
        assert not main(app).turn_running
        assert app.query_one(Composer).text == "hello?"  # refused, not dropped
        assert not app.query(UserBlock) and not app.query(LiveReply)
        assert app.query_one("#banner").display
        assert "No model is configured" in screen_text(app) and "F3" in screen_text(app)
    assert scripted_server.requests == [] and stored(data_dir) == []


async def test_chat_view_mounts_a_window_and_loads_older_messages_at_the_top(make_app, data_dir) -> None:
    store = ConversationStore(data_dir)
    session = Session(reason="new")
    for number in range(300):
        session.messages.append(UserMessage(content=f"question {number}"))
        session.messages.append(AssistantMessage(content=f"answer {number}"))
    conversation = Conversation(id=store.new_id("local"), title="Long", user_id="local", model="m")
    conversation.sessions.append(session)
    store.save(conversation)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main(app).open_conversation(conversation.id)
        chat = app.query_one(ChatView)
        await wait_for(pilot, lambda: chat.mounted_count > 0)
        await wait_for(pilot, lambda: "answer 299" in screen_text(app))
        # A short first window is topped up after the first paint: there must be room to scroll up.
        await wait_for(pilot, lambda: chat.max_scroll_y >= chat.size.height and not chat._loading)
        assert chat.mounted_count <= 60  # a window, not the 600 messages
        assert "answer 299" in screen_text(app)
        chat.scroll_home(animate=False)
        await wait_for(pilot, lambda: chat.mounted_count > 60)


# -- races between a turn and what the chat pane shows -------------------------------------------------


def notified(app) -> str:
    """The texts of the notifications shown so far."""
    return "\n".join(notification.message for notification in app._notifications)


def user_texts(app) -> list[str]:
    return [block.message.content for block in app.query(UserBlock)]


@pytest.fixture
def slow_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opening a conversation takes 0.4 s, so the user can act while it is still loading."""
    load = ConversationStore.load

    def slow(self: ConversationStore, conversation_id: str):
        time.sleep(0.4)
        return load(self, conversation_id)

    monkeypatch.setattr(ConversationStore, "load", slow)


async def test_a_message_sent_while_a_conversation_is_opening_is_shown_in_it(
    make_app, scripted_server, data_dir, slow_load
) -> None:
    """The turn used to run on the conversation being replaced, and its user block vanished with it."""
    opened = seed(data_dir, "Slow to open")
    scripted_server.script(text("Answer."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await wait_for(pilot, lambda: listing.count == 1)
        await pilot.press("ctrl+l", "enter")
        await send(pilot, "zebra question")
        await wait_for(pilot, lambda: app.query(LiveReply) and not main(app).turn_running)
        await wait_for(pilot, lambda: "zebra question" in screen_text(app))
        assert main(app).conversation.id == opened.id
        assert user_texts(app) == ["hello", "zebra question"]
    (conversation,) = stored(data_dir)
    assert [m.content for m in conversation.messages() if isinstance(m, UserMessage)][-1] == "zebra question"


async def test_the_first_message_and_one_after_an_idle_reset_are_always_shown(
    make_app, scripted_server
) -> None:
    clock = Clock()
    app = make_app(idle_reset_minutes=20, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first at once")  # no pause: start-up work may still be running
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert user_texts(app) == ["first at once"]
        clock.advance(minutes=21)
        await send(pilot, "after the reset")
        await wait_for(pilot, lambda: not main(app).turn_running)
        await wait_for(pilot, lambda: "after the reset" in screen_text(app))
        assert app.query(SessionDivider)
        assert user_texts(app) == ["first at once", "after the reset"]


def live_text(app) -> str:
    return "".join(reply.message.content for reply in app.query(LiveReply))


async def test_a_reply_keeps_streaming_in_a_new_conversation_and_is_shown_live_on_return(
    make_app, scripted_server, data_dir
) -> None:
    words = [f"word{i} " for i in range(60)]
    scripted_server.script(slow_stream(words, 0.05))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await send(pilot, "talk slowly")
        await wait_for(pilot, lambda: "word2" in live_text(app))
        first = main(app).conversation
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: main(app).conversation is not first)
        assert [block.message.welcome for block in app.query(AssistantBlock)] == [True]
        assert not app.query(LiveReply) and "interrupted" not in screen_text(app).lower()
        # The list marks the conversation whose reply is still coming.
        await wait_for(pilot, lambda: listing.mark_of(first.id) == "running")
        assert "replying" in screen_text(app)
        grown = len(first.messages()[-1].content)
        await wait_for(pilot, lambda: len(first.messages()[-1].content) > grown + 20)  # it streams on
        # Back to it: what came so far, then live.
        main(app).open_conversation(first.id)
        await wait_for(pilot, lambda: main(app).conversation is first and app.query(LiveReply))
        shown = len(live_text(app))
        await wait_for(pilot, lambda: len(live_text(app)) > shown + 10)
        assert live_text(app).startswith("word0 word1")
        assert user_texts(app) == ["talk slowly"]
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert live_text(app) == "".join(words)
        assert listing.mark_of(first.id) == ""
    (saved,) = stored(data_dir)
    reply = saved.messages()[-1]
    assert reply.content == "".join(words) and not reply.interrupted and not reply.partial


async def test_a_reply_finished_elsewhere_is_complete_on_disk_and_marked_unseen(
    make_app, scripted_server, data_dir
) -> None:
    older = seed(data_dir, "older conversation")
    scripted_server.script(
        tool_calls([("get_time", '{"tz": "UTC"}')]), slow_stream(["It ", "is ", "noon."], 0.2)
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await wait_for(pilot, lambda: listing.count == 1)
        await send(pilot, "what time is it?")
        await wait_for(pilot, lambda: app.query(ToolCallBlock))
        first = main(app).conversation
        main(app).open_conversation(older.id)  # browse another one while the turn goes on
        await wait_for(
            pilot, lambda: main(app).conversation is not None and main(app).conversation.id == older.id
        )
        await wait_for(pilot, lambda: listing.mark_of(first.id) == "unseen", timeout=20)
        assert "new reply" in screen_text(app)
        assert user_texts(app) == ["hello"]  # nothing of the other turn landed here
        (saved,) = [c for c in stored(data_dir) if c.id == first.id]
        tool, reply = saved.messages()[-2:]
        assert tool.role == "tool" and tool.ok
        assert reply.content == "It is noon." and not reply.interrupted
        main(app).open_conversation(first.id)
        await wait_for(
            pilot, lambda: main(app).conversation is not None and main(app).conversation.id == first.id
        )
        await wait_for(pilot, lambda: listing.mark_of(first.id) == "")
        assert "It is noon." in screen_text(app)


async def test_opening_another_conversation_during_a_reply_keeps_it_highlighted(
    make_app, scripted_server, data_dir
) -> None:
    older = seed(data_dir, "older conversation")
    scripted_server.script(slow_stream([f"word{i} " for i in range(200)], 0.05))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = app.query_one(ConversationList)
        await wait_for(pilot, lambda: listing.count == 1)
        await send(pilot, "talk slowly")
        await wait_for(pilot, lambda: "word2" in "".join(r.message.content for r in app.query(LiveReply)))
        main(app).open_conversation(older.id)
        await wait_for(pilot, lambda: not main(app).turn_running and main(app).conversation is not None)
        await wait_for(pilot, lambda: listing.count == 2)
        await pilot.pause(0.2)  # time for a late update to move the highlight away
        await wait_for(pilot, lambda: highlighted_title(listing) == "older conversation")
        assert main(app).conversation.id == older.id
        assert listing.current_id == older.id


# -- the conversation list ----------------------------------------------------------------------------


async def list_of(pilot, data_dir: Path, titles: list[str]) -> ConversationList:
    """Seed ``titles`` (the first is the newest) and wait until the list shows them."""
    for title in reversed(titles):
        seed(data_dir, title)
        await asyncio.sleep(0.002)  # distinct last_activity: the list order is the seed order
    listing = pilot.app.query_one(ConversationList)
    main(pilot.app).load_list()
    await wait_for(pilot, lambda: listing.count == len(titles))
    return listing


def highlighted_title(listing: ConversationList) -> str | None:
    option = listing.options.highlighted_option
    return None if option is None else listing.summary(option.id).title


async def test_typing_in_the_list_filters_with_every_letter_and_never_triggers_an_action(
    make_app, data_dir
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = await list_of(pilot, data_dir, ["debug notes", "ted talk", "groceries"])
        await pilot.press("ctrl+l", *"notes")
        assert listing.filter_text == "notes"
        assert isinstance(app.screen, MainScreen) and listing.count == 3  # no dialog, no new conversation
        assert listing.options.option_count == 1 and highlighted_title(listing) == "debug notes"
        await pilot.press("backspace")
        assert listing.filter_text == "note"
        await pilot.press("ctrl+u", *"ted")
        assert listing.filter_text == "ted"
        assert listing.options.has_focus and highlighted_title(listing) == "ted talk"
        await pilot.press("escape")
        assert listing.filter_text == "" and listing.options.option_count == 3
        await pilot.press(*"debug")
        assert isinstance(app.screen, MainScreen) and listing.filter_text == "debug"


async def test_after_filtering_in_the_box_down_then_enter_opens_the_first_match(make_app, data_dir) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = await list_of(pilot, data_dir, ["alpha", "ted talk", "ted again"])
        await pilot.click("#filter")
        await pilot.press(*"ted", "down", "enter")
        await wait_for(pilot, lambda: main(app).conversation is not None and main(app).conversation.title)
        assert main(app).conversation.title == "ted talk"
        # Typed in the list itself, Enter opens the highlighted best match too.
        await pilot.press("ctrl+l", "ctrl+u", *"again", "enter")
        await wait_for(pilot, lambda: main(app).conversation.title == "ted again")
        assert highlighted_title(listing) == "ted again"


async def test_after_a_delete_the_neighbour_is_highlighted_and_every_delete_can_be_undone(
    make_app, data_dir
) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = await list_of(pilot, data_dir, ["one", "two", "three", "four"])
        await pilot.press("ctrl+l", "down")
        assert highlighted_title(listing) == "two"
        await pilot.press("delete")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: listing.count == 3)
        assert highlighted_title(listing) == "three"  # the row that took its place, not the last one
        await pilot.press("up", "up")
        assert highlighted_title(listing) == "one"  # the highlight stops at the top instead of wrapping
        await pilot.press("ctrl+d", "y")
        await wait_for(pilot, lambda: listing.count == 2)
        assert highlighted_title(listing) == "three"
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: listing.count == 3)
        await pilot.press("ctrl+z")
        await wait_for(pilot, lambda: listing.count == 4)
        assert sorted(c.title for c in stored(data_dir)) == ["four", "one", "three", "two"]


async def test_renaming_keeps_the_conversation_in_its_place(make_app, data_dir) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        listing = await list_of(pilot, data_dir, ["one", "two", "three"])
        await pilot.press("ctrl+l", "down", "down", "ctrl+e")
        await wait_for(pilot, lambda: isinstance(app.screen, RenameDialog))
        await pilot.press("ctrl+u", *"renamed", "enter")
        await wait_for(
            pilot, lambda: listing.summary(listing.options.highlighted_option.id).title == "renamed"
        )
        titles = [listing.summary(option.id).title for option in listing.options.options]
        assert titles == ["one", "two", "renamed"]


# -- damaged files ------------------------------------------------------------------------------------


def damaged_file(data_dir: Path) -> Path:
    seed(data_dir, "Fine")
    path = data_dir / "conversations" / "chat-local-20250101-000000-dead.json"
    path.write_text('{"format_version": 1, "id": ', encoding="utf-8")
    return path


async def open_damaged(pilot, path: Path) -> ConversationList:
    listing = pilot.app.query_one(ConversationList)
    await wait_for(pilot, lambda: listing.count == 2)
    await pilot.press("ctrl+l")
    listing.options.highlighted = listing.options.get_option_index(path.stem)
    return listing


async def test_sending_while_a_damaged_file_is_shown_opens_a_new_conversation_with_its_welcome(
    make_app, scripted_server, data_dir
) -> None:
    path = damaged_file(data_dir)
    scripted_server.script(text("Fresh start."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_damaged(pilot, path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: main(app).conversation is None and app.query(Notice))
        await send(pilot, "new words")
        await wait_for(pilot, lambda: app.query(LiveReply) and not main(app).turn_running)
        await wait_for(pilot, lambda: not app.query(Notice))  # the damaged file's error is gone with it
        assert [block.message.welcome for block in app.query(AssistantBlock)] == [True]
        assert user_texts(app) == ["new words"]
        assert "starts a new conversation" in notified(app)
    assert path.read_text(encoding="utf-8") == '{"format_version": 1, "id": '


async def test_delete_on_a_damaged_file_says_at_once_that_it_cannot_be_deleted(make_app, data_dir) -> None:
    path = damaged_file(data_dir)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_damaged(pilot, path)
        await pilot.press("delete")
        await wait_for(pilot, lambda: "cannot delete it" in notified(app))
        assert isinstance(app.screen, MainScreen)  # no "Delete …?" question that ends in a refusal
    assert path.exists()


# -- the setup banner and the status line ---------------------------------------------------------------


def banner_shown(app) -> bool:
    return bool(app.query_one("#banner").display)


async def test_a_missing_key_is_shown_from_the_start_and_settings_re_check_it(make_app, monkeypatch) -> None:
    monkeypatch.delenv("TUI_CHAT_TEST_MISSING_KEY", raising=False)
    app = make_app()
    app.config.model.api_key_env = "TUI_CHAT_TEST_MISSING_KEY"
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "TUI_CHAT_TEST_MISSING_KEY" in screen_text(app))
        assert banner_shown(app)
        assert "No model is configured" in screen_text(app)
        monkeypatch.setenv("TUI_CHAT_TEST_MISSING_KEY", "sk-test")
        app.apply_config(app.config)
        await wait_for(pilot, lambda: not banner_shown(app))


async def test_the_banner_goes_once_the_model_answers_and_on_another_conversation(
    make_app, scripted_server
) -> None:
    scripted_server.script(
        error(401), slow_stream([f"word{i} " for i in range(100)], 0.05), error(401), error(400)
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "one")
        await wait_for(pilot, lambda: not main(app).turn_running and banner_shown(app))
        await send(pilot, "two")  # a reply that streams, then is cancelled
        await wait_for(pilot, lambda: "word1" in "".join(r.message.content for r in app.query(LiveReply)))
        assert not banner_shown(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not main(app).turn_running)
        await send(pilot, "three")
        await wait_for(pilot, lambda: not main(app).turn_running and banner_shown(app))
        await send(pilot, "four")  # a 400: the provider was reached, it refused this request
        await wait_for(pilot, lambda: not main(app).turn_running and len(app.query(ErrorBlock)) == 3)
        assert not banner_shown(app)
    scripted_server.script(error(401))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "one")
        await wait_for(pilot, lambda: not main(app).turn_running and banner_shown(app))
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: not banner_shown(app))


async def test_the_status_says_the_model_client_is_loading_until_it_is(
    make_app, scripted_server, monkeypatch
) -> None:
    loaded = False
    monkeypatch.setattr(turn_view_module, "is_imported", lambda: loaded)
    scripted_server.script(stall(1.0, text("Late.")))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "hello")
        await wait_for(pilot, lambda: "loading the model client" in screen_text(app))
        loaded = True
        await wait_for(pilot, lambda: "waiting for the reply" in screen_text(app))
        assert "streaming" not in screen_text(app)
        await wait_for(pilot, lambda: not main(app).turn_running)


async def test_the_composer_hint_is_not_cut_off(make_app) -> None:
    for size in (SIZE, (90, 30), (200, 40)):
        app = make_app()
        async with app.run_test(size=size) as pilot:
            composer = app.query_one(Composer)
            hint = composer.placeholder
            await wait_for(pilot, lambda hint=hint, app=app: bool(hint) and hint in screen_text(app))
            assert len(hint) < composer.content_size.width


async def test_a_message_sent_while_a_damaged_file_is_opening_starts_a_new_conversation(
    make_app, scripted_server, data_dir, slow_load
) -> None:
    path = damaged_file(data_dir)
    scripted_server.script(text("Fresh start."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_damaged(pilot, path)
        await pilot.press("enter")
        await send(pilot, "early words")
        await wait_for(pilot, lambda: app.query(LiveReply) and not main(app).turn_running)
        assert user_texts(app) == ["early words"]
        assert [block.message.welcome for block in app.query(AssistantBlock)] == [True]


# -- quitting, keys, the disk --------------------------------------------------------------------------


async def test_quitting_with_replies_running_asks_then_stops_them_saved_and_interrupted(
    make_app, scripted_server, data_dir
) -> None:
    words = [f"word{i} " for i in range(400)]
    scripted_server.script(slow_stream(words, 0.05), slow_stream(words, 0.05))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "talk slowly")
        await wait_for(pilot, lambda: "word2" in live_text(app))
        await pilot.press("ctrl+n")  # that reply goes on in a conversation that is not shown
        await send(pilot, "you too")  # and this one is shown
        await wait_for(pilot, lambda: "word2" in live_text(app))
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "2 replies are still coming" in screen_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert app.is_running and len(app.workspace.running_ids) == 2
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_code == 0  # stopped cleanly: no traceback on the way out
    saved = stored(data_dir)
    assert len(saved) == 2
    for conversation in saved:
        reply = conversation.messages()[-1]
        assert isinstance(reply, AssistantMessage)
        assert reply.interrupted and not reply.partial and reply.content.startswith("word0 word1 word2")


async def test_quitting_with_nothing_running_does_not_ask(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: not app.is_running)


NO_KEY_SCRIPT = """
import asyncio, sys, time
from pathlib import Path
from tui_chat.config import Config, ModelSettings, ToolSettings
from tui_chat.ui.app import TuiChatApp
from tui_chat.ui.widgets.composer import Composer


async def until(pilot, predicate):
    deadline = time.monotonic() + 30
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await pilot.pause(0.05)


async def main():
    config = Config(model=ModelSettings(name="openai/gpt-4o-mini"), tools=ToolSettings(examples=False))
    app = TuiChatApp(config, Path(sys.argv[1]))  # warm-up on, as a user runs it
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app._litellm_started)  # the list has loaded: the warm-up point
        composer = app.query_one(Composer)
        composer.focus()
        composer.load_text("hello?")
        await pilot.press("enter")
        await until(pilot, lambda: any("OPENAI_API_KEY" in n.message for n in app._notifications))
        print("composer:", composer.text)
        print("litellm imported:", "litellm" in sys.modules)


asyncio.run(main())
"""


def test_a_send_without_a_key_is_refused_without_importing_litellm(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    env.pop("OPENAI_API_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", NO_KEY_SCRIPT, str(tmp_path / "data")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "composer: hello?" in done.stdout
    assert "litellm imported: False" in done.stdout


async def test_a_message_another_writer_adds_to_the_open_conversation_appears(make_app, data_dir) -> None:
    conversation = seed(data_dir, "Shared")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main(app).open_conversation(conversation.id)
        await wait_for(pilot, lambda: user_texts(app) == ["hello"])
        await pilot.pause(0.3)  # a poll or two with nothing new
        other = ConversationStore(data_dir)  # another process's store on the same folder
        theirs = other.load(conversation.id)
        theirs.current_session.messages += [
            UserMessage(content="from the other process"),
            AssistantMessage(content="an answer written elsewhere"),
        ]
        await asyncio.to_thread(other.save, theirs)
        await wait_for(pilot, lambda: user_texts(app) == ["hello", "from the other process"])
        await wait_for(pilot, lambda: "an answer written elsewhere" in screen_text(app))
        assert main(app).conversation.message_count() == 5


async def test_a_tui_chat_ask_in_another_process_shows_up_in_the_open_conversation(
    make_app, scripted_server, data_dir, tmp_path
) -> None:
    import sys

    conversation = seed(data_dir, "Shared with the CLI")
    scripted_server.script(text("The CLI got this answer."))
    config = tmp_path / "cli-config.toml"
    config.write_text(
        f'[model]\nname = "openai/scripted"\napi_base = "{scripted_server.base_url}"\n'
        "[tools]\nexamples = false\n",
        encoding="utf-8",
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "TUI_CHAT_CONFIG": str(config)}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        main(app).open_conversation(conversation.id)
        await wait_for(pilot, lambda: user_texts(app) == ["hello"])
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tui_chat", "--data-dir", str(data_dir), "ask",
            "--conversation", conversation.id, "asked from the CLI",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await cli.communicate()
        assert cli.returncode == 0, err.decode()
        await wait_for(pilot, lambda: "asked from the CLI" in user_texts(app))
        await wait_for(pilot, lambda: "The CLI got this answer." in screen_text(app))


async def test_a_save_that_fails_keeps_the_text_in_the_composer_and_names_the_file(
    make_app, scripted_server, data_dir, monkeypatch
) -> None:
    import errno

    save = ConversationStore.save

    def read_only(self: ConversationStore, conversation: Conversation) -> None:
        path = self.path_of(conversation.id)
        raise OSError(errno.EROFS, "Read-only file system", str(path.with_name(f".{path.stem}.tmp")))

    monkeypatch.setattr(ConversationStore, "save", read_only)
    scripted_server.script(text("Saved at last."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "words worth keeping")
        await wait_for(pilot, lambda: app.query_one(Composer).text == "words worth keeping")
        await wait_for(pilot, lambda: "Read-only file system" in chat_text(app))
        assert "Read-only file system" in notified(app)
        assert str(data_dir / "conversations") in notified(app)  # the message names the file
        assert not app.query(UserBlock) and app.is_running
        assert scripted_server.requests == []  # not saved, so not sent
        monkeypatch.setattr(ConversationStore, "save", save)  # the disk is writable again
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.query(LiveReply) and not main(app).turn_running)
        assert user_texts(app) == ["words worth keeping"]
    (conversation,) = stored(data_dir)
    assert [m.content for m in conversation.messages() if isinstance(m, UserMessage)] == [
        "words worth keeping"
    ]


async def test_escape_stops_only_the_reply_of_the_open_conversation(
    make_app, scripted_server, data_dir
) -> None:
    scripted_server.script(slow_stream([f"a{i} " for i in range(40)], 0.05), slow_stream(["b "] * 400, 0.05))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "first")
        await wait_for(pilot, lambda: "a2" in live_text(app))
        first = main(app).conversation
        await pilot.press("ctrl+n")
        await send(pilot, "second")
        await wait_for(pilot, lambda: "b b" in live_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert app.query_one(LiveReply).has_class("interrupted")
        assert app.workspace.turn(first.id) is not None  # the other reply goes on
        await wait_for(pilot, lambda: app.workspace.turn(first.id) is None)
    by_title = {c.title: c.messages()[-1] for c in stored(data_dir)}
    assert by_title["second"].interrupted
    assert (
        by_title["first"].content == "".join(f"a{i} " for i in range(40))
        and not by_title["first"].interrupted
    )


async def test_a_disk_that_fills_during_the_reply_keeps_the_message_and_says_why(
    make_app, scripted_server, data_dir, monkeypatch
) -> None:
    import errno

    save = ConversationStore.save
    saves = 0

    def full_after_the_first(self: ConversationStore, conversation: Conversation) -> None:
        nonlocal saves
        saves += 1
        if saves > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(self.path_of(conversation.id)))
        save(self, conversation)

    monkeypatch.setattr(ConversationStore, "save", full_after_the_first)
    scripted_server.script(text("A reply that cannot be saved."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "my message")
        await wait_for(pilot, lambda: "No space left on device" in notified(app))
        await wait_for(pilot, lambda: not main(app).turn_running)
        assert str(data_dir / "conversations") in notified(app)
        assert user_texts(app) == ["my message"] and app.query_one(Composer).text == ""
        assert "A reply that cannot be saved." in live_text(app)  # still on screen
        assert app.is_running and isinstance(app.screen, MainScreen)
    (conversation,) = stored(data_dir)  # the user's message was saved before the disk filled
    assert [m.content for m in conversation.messages() if isinstance(m, UserMessage)] == ["my message"]


EXIT_MID_REPLY_SCRIPT = """
import sys
from pathlib import Path
from tui_chat.config import Config, ModelSettings, ToolSettings
from tui_chat.ui import app as app_module
from tui_chat.ui.widgets.composer import Composer

base_url, data_dir = sys.argv[1], Path(sys.argv[2])


class EndsMidReply(app_module.TuiChatApp):
    CSS_PATH = [str(Path(app_module.__file__).with_name("app.tcss"))]

    def on_ready(self) -> None:
        composer = self.query_one(Composer)
        composer.load_text("talk slowly")
        composer.post_message(Composer.Submitted(composer, composer.text))
        self.set_interval(0.1, self._end_once_streaming)

    def _end_once_streaming(self) -> None:
        conversation = self.screen.conversation
        if conversation is not None and "word2" in conversation.messages()[-1].content:
            self.exit()  # not through ctrl+q: nobody is asked


app_module.TuiChatApp = EndsMidReply
config = Config(
    model=ModelSettings(name="openai/scripted", api_base=base_url, timeout=5),
    tools=ToolSettings(examples=False),
)
code = app_module.run_tui(config, data_dir)
print("exit code", code, flush=True)
"""


def test_a_reply_running_when_the_app_ends_without_asking_is_saved_interrupted(
    scripted_server, tmp_path: Path
) -> None:
    import subprocess
    import sys

    scripted_server.script(slow_stream([f"word{i} " for i in range(400)], 0.05))
    root = Path(__file__).resolve().parents[2]
    data_dir = tmp_path / "data"
    script = tmp_path / "ends_mid_reply.py"  # a file: Textual reads the app's source
    script.write_text(EXIT_MID_REPLY_SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script), scripted_server.base_url, str(data_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]  # run_tui ends the process with its code
    (conversation,) = stored(data_dir)
    reply = conversation.messages()[-1]
    assert isinstance(reply, AssistantMessage)
    assert reply.interrupted and reply.content.startswith("word0 word1 word2")


async def test_a_message_whose_save_fails_after_the_user_moved_on_comes_back(
    make_app, scripted_server, data_dir, monkeypatch
) -> None:
    import errno

    def slow_and_full(self: ConversationStore, conversation: Conversation) -> None:
        time.sleep(0.5)  # a slow disk: the user has left the conversation when it fails
        raise OSError(errno.ENOSPC, "No space left on device", str(self.path_of(conversation.id)))

    monkeypatch.setattr(ConversationStore, "save", slow_and_full)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await send(pilot, "do not lose me")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: "No space left on device" in notified(app))
        assert app.query_one(Composer).text == "do not lose me"
        assert "back in the composer" in notified(app)
    assert scripted_server.requests == []
