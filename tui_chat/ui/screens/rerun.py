"""Re-run one recorded call (``e`` in the inspector): edit its arguments, run it against the current tool
code, compare with what was recorded, and optionally continue the conversation from there in a fork.

The screen wires; the work is the engine's (``engine.workbench.replay.rerun``, ``engine.workbench.arguments``,
``engine.workbench.fork``). Nothing in the conversation changes: continuing writes a new conversation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Static, TextArea

from tui_chat.engine.models import Conversation, ToolMessage
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.tools.spec import ToolSpec
from tui_chat.engine.workbench.arguments import check_arguments
from tui_chat.engine.workbench.replay import CallComparison, rerun
from tui_chat.i18n import N_, _
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import visible
from tui_chat.ui.screens.modal import TuiModal
from tui_chat.ui.widgets.inspector_model import json_error_text, json_problem
from tui_chat.ui.widgets.inspector_render import fill
from tui_chat.ui.widgets.run_result import diff_body, outcome_body, schema_summary

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp


@dataclass(frozen=True)
class ContinueFrom:
    """What the screen dismisses with when the user continues: fork at ``recorded`` with ``replacement``."""

    conversation: Conversation
    recorded: ToolMessage
    replacement: ToolMessage


def pretty_arguments(raw: str) -> str:
    """The arguments indented for editing; text that is not JSON stays as the model sent it."""
    try:
        return json.dumps(json.loads(raw or "{}"), indent=2, ensure_ascii=False)
    except json.JSONDecodeError:
        return raw


def find_spec(registry: ToolRegistry, name: str) -> ToolSpec | None:
    return next((spec for spec in registry.specs() if spec.name == name), None)


def check_line(spec: ToolSpec | None, name: str, text: str) -> Content:
    """The inline verdict on the arguments being typed."""
    if spec is None:
        return Content.styled(
            "– "
            + _("no tool named {name} is registered now: the run will say so").format(name=visible(name)),
            "$warning",
        )
    problems = check_arguments(spec.parameters, text)
    if not problems:
        return Content.styled("✓ " + _("matches the tool's schema"), "$tool-call-ok")
    return Content("\n").join(
        Content.styled(f"✗ {visible(str(problem))}", "$tool-call-error") for problem in problems
    )


class RerunScreen(TuiModal[ContinueFrom | None]):
    """Dismisses with :class:`ContinueFrom` when the user continues from the new result, else None."""

    CSS_PATH = ["modals.tcss", "workbench.tcss"]

    BINDINGS = bindings(Where.RERUN)  # the keys are in ui/actions.py

    def __init__(self, conversation: Conversation, recorded: ToolMessage, registry: ToolRegistry) -> None:
        super().__init__()
        self.conversation = conversation
        self.recorded = recorded
        self.registry = registry
        self.comparison: CallComparison | None = None

    @property
    def spec(self) -> ToolSpec | None:
        return find_spec(self.registry, self.recorded.name)

    def compose_body(self) -> ComposeResult:
        recorded = self.recorded
        spec = self.spec
        with Vertical(classes="modal-body workbench-body", id="rerun-body"):
            yield Static(
                fill(_("Re-run {name}"), name=Content.styled(visible(recorded.name), "bold")).append(
                    Content.styled("  " + visible(recorded.tool_call_id), "$text-muted")
                ),
                classes="modal-title",
            )
            yield Static(
                Content(
                    _("Arguments: {schema}").format(schema=schema_summary(spec.parameters if spec else None))
                ),
                classes="field-hint",
            )
            yield TextArea.code_editor(
                pretty_arguments(recorded.arguments), language="json", id="rerun-args", soft_wrap=True
            )
            yield Static(id="rerun-check")
            with Horizontal(id="rerun-compare"):
                with VerticalScroll(classes="run-column", id="rerun-recorded-column"):
                    yield Static(Content(_("Recorded")), classes="run-title")
                    yield Static(outcome_body(recorded), id="rerun-recorded")
                with VerticalScroll(classes="run-column", id="rerun-now-column"):
                    yield Static(Content(_("Now")), classes="run-title", id="rerun-now-title")
                    yield Static(outcome_body(None, empty=N_("Not run yet: ctrl+r runs it.")), id="rerun-now")
                    yield TextArea.code_editor("", language="json", id="rerun-edit", soft_wrap=True)
                    yield Static(id="rerun-edit-check")
            with VerticalScroll(id="rerun-diff-box"):
                yield Static(diff_body(None), id="rerun-diff")
            with Horizontal(classes="modal-buttons"):
                yield Button(_("Run"), variant="primary", id="run", compact=True)
                yield Button(_("Continue from here"), id="continue", disabled=True, compact=True)
                yield Button(_("Close"), id="close", compact=True)

    def on_mount(self) -> None:
        self._check()
        self.query_one("#rerun-args", TextArea).focus()

    @property
    def arguments(self) -> str:
        return self.query_one("#rerun-args", TextArea).text

    @on(TextArea.Changed, "#rerun-args")
    def _check(self) -> None:
        self.query_one("#rerun-check", Static).update(
            check_line(self.spec, self.recorded.name, self.arguments)
        )

    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        self.query_one("#rerun-now", Static).update(Content.styled("… " + _("running"), "$tool-call-running"))
        self._run(self.arguments)

    @work(exclusive=True, group="rerun")
    async def _run(self, arguments: str) -> None:
        try:
            comparison = await rerun(
                self.registry,
                self.conversation,
                self.recorded,
                call_arguments(self.recorded.arguments, arguments),
            )
        except Exception as error:  # execute() never raises; a broken registry must not end the app
            message = "✗ " + _("could not run: {error}").format(
                error=f"{type(error).__name__}: {visible(str(error))}"
            )
            self.query_one("#rerun-now", Static).update(Content.styled(message, "$tool-call-error"))
            return
        self.show_comparison(comparison)

    def show_comparison(self, comparison: CallComparison) -> None:
        """Show a run beside the recorded one, with the diff; continuing forks from it."""
        self.comparison = comparison
        self.query_one("#rerun-now", Static).update(outcome_body(comparison.now))
        self.query_one("#rerun-diff", Static).update(diff_body(comparison))
        self.query_one("#continue", Button).disabled = False

    @property
    def editing(self) -> bool:
        return self.has_class("-editing")

    def action_edit_result(self) -> None:
        """Write the result to continue from by hand (starting from the new result, or the recorded one)."""
        if self.editing:
            self.remove_class("-editing")
            self.query_one("#rerun-now-title", Static).update(Content(_("Now")))
            return
        base = self.comparison.now if self.comparison is not None else self.recorded
        value = base.result.get("data") if set(base.result) == {"success", "data"} else base.result
        editor = self.query_one("#rerun-edit", TextArea)
        editor.load_text(json.dumps(value, indent=2, ensure_ascii=False))
        self.add_class("-editing")
        self.query_one("#rerun-now-title", Static).update(
            Content(_("Result by hand (what the tool returns; ctrl+o: back to the run)"))
        )
        self.query_one("#continue", Button).disabled = False
        editor.focus()

    @on(TextArea.Changed, "#rerun-edit")
    def _check_edit(self) -> None:
        text = self.query_one("#rerun-edit", TextArea).text
        try:
            json.loads(text)
        except json.JSONDecodeError as error:
            where = _("line {line}, column {column}").format(line=error.lineno, column=error.colno)
            verdict = Content.styled(
                "✗ " + _("{where}: not valid JSON: {error}").format(where=where, error=json_problem(error)),
                "$tool-call-error",
            )
        else:
            verdict = Content.styled("✓ " + _("valid JSON: ctrl+g continues from it"), "$tool-call-ok")
        self.query_one("#rerun-edit-check", Static).update(verdict)

    def _hand_result(self) -> ToolMessage | None:
        from tui_chat.engine.workbench.fork import edited_result

        text = self.query_one("#rerun-edit", TextArea).text
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            self.notify(
                _("The result is not valid JSON: {error}").format(error=json_error_text(error)),
                severity="warning",
                markup=False,
            )
            return None
        return edited_result(self.recorded, call_arguments(self.recorded.arguments, self.arguments), value)

    @on(Button.Pressed, "#continue")
    def action_continue(self) -> None:
        if self.editing:
            replacement = self._hand_result()
            if replacement is not None:
                self.dismiss(ContinueFrom(self.conversation, self.recorded, replacement))
            return
        if self.comparison is None:
            self.notify(
                _("Run it first (ctrl+r) or write the result by hand (ctrl+o): the fork continues from it."),
                severity="warning",
            )
            return
        self.dismiss(ContinueFrom(self.conversation, self.recorded, self.comparison.now))

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


def call_arguments(recorded: str, edited: str) -> str:
    """The arguments to send: the model's exact text when unchanged, compact JSON when edited; text
    that is not JSON is sent as it is (the registry reports it, as it would for the model)."""
    try:
        value = json.loads(edited or "{}")
    except json.JSONDecodeError:
        return edited
    try:
        if json.loads(recorded or "{}") == value:
            return recorded
    except json.JSONDecodeError:
        pass
    return json.dumps(value, ensure_ascii=False)


def open_rerun(app: TuiChatApp, conversation: Conversation, recorded: ToolMessage) -> None:
    """Push the re-run screen; when the user continues, write the fork and let the model answer in it."""
    registry = app.workspace.services.registry

    async def done(request: ContinueFrom | None) -> None:
        if request is None:
            return
        from tui_chat.engine.errors import EngineError
        from tui_chat.ui.screens.main import MainScreen
        from tui_chat.ui.widgets.inspector_screen import InspectorScreen

        try:
            fork = await app.workspace.fork(request.conversation, request.recorded, request.replacement)
        except (EngineError, ValueError, OSError) as error:
            app.notify(
                _("Could not fork the conversation: {error}").format(error=error),
                severity="error",
                markup=False,
            )
            return
        while isinstance(app.screen, InspectorScreen):
            app.pop_screen()
        main = next(screen for screen in app.screen_stack if isinstance(screen, MainScreen))
        await main.continue_fork(fork)
        app.notify(
            _("Forked into “{title}”; the original is unchanged.").format(title=fork.title), markup=False
        )

    app.push_screen(RerunScreen(conversation, recorded, registry), done)
