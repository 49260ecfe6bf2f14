"""The function-call inspector: what it lists, what it shows for a call, copying, live updates, speed."""

from __future__ import annotations

import json
from typing import Any

from panel_fixtures import MARKUP, SYSTEM, TOOLS, InspectorApp, sample_conversation
from textual.message import Message
from textual.widgets import Footer, OptionList, Static

from tests.ui.conftest import wait_for
from tui_chat.engine.models import ToolCall, ToolMessage
from tui_chat.ui.formatting import visible
from tui_chat.ui.widgets.inspector import InspectorPanel
from tui_chat.ui.widgets.inspector_model import CallRecord, call_sections, index_calls
from tui_chat.ui.widgets.inspector_render import arguments_body, summary
from tui_chat.ui.widgets.inspector_screen import InspectorScreen

SIZE = (120, 50)


def text_of(static: Static) -> str:
    """What a Static shows, as plain text."""
    return str(static.render())


def body(panel: InspectorPanel, key: str) -> str:
    return text_of(panel.query_one(f"#body-{key}", Static))


def rows(panel: InspectorPanel) -> list[str]:
    option_list = panel.query_one("#inspector-calls", OptionList)
    return [str(option.prompt).strip() for option in option_list.options]


async def test_lists_every_call_in_order_with_status_duration_and_round() -> None:
    app = InspectorApp(sample_conversation())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        assert panel.call_ids == ["call-ok", "call-bad", "call-raw"]
        assert panel.row_ids == ["round:m-asst1", "call-ok", "call-bad", "round:m-asst2", "call-raw"]
        listed = rows(panel)
        assert listed[0].startswith("◆ round 1 tool_calls") and "842 ms" in listed[0]
        assert "120→30 tok" in listed[0]
        assert listed[1].startswith("✓") and "buscar_informacion" in listed[1] and "120 ms" in listed[1]
        assert listed[2].startswith("✗") and "enviar_notificacion" in listed[2]
        assert listed[2].endswith("invalid args")
        assert listed[3].startswith("◆ round 2")
        assert "Function calls · 3 · 2 failed" in text_of(panel.query_one("#inspector-title", Static))


async def test_selected_call_shows_arguments_schema_check_error_and_traceback_literally() -> None:
    app = InspectorApp(sample_conversation(), selected="call-bad")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        arguments = body(panel, "arguments")
        assert '"prioridad": "alta"' in arguments
        assert "did not match the tool's schema" in arguments
        result = body(panel, "result")
        assert "Invalid arguments: 'mensaje' is a required property [/]" in result
        assert "ValueError: [red]x[/red]" in result
        assert "round 1: first token 310 ms, reply 842 ms" in body(panel, "timing")
        assert "chatcmpl-1" in body(panel, "raw_reply")


async def test_arguments_that_are_not_json_are_shown_raw_with_the_error() -> None:
    app = InspectorApp(sample_conversation(), selected="call-raw")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        arguments = body(app.query_one(InspectorPanel), "arguments")
        assert arguments.startswith("✗ not valid JSON")
        assert "schema" not in arguments  # the schema was never checked
        assert '{"consulta": "horario",' in arguments


async def test_json_arguments_that_are_not_an_object_say_so() -> None:
    conversation = sample_conversation()
    record = index_calls(conversation).records["call-bad"]
    record.call = ToolCall("call-bad", "enviar_notificacion", "[1, 2]")
    sections = call_sections(conversation, record)
    assert "not a JSON object" in str(arguments_body(record, sections))


async def test_markup_and_escape_sequences_in_results_are_shown_literally() -> None:
    app = InspectorApp(sample_conversation(), selected="call-ok")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        result = body(app.query_one(InspectorPanel), "result")
        assert "[bold red]not bold[/] [link=http://x]link[/link]" in result
        assert "\x1b" not in result
        assert "\\u001b[31mescape" in result


def test_the_request_of_a_round_is_rebuilt_from_its_record() -> None:
    conversation = sample_conversation()
    record = index_calls(conversation).records["call-raw"]
    request = call_sections(conversation, record).request
    assert request is not None
    roles = [message["role"] for message in request["messages"]]
    assert roles == ["system", "user", "assistant", "tool", "tool"]
    assert request["messages"][0]["content"] == SYSTEM
    sent_result = {"role": "tool", "tool_call_id": "call-ok", "content": '{"success": true}'}
    assert request["messages"][3] == sent_result
    assert request["tools"] == TOOLS
    assert request["params"]["temperature"] == 0.0


async def test_copying_puts_the_section_as_json_on_the_clipboard_and_confirms() -> None:
    app = InspectorApp(sample_conversation(), selected="call-bad")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("c")
        copied = json.loads(app.clipboard)
        assert copied["id"] == "call-bad"
        assert copied["arguments"] == {"prioridad": "alta"}
        assert copied["arguments_valid"] is False
        assert copied["request"]["tools"] == TOOLS
        assert any("Copied the whole call" in str(n.message) for n in app._notifications)
        await pilot.click("#copy-arguments")
        assert json.loads(app.clipboard) == {"prioridad": "alta"}


async def test_user_navigation_posts_call_selected_but_select_call_does_not() -> None:
    posted: list[Message] = []
    app = InspectorApp(sample_conversation(), selected="call-ok")
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        panel.select_call("call-raw")
        await pilot.pause()
        assert not [m for m in posted if isinstance(m, InspectorPanel.CallSelected)]
        await pilot.press("up")  # the round of call-raw: details follow, but no call is selected
        assert panel.selected_row == "round:m-asst2" and panel.selected_call_id is None
        assert "Round 2" in text_of(panel.query_one("#inspector-summary", Static))
        await pilot.press("up")
        # the hook sees a bubbling message once per node it reaches: count distinct messages
        unique = {id(m): m for m in posted if isinstance(m, InspectorPanel.CallSelected)}
        assert [m.tool_call_id for m in unique.values()] == ["call-bad"]
        assert panel.selected_call_id == "call-bad"


async def test_live_calls_appear_pending_then_finish_and_the_selection_follows() -> None:
    conversation = sample_conversation()
    app = InspectorApp(conversation, selected="call-raw")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        call = ToolCall("call-live", "enviar_notificacion", '{"mensaje": "hola"}')
        panel.call_started(call, 3)
        await pilot.pause()
        assert rows(panel)[-1].startswith("…") and "running" in rows(panel)[-1]
        assert panel.selected_call_id == "call-live"
        assert "not checked yet" in body(panel, "arguments")
        result: dict[str, Any] = {"success": True, "data": "sent"}
        panel.update_call(
            ToolMessage("call-live", call.name, call.arguments, result, "{}", duration_ms=42.0, round=3)
        )
        await pilot.pause()
        assert rows(panel)[-1].startswith("✓") and "42 ms" in rows(panel)[-1]
        assert '"sent"' in body(panel, "result")


async def test_the_title_names_the_calls_still_running_not_the_last_one_started() -> None:
    app = InspectorApp(sample_conversation())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        hang = ToolCall("call-hang", "hang", "{}")
        weather = ToolCall("call-weather", "get_weather", '{"city": "Oslo"}')
        panel.call_started(hang, 3)
        panel.call_started(weather, 3)
        await pilot.pause()
        assert panel.running_calls == ["hang", "get_weather"]
        assert "running hang, get_weather…" in text_of(panel.query_one("#inspector-title", Static))
        panel.update_call(
            ToolMessage("call-weather", weather.name, weather.arguments, {}, "{}", 5.0, round=3)
        )
        await pilot.pause()
        title = text_of(panel.query_one("#inspector-title", Static))
        assert panel.running_calls == ["hang"]
        assert title.endswith("running hang…") and "get_weather" not in title
        panel.update_call(ToolMessage("call-hang", hang.name, hang.arguments, {}, "{}", 9.0, round=3))
        await pilot.pause()
        assert "running" not in text_of(panel.query_one("#inspector-title", Static))


async def test_no_conversation_and_no_calls_say_so() -> None:
    app = InspectorApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        assert text_of(panel.query_one("#inspector-summary", Static)) == "No conversation open."
        conversation = sample_conversation()
        conversation.sessions[0].messages = conversation.sessions[0].messages[:1]
        panel.show_conversation(conversation)
        await pilot.pause()
        assert "Nothing asked of the model" in text_of(panel.query_one("#inspector-summary", Static))
        await pilot.press("c")  # nothing selected: a warning, not a crash


async def test_hundreds_of_calls_are_all_listed() -> None:
    """Every call gets its row (how fast is bench/tui.py's business, not a timed unit test's)."""
    conversation = sample_conversation(extra_calls=600)
    app = InspectorApp(None)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one(InspectorPanel)
        panel.show_conversation(conversation)
        # 603 calls, each under its round's row (2 rounds of the sample + one per extra call)
        await wait_for(pilot, lambda: len(rows(panel)) == 603 + 602)
        assert len(panel.call_ids) == 603 and len(panel.row_ids) == 603 + 602
        assert "603" in text_of(panel.query_one("#inspector-title", Static))


async def test_overlay_screen_shows_the_calls_and_closes_with_escape() -> None:
    app = InspectorApp(None)
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        await app.push_screen(InspectorScreen(sample_conversation(), "call-bad"))
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        screen = app.screen
        assert isinstance(screen, InspectorScreen)
        assert screen.panel.selected_call_id == "call-bad"
        footer = screen.query_one(Footer)
        await wait_for(pilot, lambda: footer.region.height == 1)
        assert footer.region.bottom == 30 and footer.region.height == 1  # on screen, at the bottom
        keys = {
            b.binding.key: b.binding.description for b in screen.active_bindings.values() if b.binding.show
        }
        assert keys["escape"] == "Close inspector"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, InspectorScreen))
        await app.push_screen(InspectorScreen(sample_conversation()))
        await pilot.press("f2")  # the key that opens it closes it too
        await wait_for(pilot, lambda: not isinstance(app.screen, InspectorScreen))


def test_control_characters_are_shown_as_symbols_not_acted_upon() -> None:
    assert visible("a\x1b[31mb\x07\tc\nd") == "a\u241b[31mb\u2407\tc\nd"
    assert visible(MARKUP).endswith("\u241b[31mescape")
    record = CallRecord(ToolCall("call-1", "bad\x1b[31mname", "{}"), round=1)
    assert "bad\u241b[31mname" in summary(record).plain


# -- the real path: a scripted model over HTTP, a tool module loaded through the config ----------------


async def test_a_text_only_round_is_inspectable_with_its_request_reply_and_figures(
    scripted_server, model_settings, tmp_path, data_dir
) -> None:
    from scripted_server import text
    from workbench_fixtures import converse, workbench_app, write_tools

    scripted_server.script(text("I will not call anything.", usage=(321, 7)))
    app = workbench_app(model_settings, write_tools(tmp_path), data_dir)
    async with app.run_test(size=(140, 45)) as pilot:
        await converse(pilot, "why no tool?")
        panel = app.query_one("#inspector", InspectorPanel)
        (round_id,) = panel.row_ids
        assert panel.selected_row == round_id and panel.call_ids == []
        assert rows(panel)[0].startswith("◆ round 1 stop") and "321→7 tok" in rows(panel)[0]
        heading = text_of(panel.query_one("#inspector-summary", Static))
        assert "Round 1" in heading and "finish stop" in heading and "321 → 7 tokens" in heading
        assert "first token" in heading and "1 attempt" in heading
        assert "offered add, convert, slow, explode" in heading
        reply = body(panel, "reply")
        assert "I will not call anything." in reply and "no function calls" in reply
        request = json.loads(panel.section_json("request"))
        assert request["messages"][-1] == {"role": "user", "content": "why no tool?"}
        names = [tool["function"]["name"] for tool in request["tools"]]
        assert names == ["add", "convert", "slow", "explode"]
        assert request["params"]["model"] == "openai/scripted"
        # what was sent is what the server received
        assert scripted_server.requests[0].body["messages"] == request["messages"]
        raw = json.loads(panel.section_json("raw_reply"))
        assert raw["finish_reason"] == "stop" and raw["content"] == "I will not call anything."
        assert not panel.query_one("#section-arguments").display or panel.has_class("-round")


async def test_up_and_down_move_the_details_with_the_highlight_and_statuses_name_the_failure(
    scripted_server, model_settings, tmp_path, data_dir
) -> None:
    from scripted_server import text, tool_calls
    from workbench_fixtures import converse, workbench_app, write_tools

    scripted_server.script(tool_calls([("add", '{"a": 1}'), ("nope", "{}"), ("slow", "{}")]), text("Done."))
    app = workbench_app(model_settings, write_tools(tmp_path), data_dir)
    async with app.run_test(size=(140, 45)) as pilot:
        await converse(pilot, "go")
        panel = app.query_one("#inspector", InspectorPanel)
        assert len(panel.row_ids) == 5  # round 1, its three calls, round 2
        listed = rows(panel)
        assert listed[2].startswith("✗") and listed[2].endswith("unknown tool")
        assert listed[3].startswith("✗") and listed[3].endswith("timed out")
        panel.query_one("#inspector-calls").focus()
        panel.select_call("call_001")
        await pilot.pause()
        assert '"data": 3' in body(panel, "result")
        await pilot.press("down")
        assert panel.selected_call_id == "call_002"
        arguments = body(panel, "arguments")
        assert "matched the tool's schema" not in arguments and "no tool of this name" in arguments
        assert "unknown tool" in text_of(panel.query_one("#inspector-summary", Static))
        await pilot.press("down")
        assert panel.selected_call_id == "call_003"
        assert body(panel, "result").startswith("✗ timed out")
        await pilot.press("down")
        assert panel.selected_row is not None and panel.selected_row.startswith("round:")
        assert "Done." in body(panel, "reply")
        await pilot.press("up", "up", "up")
        assert panel.selected_call_id == "call_001"
        assert '"a": 1' in body(panel, "arguments")
