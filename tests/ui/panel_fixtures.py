"""Deterministic data and tiny host apps for the inspector's and the screens' tests and snapshots."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui_chat.engine.models import (
    AssistantMessage,
    Conversation,
    RoundRecord,
    Session,
    ToolCall,
    ToolMessage,
    Usage,
    UserMessage,
)
from tui_chat.ui.themes import app_variable_defaults, load_themes
from tui_chat.ui.widgets.inspector import InspectorPanel

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
SYSTEM = "You are a helpful assistant. Use the tools when they help."
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "buscar_informacion",
            "description": "Search the knowledge base.",
            "parameters": {
                "type": "object",
                "properties": {"consulta": {"type": "string"}},
                "required": ["consulta"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "enviar_notificacion",
            "description": "Send a notification.",
            "parameters": {
                "type": "object",
                "properties": {"mensaje": {"type": "string"}, "prioridad": {"type": "integer"}},
                "required": ["mensaje"],
            },
        },
    },
]
MARKUP = "[bold red]not bold[/] [link=http://x]link[/link] \x1b[31mescape"


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def _round(message_ids: list[str], seconds: float, raw: dict) -> RoundRecord:
    return RoundRecord(
        system_prompt=SYSTEM,
        message_ids=message_ids,
        tools_hash="h-tools1",
        params={"model": "gpt-4o-mini", "temperature": 0.0, "max_tokens": 1000},
        started_at=_at(seconds),
        first_token_ms=310.5,
        duration_ms=842.0,
        raw_reply=raw,
    )


def sample_conversation(extra_calls: int = 0) -> Conversation:
    """Two rounds: an ok call, a schema failure with a traceback, and arguments that are not JSON."""
    user = UserMessage("Find the opening hours [b]and[/b] notify me", id="m-user1", created_at=T0)
    ok_call = ToolCall("call-ok", "buscar_informacion", json.dumps({"consulta": "horario [bold]"}))
    bad_call = ToolCall("call-bad", "enviar_notificacion", '{"prioridad": "alta"}')
    first = AssistantMessage(
        tool_calls=[ok_call, bad_call],
        id="m-asst1",
        created_at=_at(1),
        model="gpt-4o-mini",
        usage=Usage(120, 30),
        finish_reason="tool_calls",
        turn_id="t-0001",
        round=1,
        request=_round(["m-user1"], 0.2, {"id": "chatcmpl-1", "choices": [{"finish_reason": "tool_calls"}]}),
    )
    ok_result = ToolMessage(
        tool_call_id="call-ok",
        name="buscar_informacion",
        arguments=ok_call.arguments,
        result={"success": True, "data": {"horario": "9:00-18:00", "note": MARKUP}},
        content='{"success": true}',
        duration_ms=120.4,
        id="m-tool1",
        created_at=_at(1.5),
        started_at=_at(1.38),
        turn_id="t-0001",
        round=1,
    )
    bad_result = ToolMessage(
        tool_call_id="call-bad",
        name="enviar_notificacion",
        arguments=bad_call.arguments,
        result={"success": False, "error": "'mensaje' is a required property"},
        content='{"success": false}',
        duration_ms=0.8,
        id="m-tool2",
        created_at=_at(1.6),
        started_at=_at(1.59),
        error="Invalid arguments: 'mensaje' is a required property [/]",
        traceback='Traceback (most recent call last):\n  File "tools.py", line 3\nValueError: [red]x[/red]',
        arguments_valid=False,
        turn_id="t-0001",
        round=1,
    )
    broken_call = ToolCall("call-raw", "buscar_informacion", '{"consulta": "horario",')
    second = AssistantMessage(
        tool_calls=[broken_call],
        id="m-asst2",
        created_at=_at(3),
        model="gpt-4o-mini",
        turn_id="t-0001",
        round=2,
        request=_round(["m-user1", "m-asst1", "m-tool1", "m-tool2"], 2.0, {"id": "chatcmpl-2"}),
    )
    broken_result = ToolMessage(
        tool_call_id="call-raw",
        name="buscar_informacion",
        arguments=broken_call.arguments,
        result={"success": False, "error": "arguments are not valid JSON"},
        content="{}",
        duration_ms=0.1,
        id="m-tool3",
        created_at=_at(3.2),
        error="Arguments are not valid JSON",
        arguments_valid=False,
        turn_id="t-0001",
        round=2,
    )
    messages = [user, first, ok_result, bad_result, second, broken_result]
    for number in range(extra_calls):
        call = ToolCall(f"call-x{number:04d}", "buscar_informacion", json.dumps({"consulta": f"q{number}"}))
        messages.append(
            AssistantMessage(
                tool_calls=[call], id=f"m-ax{number}", created_at=_at(10), round=3, turn_id="t-2"
            )
        )
        messages.append(
            ToolMessage(
                tool_call_id=call.id,
                name=call.name,
                arguments=call.arguments,
                result={"success": True, "data": number},
                content="{}",
                duration_ms=float(number),
                id=f"m-tx{number}",
                created_at=_at(11),
                round=3,
            )
        )
    return Conversation(
        id="c-sample",
        title="Opening hours",
        user_id="local",
        model="gpt-4o-mini",
        created_at=T0,
        last_activity=_at(4),
        sessions=[Session(id="s-1", started_at=T0, messages=messages)],
        tool_definitions={"h-tools1": TOOLS},
    )


class ThemedApp(App[None]):
    """A tiny app with our themes and CSS variables registered, as the real app does."""

    def __init__(self) -> None:
        super().__init__()
        themes, errors = load_themes(None)
        assert not errors, errors
        for theme in themes:
            self.register_theme(theme)
        self.theme = "tui-chat-dark"

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return app_variable_defaults(self.current_theme)


class InspectorApp(ThemedApp):
    """The inspector panel alone, showing ``conversation`` with ``selected`` selected."""

    def __init__(self, conversation: Conversation | None, selected: str | None = None) -> None:
        super().__init__()
        self.conversation = conversation
        self.selected = selected

    def compose(self) -> ComposeResult:
        yield InspectorPanel()

    def on_mount(self) -> None:
        panel = self.query_one(InspectorPanel)
        panel.show_conversation(self.conversation)
        if self.selected:
            panel.select_call(self.selected)
        panel.query_one("#inspector-calls").focus()


class ScreenApp(ThemedApp):
    """Pushes ``screen`` on mount and records what it dismisses with."""

    def __init__(self, screen: Screen[Any]) -> None:
        super().__init__()
        self.start_screen = screen
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static(Content("background"))

    def on_mount(self) -> None:
        self.push_screen(self.start_screen, self.results.append)
