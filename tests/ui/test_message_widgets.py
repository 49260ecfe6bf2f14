"""Message widgets: copy keys on a focused message, the live reply, the error block's headline."""

from __future__ import annotations

import asyncio
from pathlib import Path

from panel_fixtures import ThemedApp
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Footer, Markdown, Static
from textual.widgets.markdown import MarkdownBlock

import tui_chat.ui
from tests.ui.conftest import wait_for
from tui_chat.engine.models import AssistantMessage, UserMessage
from tui_chat.ui.widgets.chat_notices import ErrorBlock
from tui_chat.ui.widgets.live_reply import LiveReply, finished_length, split_blocks
from tui_chat.ui.widgets.message_widgets import AssistantBlock, UserBlock

REPLY = """# Plan

Some *text* with `code` and a [link](https://example.com).

- one
- two
  continued

```python
def f(x):

    return x * 2
```

| name | value |
|------|-------|
| a    | 1     |

> a quote
> on two lines

---

1. first
2. second

Setext title
============

Last paragraph, no newline at the end"""


class ChatHost(ThemedApp):
    """A ``#chat`` pane styled by the app's own stylesheet, holding the given widgets."""

    CSS_PATH = str(Path(tui_chat.ui.__file__).parent / "app.tcss")

    def __init__(self, *widgets: Widget, language: str | None = None) -> None:
        super().__init__()
        self.widgets = widgets
        if language is not None:
            from tui_chat.config import Config, SessionSettings

            self.config = Config(session=SessionSettings(language=language))

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="chat"):
            yield from self.widgets
        yield Footer()


def lines_of(app: ChatHost, widget: Widget) -> list[str]:
    """What the terminal shows inside ``widget``'s region, one string per row."""
    update = app.screen._compositor.render_full_update(simplify=True)
    rows = ["".join(strip.text for strip in line) for line in update.strips]
    region = widget.region
    return [row[region.x : region.right].rstrip() for row in rows[region.y : region.bottom]]


def first_cell_style(app: ChatHost, widget: Widget) -> tuple[object, object]:
    update = app.screen._compositor.render_full_update(simplify=True)
    region = widget.region
    offset = 0
    for segment in (segment for strip in update.strips[region.y] for segment in strip):
        if offset + len(segment.text) > region.x:
            style = segment.style
            return (style.color, style.bgcolor) if style else (None, None)
        offset += len(segment.text)
    raise AssertionError("no cell there")


async def stream(reply: LiveReply, text: str, size: int = 3) -> None:
    for start in range(0, len(text), size):
        await reply.write(text[start : start + size])


# -- copy keys and focus ---------------------------------------------------------------------------


async def test_c_and_y_on_a_focused_message_copy_it_and_its_code_blocks_one_after_another() -> None:
    content = "Two snippets:\n\n```python\nprint(1)\n```\n\nand\n\n```sh\nls -l\n```\n"
    block = AssistantBlock(AssistantMessage(content=content))
    app = ChatHost(UserBlock(UserMessage("hello")), block)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 30)) as pilot:
        block.focus()
        await pilot.pause()
        await pilot.press("c", "y", "y", "y")
        await wait_for(pilot, lambda: len(copied) == 4 and len(app._notifications) >= 3)
        notes = [str(n.message) for n in app._notifications]
    assert copied == [content, "print(1)\n", "ls -l\n", "print(1)\n"]
    assert notes[:3] == [
        "Message copied to the clipboard.",
        "Code block 1 of 2 copied.",
        "Code block 2 of 2 copied.",
    ]


async def test_a_message_without_code_says_so_on_y() -> None:
    block = UserBlock(UserMessage("no code here"))
    app = ChatHost(block)
    copied: list[str] = []
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 20)) as pilot:
        block.focus()
        await pilot.press("y")
        await wait_for(pilot, lambda: app._notifications)
        assert copied == []
        assert [str(n.message) for n in app._notifications] == ["This message has no code block."]


async def test_the_footer_shows_the_copy_keys_while_a_message_has_the_focus() -> None:
    block = UserBlock(UserMessage("hello"))
    other = Static("elsewhere")
    other.can_focus = True
    app = ChatHost(block, other)
    async with app.run_test(size=(100, 20)) as pilot:
        other.focus()
        await wait_for(pilot, lambda: "elsewhere" in "".join(lines_of(app, other)))
        await pilot.pause()
        footer = lines_of(app, app.query_one(Footer))[0]
        assert "Copy message" not in footer
        block.focus()

        def footer() -> str:
            return lines_of(app, app.query_one(Footer))[0]

        await wait_for(pilot, lambda: "c Copy message" in footer() and "y Copy code" in footer())


async def test_a_focused_message_is_set_apart_from_the_others() -> None:
    first, second = UserBlock(UserMessage("one")), UserBlock(UserMessage("two"))
    app = ChatHost(first, second)
    async with app.run_test(size=(60, 20)) as pilot:
        first.focus()
        # What the terminal shows: the left bar and the background differ from an unfocused message.
        await wait_for(pilot, lambda: first_cell_style(app, first) != first_cell_style(app, second))
        assert first.styles.outline_left[0] != "" and second.styles.outline_left[0] == ""
        assert first.styles.background_tint.a > 0 and second.styles.background_tint.a == 0


# -- the live reply -----------------------------------------------------------------------------


def test_finished_length_keeps_the_last_block_and_half_received_lines_open() -> None:
    assert finished_length("para one\n\npara two\n") == len("para one\n\n")
    assert finished_length("para one\n\npara two") == 0  # "para two" is not a whole line yet
    assert finished_length("para one\n\n- a") == 0  # the list line is not complete yet
    assert finished_length("para one\n\n- a\n") == len("para one\n\n")
    assert finished_length("```py\nx = 1\n\n\ny = 2\n") == 0  # an open fence is one block
    # "* " alone might start a new list, but "**bold**" continues the item: wait for the line.
    assert finished_length("- a\n*") == 0


def test_split_blocks_gives_each_top_level_block_with_its_type() -> None:
    blocks = split_blocks("\n# T\n\ntext\n\n- a\n- b\n")
    assert [kind for _, kind in blocks] == ["heading_open", "paragraph_open", "bullet_list_open"]
    assert "".join(source for source, _ in blocks) == "\n# T\n\ntext\n\n- a\n- b\n"


async def test_a_streamed_reply_looks_exactly_like_the_same_reply_reopened() -> None:
    message = AssistantMessage(content="")
    reply = LiveReply(message)
    reopened = AssistantBlock(AssistantMessage(content=REPLY))
    app = ChatHost(reopened, reply)
    async with app.run_test(size=(70, 120)) as pilot:
        await stream(reply, REPLY)
        await reply.finish()
        await wait_for(pilot, lambda: "Last paragraph" in "".join(lines_of(app, reply)))
        await wait_for(pilot, lambda: lines_of(app, reply) == lines_of(app, reopened))
        assert reply.source == REPLY
        assert not reply.query(Markdown)  # nothing live is left


async def test_only_the_growing_block_is_a_live_markdown_widget() -> None:
    reply = LiveReply(AssistantMessage(content=""))
    app = ChatHost(reply)
    text = "".join(f"Paragraph {n} with some words.\n\n```python\nprint({n})\n```\n\n" for n in range(20))
    async with app.run_test(size=(70, 40)) as pilot:
        await stream(reply, text + "The end is still")
        await pilot.pause()
        live_blocks = reply.query(MarkdownBlock)
        assert len(reply.query(Markdown)) == 1
        # The last fence waits for a whole line after it; the half line is live too. Not 40 blocks.
        assert len(live_blocks) <= 3
        assert len(reply.query(".reply-block")) == 39
        assert reply.source == text + "The end is still"


async def test_appends_that_overlap_are_applied_in_order_once() -> None:
    # A cancelled MarkdownStream leaves its shielded append running while it flushes the rest.
    reply = LiveReply(AssistantMessage(content=""))
    app = ChatHost(reply)
    async with app.run_test(size=(70, 20)) as pilot:
        tail = reply.query_one(Markdown)
        await asyncio.gather(tail.append("alpha\n\nbe"), tail.append("ta\n\ngam"))

        def shown() -> list[str]:
            return [line for line in (line.strip(" █") for line in lines_of(app, reply)) if line]

        await wait_for(pilot, lambda: "gam" in shown())
        assert shown() == ["Assistant · just now", "alpha", "beta", "gam"]  # the header, then the text
        await reply.finish()
        assert reply.source == "alpha\n\nbeta\n\ngam"


async def test_a_cancelled_reply_keeps_its_text_and_is_marked_as_when_reopened() -> None:
    partial = "Step one:\n\n```python\nfor i in range(3):\n    pri"
    reply = LiveReply(AssistantMessage(content=""), interrupted_note="Reply interrupted.")
    reopened = AssistantBlock(AssistantMessage(content=partial, interrupted=True))
    app = ChatHost(reopened, reply)
    async with app.run_test(size=(70, 40)) as pilot:
        await stream(reply, partial, size=5)
        await reply.finish(interrupted=True)
        await wait_for(pilot, lambda: "⏸ Reply interrupted." in "".join(lines_of(app, reply)[-1:]))
        await wait_for(pilot, lambda: lines_of(app, reply) == lines_of(app, reopened))
        assert reply.source == partial


async def test_the_interrupted_note_follows_the_apps_language_when_not_given() -> None:
    reply = LiveReply(AssistantMessage(content=""))
    app = ChatHost(reply, language="es")
    async with app.run_test(size=(70, 20)) as pilot:
        await stream(reply, "Hola")
        await reply.finish(interrupted=True)
        await wait_for(pilot, lambda: "⏸ Respuesta interrumpida." in "".join(lines_of(app, reply)[-1:]))


# -- the error block ------------------------------------------------------------------------------


async def test_an_error_block_leads_with_the_headline_of_its_kind_in_the_given_language() -> None:
    block = ErrorBlock("timeout", "No answer in 60 s", "Try again.", language="es")
    app = ChatHost(block)
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: "✗" in "".join(lines_of(app, block)))
        shown = [line.strip(" █") for line in lines_of(app, block)]
    assert shown[0] == "✗ El proveedor dejó de responder."
    assert shown[1] == "No answer in 60 s. Try again."


async def test_an_error_block_without_a_language_uses_the_apps() -> None:
    block = ErrorBlock("rate_limit", "429 from the provider")
    app = ChatHost(block, language="es")
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        assert block.headline == "El proveedor está limitando las peticiones."
