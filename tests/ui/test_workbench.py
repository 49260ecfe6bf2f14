"""The tool workbench on the real path: a scripted model over HTTP makes real calls to a tool module
written into tmp_path and loaded through the config; re-run, continue in a fork, run by hand."""

from __future__ import annotations

import json
from pathlib import Path

from scripted_server import text, tool_calls
from textual.widgets import Static, TextArea
from workbench_fixtures import converse, workbench_app, write_tools

from tests.ui.conftest import wait_for
from tui_chat.engine.models import AssistantMessage, ToolMessage
from tui_chat.engine.store.conversation_store import ConversationStore
from tui_chat.ui.screens.main import MainScreen
from tui_chat.ui.screens.rerun import RerunScreen
from tui_chat.ui.widgets.inspector import InspectorPanel

SIZE = (140, 45)


def shown(widget: Static) -> str:
    return str(widget.render())


async def open_rerun(pilot, call_id: str) -> RerunScreen:
    panel = pilot.app.query_one("#inspector", InspectorPanel)
    panel.query_one("#inspector-calls").focus()
    panel.select_call(call_id)
    await pilot.press("e")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, RerunScreen))
    return pilot.app.screen  # type: ignore[return-value]


async def test_re_run_with_edited_arguments_shows_the_diff_and_leaves_the_conversation_unchanged(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    scripted_server.script(tool_calls([("add", '{"a": 1, "b": 2}')]), text("It is 3."))
    app = workbench_app(model_settings, write_tools(tmp_path), data_dir)
    async with app.run_test(size=SIZE) as pilot:
        main = await converse(pilot, "add 1 and 2")
        conversation = main.conversation
        assert conversation is not None
        path = ConversationStore(data_dir).path_of(conversation.id)
        before = path.read_bytes()
        screen = await open_rerun(pilot, "call_001")
        editor = screen.query_one("#rerun-args", TextArea)
        assert json.loads(editor.text) == {"a": 1, "b": 2}
        assert "✓ matches the tool's schema" in shown(screen.query_one("#rerun-check", Static))
        editor.load_text('{"a": "ten"')
        await wait_for(pilot, lambda: "not valid JSON" in shown(screen.query_one("#rerun-check", Static)))
        assert "line 1, column 12" in shown(screen.query_one("#rerun-check", Static))
        editor.load_text('{"a": "ten"}')
        check = screen.query_one("#rerun-check", Static)
        await wait_for(pilot, lambda: "is not of type 'integer'" in shown(check))
        assert "a: 'ten'" in shown(screen.query_one("#rerun-check", Static))
        editor.load_text('{"a": 10, "b": 2}')
        await wait_for(pilot, lambda: "✓" in shown(screen.query_one("#rerun-check", Static)))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.comparison is not None)
        assert screen.comparison is not None and not screen.comparison.same
        now = shown(screen.query_one("#rerun-now", Static))
        assert now.startswith("✓ ok") and '"data": 12' in now
        assert '"data": 3' in shown(screen.query_one("#rerun-recorded", Static))
        diff = shown(screen.query_one("#rerun-diff", Static))
        assert '-  "data": 3,' in diff and '+  "data": 12,' in diff
        editor.load_text('{"a": 1, "b": 2}')  # the recorded arguments again: the same result
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.comparison is not None and screen.comparison.same)
        assert "Same result as recorded." in shown(screen.query_one("#rerun-diff", Static))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
        assert main.conversation is conversation and len(conversation.messages()) == 5
    assert path.read_bytes() == before
    assert len(ConversationStore(data_dir).list_conversations()) == 1


async def test_continue_forks_at_the_call_and_the_model_answers_from_the_new_result(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    scripted_server.script(
        tool_calls([("add", '{"a": 1, "b": 2}'), ("convert", '{"value": 212}')]),
        text("It is 3, and 100 °C."),
        text("Then it is 12."),
    )
    app = workbench_app(model_settings, write_tools(tmp_path), data_dir)
    async with app.run_test(size=SIZE) as pilot:
        main = await converse(pilot, "add 1 and 2")
        original = main.conversation
        assert original is not None
        store = ConversationStore(data_dir)
        before = store.path_of(original.id).read_bytes()
        screen = await open_rerun(pilot, "call_001")
        await pilot.press("ctrl+g")  # not run yet: says so, stays
        assert isinstance(app.screen, RerunScreen)
        screen.query_one("#rerun-args", TextArea).load_text('{"a": 10}')
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.comparison is not None)
        await pilot.press("ctrl+g")
        await wait_for(pilot, lambda: main.conversation is not original and main.conversation is not None)
        await wait_for(pilot, lambda: not main.turn_running and len(scripted_server.requests) == 3)
        fork = main.conversation
        assert fork is not None
        await wait_for(pilot, lambda: isinstance(fork.messages()[-1], AssistantMessage))
    assert store.path_of(original.id).read_bytes() == before
    saved = store.load(fork.id)
    assert saved.forked_from == {"conversation_id": original.id, "message_id": original.messages()[3].id}
    roles = [message.role for message in saved.messages()]
    assert roles == ["assistant", "user", "assistant", "tool", "tool", "assistant"]  # welcome first
    assert saved.messages()[-1].content == "Then it is 12."
    asked = saved.messages()[2]
    assert isinstance(asked, AssistantMessage) and asked.tool_calls[0].arguments == '{"a": 10}'
    answered = saved.messages()[3]
    assert isinstance(answered, ToolMessage) and answered.result == {"success": True, "data": 12}
    sent = scripted_server.requests[2].body["messages"]
    assert sent[-2]["content"] == '{"success":true,"data":12}' and sent[-2]["tool_call_id"] == "call_001"
    assert sent[-1]["role"] == "tool" and "100" in sent[-1]["content"]  # the round's other result is kept
    assert sent[-3]["tool_calls"][0]["function"]["arguments"] == '{"a": 10}'
    assert len(store.list_conversations()) == 2


async def test_tools_panel_runs_a_tool_from_its_form_or_raw_json_and_keeps_a_history(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    from textual.widgets import Checkbox, Input, OptionList, Select

    from tui_chat.engine.workbench.tool_runs import RunHistory
    from tui_chat.ui.screens.tools_panel import ToolsPanelScreen

    app = workbench_app(model_settings, write_tools(tmp_path), data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, ToolsPanelScreen))
        panel = app.screen
        assert isinstance(panel, ToolsPanelScreen)
        await wait_for(
            pilot, lambda: panel.tool is not None and len(panel.query("#tools-form #field-1")) == 1
        )
        tools = panel.query_one("#tools-list", OptionList)
        assert [option.id for option in tools.options] == ["add", "convert", "slow", "explode"]
        check = panel.query_one("#tool-check", Static)
        # add's a is required, b has its default
        await wait_for(pilot, lambda: "'a' is a required property" in shown(check))
        assert panel.query_one("#field-1", Input).value == "2"
        await pilot.press("down")  # convert: a number, an enum with its default, a boolean
        await wait_for(pilot, lambda: panel.tool is not None and panel.tool.name == "convert")
        await wait_for(pilot, lambda: len(panel.query("#tools-form #field-2")) == 1)
        assert panel.query_one("#field-1", Select).value == "c"
        assert isinstance(panel.query_one("#field-2", Checkbox), Checkbox)
        await pilot.press("enter")  # on to the first field
        assert app.focused is panel.query_one("#field-0", Input)
        await pilot.press(*"abc")
        await wait_for(pilot, lambda: "value: not a number" in shown(check))
        panel.query_one("#field-0", Input).value = "212"
        panel.query_one("#field-1", Select).value = "f"  # 212 °F… as °F: 413.6
        panel.query_one("#field-2", Checkbox).value = True
        await wait_for(pilot, lambda: "✓ matches" in shown(check))
        assert json.loads(panel.arguments()[0]) == {"value": 212, "unit": "f", "exact": True}
        await pilot.press("ctrl+r")
        result = panel.query_one("#tools-result", Static)
        await wait_for(pilot, lambda: panel.last_run is not None)
        assert shown(result).startswith("✓ ok") and '"value": 413.6' in shown(result)
        # raw JSON: the form's arguments carried over; a tool that raises shows its own traceback
        await pilot.press("ctrl+t")
        raw = panel.query_one("#tools-raw", TextArea)
        assert json.loads(raw.text) == {"value": 212, "unit": "f", "exact": True}
        panel.query_one("#tools-list", OptionList).highlighted = 3
        await wait_for(pilot, lambda: panel.tool is not None and panel.tool.name == "explode")
        raw.load_text('{"reason": "[b]boom[/b]"}')
        await wait_for(pilot, lambda: "✓ matches" in shown(check))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: panel.last_run is not None and panel.last_run.name == "explode")
        text = shown(result)
        assert "✗ raised an exception" in text and "ValueError: [b]boom[/b]" in text
        assert "raise ValueError(reason)" in text  # the tool's own traceback, literally
        history = panel.query_one("#tools-history", OptionList)
        assert history.option_count == 2
        # choosing a past run shows it again with its tool and arguments
        history.focus()
        history.highlighted = 1
        await pilot.press("enter")
        await wait_for(pilot, lambda: panel.tool is not None and panel.tool.name == "convert")
        assert '"value": 413.6' in shown(result)
        assert json.loads(raw.text) == {"value": 212, "unit": "f", "exact": True}
        await pilot.press("ctrl+b")  # that run as a pytest test
        assert "from my_tools import convert" in app.clipboard and "'value': 413.6" in app.clipboard
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, MainScreen))
    runs = RunHistory.in_data_dir(data_dir)
    assert [run.name for run in runs.load()] == ["explode", "convert"]
    assert (runs.path.stat().st_mode & 0o777) == 0o600


def test_the_run_history_skips_unreadable_lines_and_keeps_the_latest(tmp_path: Path) -> None:
    from tui_chat.engine.workbench.tool_runs import RunHistory

    history = RunHistory(tmp_path / "runs.jsonl")
    for number in range(5):
        history.append(ToolMessage(f"run-{number}", "add", "{}", {"success": True, "data": number}, "", 1.0))
    with history.path.open("a") as handle:
        handle.write('{"torn": \n')
    history.append(ToolMessage("run-x", "add", "{}", {"success": True, "data": "\ud83d"}, "", 1.0))
    runs = history.load(limit=4)
    assert [run.tool_call_id for run in runs] == ["run-x", "run-4", "run-3"] and history.skipped == 1
    assert runs[0].result["data"] in ("\ud83d", "\ufffd")  # a lone surrogate cannot break the file


# -- snapshots: the tools panel and a re-run diff (fixed times, so the pictures are stable) -----------


def _registry_with_tools(folder: Path):
    from tui_chat.engine.tools.loader import load_tool_modules
    from tui_chat.engine.tools.registry import ToolRegistry

    registry = ToolRegistry()
    load_tool_modules(registry, [str(write_tools(folder))])
    assert not registry.load_errors
    return registry


async def _settle(pilot) -> None:
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False  # type: ignore[attr-defined]
    await pilot.pause(0.2)


def test_snapshot_of_the_tools_panel_with_a_past_run(snap_compare, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from panel_fixtures import ScreenApp

    from tui_chat.engine.workbench.tool_runs import RunHistory
    from tui_chat.ui.screens.tools_panel import ToolsPanelScreen

    history = RunHistory(tmp_path / "runs.jsonl")
    at = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    history.append(
        ToolMessage(
            "run-1",
            "convert",
            '{"value": 212, "unit": "c"}',
            {"success": True, "data": {"unit": "c", "value": 100.0}},
            "",
            3.0,
            created_at=at,
        )
    )
    history.append(
        ToolMessage(
            "run-2",
            "explode",
            '{"reason": "[b]no[/b]"}',
            {"success": False, "error": "ValueError: [b]no[/b]"},
            "",
            1.0,
            created_at=at,
            error="ValueError: [b]no[/b]",
            traceback=(
                'Traceback (most recent call last):\n  File "my_tools.py", line 47, in explode\n'
                "ValueError: [b]no[/b]"
            ),
        )
    )
    screen = ToolsPanelScreen(_registry_with_tools(tmp_path), history, user_id="local")

    async def run_before(pilot) -> None:
        await wait_for(pilot, lambda: screen.form is not None and screen.tool is not None)
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.tool is not None and screen.tool.name == "convert")
        await wait_for(pilot, lambda: len(screen.query("#tools-form #field-2")) == 1)
        history_list = screen.query_one("#tools-history")
        history_list.focus()
        await pilot.press("down", "enter")  # the explode run: its error and traceback, shown again
        await wait_for(pilot, lambda: screen.tool is not None and screen.tool.name == "explode")
        await _settle(pilot)

    assert snap_compare(ScreenApp(screen), terminal_size=(120, 36), run_before=run_before)


def test_snapshot_of_a_re_run_showing_the_diff(snap_compare, tmp_path: Path) -> None:
    from panel_fixtures import ScreenApp, sample_conversation

    from tui_chat.engine.workbench.replay import CallComparison

    conversation = sample_conversation()
    recorded = ToolMessage(
        "call-add", "add", '{"a": 1, "b": 2}', {"success": True, "data": 3}, "{}", 2.0, round=1, turn_id="t-1"
    )
    conversation.sessions[0].messages.append(recorded)
    screen = RerunScreen(conversation, recorded, _registry_with_tools(tmp_path))

    async def run_before(pilot) -> None:
        await pilot.pause()
        screen.query_one("#rerun-args", TextArea).load_text('{"a": 40}')
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen.comparison is not None)
        assert screen.comparison is not None
        now = screen.comparison.now
        now.duration_ms = 1.0  # a fixed time for a stable picture
        screen.show_comparison(CallComparison(recorded, now))
        await _settle(pilot)

    assert snap_compare(ScreenApp(screen), terminal_size=(110, 36), run_before=run_before)


async def test_a_recorded_call_copied_as_a_test_passes_against_the_tool_and_fails_when_it_changes(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    import subprocess
    import sys

    tools = write_tools(tmp_path)
    scripted_server.script(
        tool_calls(
            [
                ("add", '{"a": 1, "b": 2}'),
                ("explode", '{"reason": "no [b]way[/b]"}'),
                ("convert", '{"value": "hot"}'),
            ]
        ),
        text("Done."),
    )
    app = workbench_app(model_settings, tools, data_dir)
    sources: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await converse(pilot, "go")
        panel = app.query_one("#inspector", InspectorPanel)
        panel.query_one("#inspector-calls").focus()
        for call_id in ("call_001", "call_002", "call_003"):
            panel.select_call(call_id)
            await pilot.press("t")
            sources.append(app.clipboard)
        assert any("Copied a pytest test" in str(n.message) for n in app._notifications)
    add_test, explode_test, convert_test = sources
    assert "from my_tools import add" in add_test and "assert add(**arguments) == expected" in add_test
    assert "expected = 3" in add_test
    assert "pytest.raises(ValueError" in explode_test
    assert "Draft202012Validator" in convert_test
    test_file = tmp_path / "test_recorded.py"
    test_file.write_text("\n\n".join(sources))
    root = str(Path(__file__).parents[2])

    def pytest_run() -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)]
        environment = {"PYTHONPATH": f"{tmp_path}:{root}", "PATH": "/usr/bin:/bin"}
        return subprocess.run(
            command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
        )

    done = pytest_run()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
    tools.write_text(tools.read_text().replace("return a + b", "return a + b + 100"))
    done = pytest_run()
    assert done.returncode == 1 and "1 failed, 2 passed" in done.stdout


async def test_continue_from_a_result_written_by_hand(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    scripted_server.script(tool_calls([("add", '{"a": 1, "b": 2}')]), text("It is 3."), text("Odd, -1."))
    app = workbench_app(model_settings, write_tools(tmp_path), data_dir)
    async with app.run_test(size=SIZE) as pilot:
        main = await converse(pilot, "add 1 and 2")
        original = main.conversation
        assert original is not None
        before = ConversationStore(data_dir).path_of(original.id).read_bytes()
        screen = await open_rerun(pilot, "call_001")
        await pilot.press("ctrl+o")  # nothing run: starts from the recorded result, 3
        edit = screen.query_one("#rerun-edit", TextArea)
        assert edit.text == "3" and app.focused is edit
        edit.load_text("-1,")
        check = screen.query_one("#rerun-edit-check", Static)
        await wait_for(pilot, lambda: "not valid JSON" in shown(check))
        await pilot.press("ctrl+g")  # refused: stays, says why
        assert isinstance(app.screen, RerunScreen)
        edit.load_text("-1")
        await wait_for(pilot, lambda: "✓ valid JSON" in shown(check))
        await pilot.press("ctrl+g")
        await wait_for(
            pilot, lambda: main.conversation is not original and len(scripted_server.requests) == 3
        )
        await wait_for(pilot, lambda: not main.turn_running)
        fork = main.conversation
    assert ConversationStore(data_dir).path_of(original.id).read_bytes() == before
    saved = ConversationStore(data_dir).load(fork.id)
    answer = saved.messages()[3]
    assert isinstance(answer, ToolMessage) and answer.result == {"success": True, "data": -1}
    assert scripted_server.requests[2].body["messages"][-1]["content"] == '{"success":true,"data":-1}'
    assert saved.messages()[-1].content == "Odd, -1."


def test_form_fields_follow_the_schema_types_enums_defaults_and_required() -> None:
    from tui_chat.ui.widgets.schema_form import convert, form_fields

    fields = form_fields(
        {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "what to find"},
                "limit": {"type": "integer", "default": 5},
                "ratio": {"type": ["number", "null"]},
                "mode": {"enum": ["fast", "slow"], "default": "fast"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "when": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                "flag": {"type": "boolean"},
            },
            "required": ["query"],
        }
    )
    kinds = {f.name: (f.kind, f.required, f.default) for f in fields}
    assert kinds == {
        "query": ("string", True, None),
        "limit": ("integer", False, 5),
        "ratio": ("number", False, None),
        "mode": ("enum", False, "fast"),
        "tags": ("json", False, None),
        "when": ("string", False, None),
        "flag": ("boolean", False, None),
    }
    by_name = {f.name: f for f in fields}
    assert convert(by_name["limit"], "7") == (7, None)
    assert str(convert(by_name["limit"], "7.5")[1]) == "limit: not an integer"
    assert str(convert(by_name["ratio"], "x")[1]) == "ratio: not a number"
    assert convert(by_name["tags"], '["a"]') == (["a"], None)
    assert "not valid JSON" in str(convert(by_name["tags"], "[a")[1])
    assert convert(by_name["query"], "[b]x[/b]") == ("[b]x[/b]", None)
    assert form_fields(None) == []


async def test_the_tools_panel_shows_what_failed_to_load_while_the_other_tools_work(
    scripted_server, model_settings, tmp_path: Path, data_dir: Path
) -> None:
    from textual.widgets import OptionList

    from tui_chat.config import Config, SessionSettings, ToolSettings
    from tui_chat.ui.app import TuiChatApp
    from tui_chat.ui.screens.tools_panel import ToolsPanelScreen

    broken = tmp_path / "broken_tools.py"
    broken.write_text("import nothing_here_at_all\n")
    config = Config(
        model=model_settings,
        session=SessionSettings(idle_reset_minutes=0),
        tools=ToolSettings(modules=[str(broken), str(write_tools(tmp_path))], examples=False),
    )
    app = TuiChatApp(config, data_dir, warm_litellm=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.action_tools_panel()
        await wait_for(pilot, lambda: isinstance(app.screen, ToolsPanelScreen))
        panel = app.screen
        assert isinstance(panel, ToolsPanelScreen)
        await wait_for(pilot, lambda: panel.tool is not None)
        errors = panel.query_one("#tools-load-errors", Static)
        await wait_for(pilot, lambda: "broken_tools.py" in shown(errors))
        assert errors.display and "nothing_here_at_all" in shown(errors)
        assert panel.query_one("#tools-list", OptionList).option_count == 4
