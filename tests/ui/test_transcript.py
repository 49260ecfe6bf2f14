"""A transcript you can read (issue 12 §4): who and when, the idle gap, the welcome once in exports,
scrolling and recalling from the composer, room to read, and export to a path the user picks.

Everything runs on the real app, store and files; the clock is the injectable one.
"""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

from tests.ui.conftest import FIXED_NOW, Clock, screen_text, wait_for
from tui_chat.engine.models import AssistantMessage, Conversation, Session, UserMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.ui.formatting import absolute_time
from tui_chat.ui.screens.export_dialog import ExportDialog
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.widgets.chat_notices import SessionDivider
from tui_chat.ui.widgets.chat_view import ChatView
from tui_chat.ui.widgets.message_widgets import UserBlock

SIZE = (140, 45)
MODEL = "openai/gpt-4o-mini"


def conversation_of(
    sessions: list[Session], *, title: str = "Reading", cid: str | None = None
) -> Conversation:
    first = sessions[0].started_at
    last = sessions[-1].messages[-1].created_at
    return Conversation(
        id=cid or "chat-local-20250314-100000-0001",
        title=title,
        user_id="local",
        model=MODEL,
        created_at=first,
        last_activity=last,
        sessions=sessions,
    )


def session_at(
    start, number: int, turns: list[tuple[str, str]], *, step: timedelta = timedelta(0)
) -> Session:
    """A session opening with the welcome, then (question, answer) turns ``step`` apart."""
    session = Session(id=f"s-{number}", started_at=start, reason="new" if number == 1 else "idle_reset")
    session.messages.append(
        AssistantMessage(content="Welcome to the chat!", welcome=True, id=f"m-{number}-w", created_at=start)
    )
    moment = start
    for index, (question, answer) in enumerate(turns):
        session.messages.append(UserMessage(content=question, id=f"m-{number}-u{index}", created_at=moment))
        session.messages.append(
            AssistantMessage(content=answer, id=f"m-{number}-a{index}", created_at=moment, model=MODEL)
        )
        moment += step
    return session


def save(data_dir: Path, conversation: Conversation) -> Conversation:
    ConversationStore(data_dir).save(conversation)
    return conversation


async def open_seeded(pilot, conversation: Conversation) -> MainScreen:
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, MainScreen))
    screen = pilot.app.screen
    assert isinstance(screen, MainScreen)
    await wait_for(pilot, lambda: bool(screen.query("#sidebar")) and screen.sidebar.count >= 1)
    screen.open_conversation(conversation.id)
    await wait_for(
        pilot, lambda: screen.conversation is not None and screen.conversation.id == conversation.id
    )
    await wait_for(pilot, lambda: screen.chat.mounted_count > 1)
    return screen


async def test_each_message_says_who_and_when_and_the_exact_time_on_focus(make_app, data_dir) -> None:
    clock = Clock()
    start = FIXED_NOW - timedelta(minutes=2)
    conversation = save(data_dir, conversation_of([session_at(start, 1, [("What is 2+2?", "It is 4.")])]))
    app = make_app(clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, conversation)
        await wait_for(pilot, lambda: "You · 2 min ago" in screen_text(app))
        assert "gpt-4o-mini · 2 min ago" in screen_text(app)  # the model's name, not its provider
        assert "Assistant · 2 min ago" in screen_text(app)  # the welcome has no model
        # The one timer brings the times on screen up to date.
        clock.advance(minutes=5)
        screen.chat.refresh_times()
        await wait_for(pilot, lambda: "You · 7 min ago" in screen_text(app))
        # Focused, a message shows its exact time; left, the relative one again.
        block = screen.query_one(UserBlock)
        block.focus()
        exact = absolute_time(block.message.created_at)
        await wait_for(pilot, lambda: f"You · {exact}" in screen_text(app))
        screen.composer.focus()
        await wait_for(pilot, lambda: "You · 7 min ago" in screen_text(app))


async def test_the_idle_divider_shows_the_gap_of_a_saved_and_of_a_live_reset(
    make_app, data_dir, scripted_server
) -> None:
    start = FIXED_NOW - timedelta(hours=5)
    later = start + timedelta(hours=3, minutes=12)
    saved = conversation_of(
        [session_at(start, 1, [("first", "one")]), session_at(later, 2, [("second", "two")])]
    )
    save(data_dir, saved)
    clock = Clock()
    app = make_app(idle_reset_minutes=20, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, saved)
        await wait_for(pilot, lambda: "idle 3 h 12 min — new session" in screen_text(app))
        # A reset while the app is open: the divider names the pause too.
        await screen.open_new_conversation()
        composer = screen.composer
        composer.load_text("hello")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.turn_running)
        clock.advance(minutes=42)
        composer.load_text("back again")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.turn_running and len(app.query(SessionDivider)) == 1)
        await wait_for(pilot, lambda: "idle 42 min — new session" in screen_text(app))


async def test_an_export_has_the_welcome_once_is_0600_at_the_chosen_path_and_says_where(
    make_app, data_dir, tmp_path
) -> None:
    start = FIXED_NOW - timedelta(days=1)
    sessions = [
        session_at(
            start + timedelta(hours=number * 2), number + 1, [(f"question {number}", f"answer {number}")]
        )
        for number in range(3)
    ]  # two idle resets, each session opening with the welcome
    conversation = save(data_dir, conversation_of(sessions, title="Three sessions"))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, conversation)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ExportDialog))
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        field = dialog.query_one("#export-path")
        assert Path(field.value).parent == Path.cwd()  # the default: the current folder
        assert Path(field.value).name == "three-sessions-2025-03-13.md"

        # A folder that does not exist: said in the dialog, which stays open.
        field.value = str(tmp_path / "missing" / "out.md")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "No such folder" in dialog.error)
        assert app.screen is dialog and str(tmp_path / "missing") in dialog.error
        # A folder instead of a file name.
        field.value = str(tmp_path)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "is a folder" in dialog.error)

        target = tmp_path / "exports" / "three.md"
        target.parent.mkdir()
        field.value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        await wait_for(pilot, lambda: any(str(target) in str(n.message) for n in app._notifications))
        assert screen.conversation is not None
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text(encoding="utf-8")
    assert text.count("Welcome to the chat!") == 1  # once, at the top
    assert text.index("Welcome to the chat!") < text.index("question 0")
    assert all(f"answer {number}" in text for number in range(3))
    assert text.count("new session") == 2  # both resets are still marked


async def test_up_and_down_walk_through_earlier_messages_and_bring_back_the_draft(make_app, data_dir) -> None:
    turns = [("one", "1"), ("two", "2"), ("three", "3")]
    conversation = save(data_dir, conversation_of([session_at(FIXED_NOW, 1, turns)]))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, conversation)
        composer = screen.composer
        composer.focus()
        walked = []
        for _ in range(4):
            await pilot.press("up")
            walked.append(composer.text)
        assert walked == ["three", "two", "one", "one"]  # it stops at the oldest
        for _ in range(2):
            await pilot.press("down")
            walked.append(composer.text)
        assert walked[-2:] == ["two", "three"]
        await pilot.press("down")
        assert composer.text == ""  # past the newest: what was there before (nothing)

        # With a draft: Up at its very start walks back, Down past the newest brings the draft back.
        await pilot.press("d", "r", "a", "f", "t", "home")
        await pilot.press("up")
        assert composer.text == "three"
        await pilot.press("down")
        assert composer.text == "draft"
        # Up inside a draft moves the cursor, it does not replace the text.
        await pilot.press("end", "up")
        assert composer.text == "draft"
        # A message sent is the newest one recalled.
        composer.clear()
        composer.remember("four")
        await pilot.press("up")
        assert composer.text == "four"


async def test_page_up_and_home_end_scroll_the_chat_from_the_composer(make_app, data_dir) -> None:
    turns = [(f"question {n}", f"answer {n}\n\nwith a second paragraph") for n in range(40)]
    conversation = save(data_dir, conversation_of([session_at(FIXED_NOW, 1, turns)]))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, conversation)
        chat = screen.chat
        await wait_for(pilot, lambda: chat.max_scroll_y > 20 and chat.scroll_y == chat.max_scroll_y)
        composer = screen.composer
        composer.focus()
        bottom = chat.scroll_y
        await pilot.press("pageup")
        await wait_for(pilot, lambda: chat.scroll_y < bottom - 10)
        assert app.focused is composer
        up_once = chat.scroll_y
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: chat.scroll_y > up_once)
        await pilot.press("end")  # an empty composer: End goes to the newest message
        await wait_for(pilot, lambda: chat.scroll_y == chat.max_scroll_y)
        await pilot.press("home")
        await wait_for(pilot, lambda: chat.scroll_y < chat.max_scroll_y - 20)
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: chat.scroll_y == chat.max_scroll_y)
        # With text in the composer, Home / End move its cursor and the chat stays where it is.
        await pilot.press("h", "i", "home")
        assert composer.cursor_location == (0, 0)
        assert chat.scroll_y == chat.max_scroll_y
        await pilot.press("ctrl+home")
        await wait_for(pilot, lambda: chat.scroll_y < chat.max_scroll_y - 20)
        assert composer.text == "hi"


async def test_hiding_the_panes_and_focus_mode_give_the_chat_the_room(make_app, data_dir) -> None:
    conversation = save(data_dir, conversation_of([session_at(FIXED_NOW, 1, [("hi", "hello")])]))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_seeded(pilot, conversation)
        chat = screen.query_one(ChatView)
        sidebar, inspector = screen.sidebar, screen.inspector

        def width() -> int:
            return chat.outer_size.width

        await wait_for(pilot, lambda: sidebar.outer_size.width == 28 and width() >= 70)
        assert 36 <= inspector.outer_size.width <= 42
        normal = width()
        assert sidebar.outer_size.width + normal + inspector.outer_size.width == SIZE[0]
        await pilot.press("f6")
        await wait_for(pilot, lambda: not sidebar.display and width() == normal + 28)
        await pilot.press("f2")
        await wait_for(pilot, lambda: not inspector.display and width() == SIZE[0])
        await pilot.press("f6", "f2")
        await wait_for(pilot, lambda: sidebar.display and inspector.display and width() == normal)

        # Focus mode: only the chat; again, both panes come back. The focus never stays in a hidden pane.
        screen.sidebar.options.focus()
        await pilot.press("f7")
        await wait_for(pilot, lambda: not sidebar.display and not inspector.display and width() == SIZE[0])
        assert app.focused is screen.composer
        await pilot.press("f7")
        await wait_for(pilot, lambda: sidebar.display and inspector.display and width() == normal)
        # F6 in focus mode leaves it with the list alone.
        await pilot.press("f7", "f6")
        await wait_for(pilot, lambda: sidebar.display and not inspector.display and width() == SIZE[0] - 28)


def test_main_screen_with_labels_and_times_at_140x45(snap_compare, make_app, data_dir) -> None:
    start = FIXED_NOW - timedelta(hours=4)
    code = "Here it is:\n\n```python\n" + "values = [" + ", ".join(str(n) for n in range(40)) + "]\n```"
    table = "| zone | time |\n|---|---|\n| Europe/Madrid | 13:00 |\n| Asia/Tokyo | 21:00 |"
    first = session_at(start, 1, [("Show me a long line of Python.", code)], step=timedelta(minutes=3))
    second = session_at(FIXED_NOW - timedelta(minutes=2), 2, [("And the time in Madrid and Tokyo?", table)])
    conversation = save(data_dir, conversation_of([first, second], title="Reading the transcript"))

    async def run_before(pilot) -> None:
        screen = await open_seeded(pilot, conversation)
        await wait_for(pilot, lambda: "idle 3 h 58 min — new session" in screen_text(pilot.app))
        screen.sidebar.highlight(conversation.id)
        await pilot.pause(0.3)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


async def test_a_long_code_line_wraps_while_streamed_and_once_finished() -> None:
    from tests.ui.test_message_widgets import ChatHost, lines_of, stream
    from tui_chat.ui.widgets.live_reply import LiveReply

    line = "values = [" + ", ".join(f"item_{n}" for n in range(30)) + "]"
    reply = LiveReply(AssistantMessage(content="", model=MODEL))
    app = ChatHost(reply)
    async with app.run_test(size=(60, 40)) as pilot:
        await stream(reply, f"Code:\n\n```python\n{line}\n")  # the fence is still open

        def shown() -> str:
            return "".join(row.strip(" █▌") for row in lines_of(app, reply))

        await wait_for(pilot, lambda: "item_29]" in shown())
        assert "".join(line.split()) in "".join(shown().split())  # all of it, not cut at the edge
        await reply.finish()
        await wait_for(pilot, lambda: not reply.query(".reply-block Markdown") and "item_29]" in shown())
        assert "".join(line.split()) in "".join(shown().split())


def test_show_prints_the_welcome_once_at_the_top(capsys) -> None:
    import os

    from tui_chat import cli

    sessions = [session_at(FIXED_NOW + timedelta(hours=n), n + 1, [(f"q{n}", f"a{n}")]) for n in range(3)]
    conversation = save(Path(os.environ["TUI_CHAT_DATA_DIR"]), conversation_of(sessions))
    assert cli.run(cli.build_parser().parse_args(["show", conversation.id])) == 0
    shown = capsys.readouterr().out
    assert shown.count("Welcome to the chat!") == 1 and shown.count("new session") == 2
    assert shown.index("Welcome to the chat!") < shown.index("q0") and "a2" in shown
