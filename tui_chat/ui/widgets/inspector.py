"""The function-call inspector: every call of the open conversation, and everything about one of them.

The list is an OptionList of pre-built ``Content`` rows (a Line-API view, so hundreds of calls cost
nothing); only the selected call's details are rendered. Text from models and tools goes through
``Content`` (never markup) and ``visible`` (control characters made visible).

The detail sections are :mod:`inspector_sections`, what the copy keys copy :mod:`inspector_copy`, and
the overlay for narrow terminals :mod:`inspector_screen`.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from tui_chat.engine.models import AssistantMessage, Conversation, ToolCall, ToolMessage
from tui_chat.i18n import _, ngettext
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import running_status, visible
from tui_chat.ui.widgets.inspector_copy import (
    call_test_source,
    copied_notice,
    copied_test_notice,
    section_json,
)
from tui_chat.ui.widgets.inspector_model import (
    CallIndex,
    CallRecord,
    RoundEntry,
    RoundSections,
    Sections,
    call_sections,
    index_calls,
    is_model_round,
    round_sections,
)
from tui_chat.ui.widgets.inspector_render import (
    arguments_body,
    call_row,
    json_content,
    reply_body,
    request_body,
    result_body,
    round_row,
    round_summary,
    summary,
    timing_body,
)
from tui_chat.ui.widgets.inspector_sections import SECTIONS, InspectorSection


class InspectorPanel(Widget):
    """Every function call of a conversation, and the details of the selected one."""

    DEFAULT_CSS = """
    InspectorPanel { layout: vertical; border-left: vkey $inspector-border 40%; }
    InspectorPanel #inspector-title { height: 1; padding: 0 1; text-style: bold; color: $inspector-heading; }
    InspectorPanel #inspector-calls { height: 1; max-height: 35%; border: none; padding: 0; }
    InspectorPanel #inspector-detail { height: 1fr; padding: 0 1; }
    InspectorPanel #inspector-summary { padding: 1 0 0 0; }
    InspectorPanel .inspector-section { height: auto; margin-top: 1; }
    InspectorPanel .section-header { height: 1; }
    InspectorPanel .section-title { width: 1fr; color: $inspector-heading; text-style: bold; }
    InspectorPanel .section-copy { min-width: 6; }
    InspectorPanel .section-body { padding-left: 1; }
    InspectorPanel.-empty .inspector-section { display: none; }
    InspectorPanel.-round .call-only { display: none; }
    InspectorPanel.-call .round-only { display: none; }
    """

    BINDINGS = bindings(Where.INSPECTOR)  # c / a / r / m: the keys are in ui/actions.py

    @dataclass
    class CallSelected(Message):
        """The user moved the selection to another call."""

        tool_call_id: str

    @dataclass
    class RerunRequested(Message):
        """``e`` on a finished call: the app opens the re-run screen for it."""

        conversation: Conversation
        recorded: ToolMessage

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._conversation: Conversation | None = None
        self._index = CallIndex()
        self._selected: str | None = None
        self._sections: Sections | RoundSections | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="inspector-title")
        yield OptionList(id="inspector-calls")
        with VerticalScroll(id="inspector-detail"):
            yield Static(id="inspector-summary")
            for key, title in SECTIONS:
                yield InspectorSection(key, title)

    def on_mount(self) -> None:
        self._refresh_all()

    # -- public API ------------------------------------------------------------------------------

    @property
    def conversation(self) -> Conversation | None:
        return self._conversation

    @property
    def selected_call_id(self) -> str | None:
        """The selected function call (None when a round or nothing is selected)."""
        return self._selected if self._selected in self._index.records else None

    @property
    def selected_row(self) -> str | None:
        """The selected row: a tool-call id, or ``round:<message id>`` for a model round."""
        return self._selected

    @property
    def selected_call(self) -> CallRecord | None:
        return self._index.records.get(self._selected) if self._selected else None

    @property
    def call_ids(self) -> list[str]:
        return list(self._index.records)

    @property
    def row_ids(self) -> list[str]:
        """Every row in list order: each round (``round:<id>``) followed by its calls."""
        return list(self._index.order)

    @property
    def running_calls(self) -> list[str]:
        """Names of the calls started and not finished yet, in the order they started."""
        return [record.call.name for record in self._index.records.values() if record.status == "running"]

    def show_conversation(self, conversation: Conversation | None) -> None:
        """Show the calls of ``conversation`` (None: nothing open); keeps the selection if it still exists."""
        self._conversation = conversation
        self._index = index_calls(conversation)
        if self._index.entry(self._selected) is None:
            # The last call (what a tool developer looks at), or the last round when there is none.
            ids = self.call_ids or self.row_ids
            self._selected = ids[-1] if ids else None
        if self.is_mounted:
            self._refresh_all()

    def call_started(self, call: ToolCall, round: int) -> None:
        """A call the model asked for has started running: add a pending row."""
        record = self._index.records.get(call.id)
        if record is None:
            record = CallRecord(call, round, running=True)
            self._find_assistant(record)
            assistant = record.assistant
            if (
                assistant is not None
                and is_model_round(assistant)
                and f"round:{assistant.id}" not in self._index.rounds
            ):
                entry = self._index.add_round(assistant)
                if self.is_mounted:
                    self._calls.add_option(Option(round_row(entry), id=entry.id))
            self._index.add_call(record)
            if self.is_mounted:
                self._calls.add_option(Option(call_row(record.number, record), id=call.id))
        else:
            record.running = True
            self._update_row(record)
        self._follow(call.id)

    def update_call(self, tool_message: ToolMessage) -> None:
        """A call finished (or its result changed): update its row and, if shown, its details."""
        record = self._index.records.get(tool_message.tool_call_id)
        if record is None:
            call = ToolCall(tool_message.tool_call_id, tool_message.name, tool_message.arguments)
            self.call_started(call, tool_message.round or 0)
            record = self._index.records[call.id]
            record.round = tool_message.round
        record.result = tool_message
        record.running = False
        self._update_row(record)
        if record.id == self._selected and self.is_mounted:
            self._show_details()

    def select_call(self, tool_call_id: str) -> None:
        """Select a call or a round row (e.g. clicked in the chat); does not post CallSelected."""
        if self._index.entry(tool_call_id) is None:
            return
        self._selected = tool_call_id
        if self.is_mounted:
            self._calls.highlighted = self._calls.get_option_index(tool_call_id)
            self._show_details()

    # -- rendering -------------------------------------------------------------------------------

    @property
    def _calls(self) -> OptionList:
        return self.query_one("#inspector-calls", OptionList)

    def _refresh_all(self) -> None:
        index = self._index
        self._calls.set_options(
            Option(round_row(index.rounds[row_id]), id=row_id)
            if row_id in index.rounds
            else Option(call_row(index.records[row_id].number, index.records[row_id]), id=row_id)
            for row_id in index.order
        )
        if self._selected is not None:
            self._calls.highlighted = self._calls.get_option_index(self._selected)
        self._show_details()

    def _update_title(self) -> None:
        count = len(self._index)
        # A fixed height: `height: auto` would re-measure every row on each layout (slow with hundreds).
        self._calls.styles.height = max(len(self._index.order), 1)
        failed = sum(1 for record in self._index.records.values() if record.status == "error")
        text = _("Rounds · {rounds}  Function calls · {calls}").format(
            rounds=len(self._index.rounds), calls=count
        )
        text += " · " + ngettext("{n} failed", "{n} failed", failed).format(n=failed) if failed else ""
        running = self.running_calls
        if running:
            text += " · " + running_status(running)
        self.query_one("#inspector-title", Static).update(Content(visible(text)))

    def _update_row(self, record: CallRecord) -> None:
        if not self.is_mounted:
            return
        self._calls.replace_option_prompt(record.id, call_row(record.number, record))
        self._update_title()

    def _follow(self, tool_call_id: str) -> None:
        """Move to a new call when nothing was selected or the last call was (a live turn)."""
        ids = self.call_ids
        if self._selected is None or (len(ids) > 1 and self._selected == ids[-2]):
            self.select_call(tool_call_id)
        elif self.is_mounted:
            self._update_title()

    def _find_assistant(self, record: CallRecord) -> None:
        """Live calls arrive before the panel has seen the reply that asked for them."""
        if record.assistant is not None or self._conversation is None:
            return
        for message in reversed(self._conversation.messages()):
            if isinstance(message, AssistantMessage) and any(c.id == record.id for c in message.tool_calls):
                record.assistant = message
                record.round = message.round if message.round is not None else record.round
                return

    def _show_details(self) -> None:
        self._update_title()
        heading = self.query_one("#inspector-summary", Static)
        entry = self._index.entry(self._selected)
        self.set_class(entry is None, "-empty")
        self.set_class(isinstance(entry, RoundEntry), "-round")
        self.set_class(isinstance(entry, CallRecord), "-call")
        if entry is None:
            self._sections = None
            if self._conversation is None:
                heading.update(Content(_("No conversation open.")))
            else:
                heading.update(Content(_("Nothing asked of the model in this conversation yet.")))
            return
        if isinstance(entry, RoundEntry):
            round_parts = self._sections = round_sections(self._conversation, entry)
            heading.update(round_summary(entry, round_parts))
            self._section("reply").show(reply_body(round_parts))
            self._section("timing").show(timing_body(round_parts))
            self._section("raw_reply").show(
                json_content(round_parts.raw_reply)
                if round_parts.raw_reply is not None
                else Content(_("Not recorded."))
            )
            self._section("request").show(request_body(round_parts))
            return
        record = entry
        self._find_assistant(record)
        sections = self._sections = call_sections(self._conversation, record)
        heading.update(summary(record))
        self._section("arguments").show(arguments_body(record, sections))
        self._section("result").show(result_body(record, sections))
        self._section("timing").show(timing_body(sections))
        self._section("raw_reply").show(
            json_content(sections.raw_reply)
            if sections.raw_reply is not None
            else Content(_("Not recorded."))
        )
        self._section("request").show(request_body(sections))

    def _section(self, key: str) -> InspectorSection:
        return self.query_one(f"#section-{key}", InspectorSection)

    # -- events and actions ----------------------------------------------------------------------

    @on(OptionList.OptionHighlighted, "#inspector-calls")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # Programmatic moves set ``_selected`` first, so only the user's moves reach past this; a
        # stale event (the list has moved on since) is dropped too.
        event.stop()
        row_id = event.option.id
        if row_id is None or row_id == self._selected or event.option_index != self._calls.highlighted:
            return
        self._selected = row_id
        self._show_details()
        self.query_one("#inspector-detail", VerticalScroll).scroll_home(animate=False)
        if row_id in self._index.records:
            self.post_message(self.CallSelected(row_id))

    @on(OptionList.OptionSelected, "#inspector-calls")
    def _selected_option(self, event: OptionList.OptionSelected) -> None:
        event.stop()

    @on(Button.Pressed, ".section-copy")
    def _copy_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id:
            self.action_copy_section(event.button.id.removeprefix("copy-"))

    def section_json(self, key: str) -> str | None:
        """The JSON that copying section ``key`` (or ``all``) puts on the clipboard."""
        return section_json(self._index.entry(self._selected), self._sections, key)

    def action_copy_section(self, key: str) -> None:
        text = self.section_json(key)
        if text is None:
            self.notify(_("Select a function call first."), severity="warning")
            return
        self.app.copy_to_clipboard(text)
        self.notify(copied_notice(key, self._index.entry(self._selected), len(text)), markup=False)

    def action_rerun(self) -> None:
        record = self.selected_call
        if record is None or self._conversation is None:
            self.notify(
                _("Select a function call to re-run (a round has nothing to run)."), severity="warning"
            )
            return
        if record.result is None:
            self.notify(_("This call has no recorded result yet."), severity="warning")
            return
        self.post_message(self.RerunRequested(self._conversation, record.result))

    def test_source(self) -> str:
        """The selected call as a pytest function (raises NotExportable / says why when it cannot be)."""
        services = getattr(getattr(self.app, "workspace", None), "services", None)
        registry = getattr(services, "registry", None)
        return call_test_source(self.selected_call, self._conversation, registry)

    def action_copy_test(self) -> None:
        from tui_chat.engine.workbench.call_export import NotExportable

        try:
            source = self.test_source()
        except NotExportable as reason:
            self.notify(
                _("Cannot copy as a test: {reason}.").format(reason=reason), severity="warning", markup=False
            )
            return
        self.app.copy_to_clipboard(source)
        self.notify(copied_test_notice(source), markup=False)
