"""The tools panel (f5, or "Tools panel" in the command palette): run any registered tool by hand.

Pick a tool, fill the form generated from its schema (or switch to raw JSON), run it, and read the
result, error, the tool's traceback, its captured output and the time. Every run is kept in the run
history (``engine.workbench.tool_runs``); choosing one shows it again and puts its arguments back in the form.

The tool list is read from ``registry.specs()`` / ``load_errors`` when the panel opens, after each run
and whenever the registry says its tools changed (``subscribe``, when the registry has it).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui_chat.engine.models import Conversation, ToolMessage
from tui_chat.engine.tools.registry import ToolRegistry
from tui_chat.engine.tools.spec import ToolSpec
from tui_chat.engine.workbench.arguments import ArgumentProblem, check_arguments, parse_object
from tui_chat.engine.workbench.replay import manual_context, run_tool
from tui_chat.engine.workbench.tool_runs import RunHistory
from tui_chat.i18n import N_, _, ngettext
from tui_chat.ui.actions import Where, bindings
from tui_chat.ui.formatting import format_duration, one_line, visible
from tui_chat.ui.screens.modal import TuiModal
from tui_chat.ui.widgets.run_result import outcome_body, schema_summary
from tui_chat.ui.widgets.schema_form import SchemaForm

if TYPE_CHECKING:
    from tui_chat.ui.app import TuiChatApp

HISTORY_PREFIX = "run:"


def tool_row(spec: ToolSpec) -> Content:
    source = spec.source.rsplit("/", 1)[-1] if spec.source else _("built-in")
    return Content.assemble((visible(spec.name), "bold"), ("  " + one_line(source, 24), "$text-muted"))


def _tail(text: str, limit: int) -> str:
    """The end of a path, which names the file: ``…/tools/broken.py``."""
    line = one_line(text, len(text) + 1)
    return line if len(line) <= limit else "…" + line[-(limit - 1) :]


def history_row(run: ToolMessage) -> Content:
    icon, style = ("✓", "$tool-call-ok") if run.ok else ("✗", "$tool-call-error")
    return Content.assemble(
        (f"{icon} ", style),
        (one_line(run.name, 12).ljust(12), "bold"),
        (f" {format_duration(run.duration_ms):>7}", "$text-muted"),
        (f"  {run.created_at.astimezone():%H:%M:%S}", "$text-muted"),
    )


def problems_content(problems: list[ArgumentProblem]) -> Content:
    if not problems:
        return Content.styled("✓ " + _("matches the tool's schema"), "$tool-call-ok")
    return Content("\n").join(Content.styled(f"✗ {visible(str(p))}", "$tool-call-error") for p in problems)


class ToolsPanelScreen(TuiModal[None]):
    CSS_PATH = ["modals.tcss", "workbench.tcss"]
    BINDINGS = bindings(Where.TOOLS_PANEL)  # the keys are in ui/actions.py

    def __init__(
        self,
        registry: ToolRegistry,
        history: RunHistory,
        *,
        user_id: str,
        conversation: Conversation | None = None,
    ) -> None:
        super().__init__()
        self.registry = registry
        self.history = history
        self.user_id = user_id
        self.conversation = conversation
        self._form: SchemaForm | None = None
        self._choosing = asyncio.Lock()
        """One form is built at a time: a highlight and a reload can both ask for one."""
        self.tool: ToolSpec | None = None
        self.last_run: ToolMessage | None = None
        self.shown_run: ToolMessage | None = None
        """The run whose result is shown: the last one, or one chosen from the history."""
        self.runs: list[ToolMessage] = []
        self._unsubscribe: Callable[[], Any] | None = None

    def compose_body(self) -> ComposeResult:
        with Vertical(classes="modal-body workbench-body", id="tools-body"):
            if self.conversation is None:
                context = _("run by hand (no conversation)")
            else:
                context = _("run by hand (as {conversation})").format(
                    conversation=visible(self.conversation.id)
                )
            yield Static(
                Content.assemble((_("Tools"), "bold"), ("  " + context, "$text-muted")),
                classes="modal-title",
            )
            with Horizontal(id="tools-main"):
                with Vertical(id="tools-side"):
                    yield Static(Content(_("Tools")), classes="section-label")
                    yield OptionList(id="tools-list")
                    yield Static(id="tools-load-errors")
                    yield Static(Content(_("History")), classes="section-label")
                    yield OptionList(id="tools-history")
                with Vertical(id="tools-work"):
                    yield Static(id="tool-title")
                    yield Static(id="tool-schema", classes="field-hint")
                    yield Vertical(id="tools-form-slot")
                    yield TextArea.code_editor("{}", language="json", id="tools-raw", soft_wrap=True)
                    yield Static(id="tool-check")
                    with Horizontal(classes="modal-buttons"):
                        yield Button(_("Run"), variant="primary", id="run", compact=True)
                        yield Button(_("Form / JSON"), id="toggle-raw", compact=True)
                    with VerticalScroll(id="tools-result-box"):
                        yield Static(
                            outcome_body(None, empty=N_("Pick a tool, fill it in, ctrl+r runs it.")),
                            id="tools-result",
                        )

    async def on_mount(self) -> None:
        await self.refresh_tools()
        self._load_history()
        subscribe = getattr(self.registry, "subscribe", None)
        if callable(subscribe):  # the registry tells when its tools change (hot reload)
            unsubscribe = subscribe(self._registry_changed)
            self._unsubscribe = unsubscribe if callable(unsubscribe) else None
        self.query_one("#tools-list", OptionList).focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def _registry_changed(self, *_: Any) -> None:
        if self.is_mounted:
            self.call_later(self.refresh_tools)

    # -- the tool list --------------------------------------------------------------------------

    @property
    def specs(self) -> list[ToolSpec]:
        return list(self.registry.specs())

    async def refresh_tools(self) -> None:
        """Read the tools and load errors again; keep the chosen tool if it still exists."""
        specs = self.specs
        tools = self.query_one("#tools-list", OptionList)
        tools.set_options(Option(tool_row(spec), id=spec.name) for spec in specs)
        errors = self.registry.load_errors
        box = self.query_one("#tools-load-errors", Static)
        box.set_class(bool(errors), "-shown")
        box.update(
            Content("\n").join(
                Content(
                    "✗ "
                    + _("not loaded: {source}: {problem}").format(
                        source=_tail(e.source, 40), problem=one_line(e.message, 200)
                    )
                )
                for e in errors
            )
        )
        names = [spec.name for spec in specs]
        wanted = self.tool.name if self.tool is not None else (names[0] if names else None)
        if wanted in names:
            tools.highlighted = names.index(wanted)
            fresh = next(spec for spec in specs if spec.name == wanted)
            if self.tool is None:
                await self.choose(fresh)
            elif (fresh.parameters, fresh.description) != (self.tool.parameters, self.tool.description):
                typed = self.form.values()[0] if self.form is not None and not self.raw_mode else None
                await self.choose(fresh, typed)  # a new schema (reloaded): a new form, what was typed kept
            else:
                self.tool = fresh
        elif not names:
            self.tool = None
            self.query_one("#tool-title", Static).update(Content(_("No tools registered.")))

    @on(OptionList.OptionSelected, "#tools-list")
    async def _tool_chosen(self, event: OptionList.OptionSelected) -> None:
        """Enter on a tool: on to its first field (or the JSON editor)."""
        if self.tool is None or event.option.id != self.tool.name:
            spec = next((s for s in self.specs if s.name == event.option.id), None)
            if spec is not None:
                await self.choose(spec)
        fields = self.query("#tools-form Input, #tools-form Select, #tools-form Checkbox")
        if self.raw_mode or not fields:
            self.query_one("#tools-raw", TextArea).focus()
        else:
            fields.first().focus()

    @on(OptionList.OptionHighlighted, "#tools-list")
    async def _tool_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        spec = next((s for s in self.specs if s.name == event.option.id), None)
        if spec is not None and (self.tool is None or spec.name != self.tool.name):
            await self.choose(spec)

    async def choose(self, spec: ToolSpec, arguments: dict[str, Any] | None = None) -> None:
        """Show ``spec``'s form (filled from ``arguments`` when given)."""
        async with self._choosing:
            await self._choose(spec, arguments)

    async def _choose(self, spec: ToolSpec, arguments: dict[str, Any] | None) -> None:
        self.tool = spec
        description = spec.description.strip().splitlines()[0] if spec.description.strip() else ""
        self.query_one("#tool-title", Static).update(
            Content.assemble((visible(spec.name), "bold"), ("  " + visible(description), ""))
        )
        self.query_one("#tool-schema", Static).update(Content(schema_summary(spec.parameters)))
        slot = self.query_one("#tools-form-slot", Vertical)
        self._form = None  # the old form's fields are going: nothing reads them from now on
        await slot.remove_children()
        form = SchemaForm(spec.parameters, id="tools-form")
        await slot.mount(form)
        if not form.built:  # the panel is closing (the tool list changed as the app quit)
            return
        self._form = form
        raw = self.query_one("#tools-raw", TextArea)
        if arguments is not None:
            form.load(arguments)
            raw.load_text(json.dumps(arguments, indent=2, ensure_ascii=False))
        elif not self.raw_mode:
            raw.load_text(json.dumps(form.values()[0], indent=2, ensure_ascii=False))
        self._check()

    # -- arguments ------------------------------------------------------------------------------

    @property
    def raw_mode(self) -> bool:
        return self.query_one("#tools-work").has_class("-raw")

    @property
    def form(self) -> SchemaForm | None:
        """The form shown, once its fields are mounted."""
        return self._form

    def arguments(self) -> tuple[str, list[ArgumentProblem]]:
        """The arguments as JSON text, and what is wrong with them (per field, then the schema's)."""
        if self.raw_mode or self.form is None:
            text = self.query_one("#tools-raw", TextArea).text
            problems: list[ArgumentProblem] = []
        else:
            values, problems = self.form.values()
            text = json.dumps(values, ensure_ascii=False)
        if self.tool is not None and not problems:
            problems = check_arguments(self.tool.parameters, text)
        return text, problems

    @on(SchemaForm.Changed)
    @on(TextArea.Changed, "#tools-raw")
    def _check(self) -> None:
        problems = self.arguments()[1]
        self.query_one("#tool-check", Static).update(problems_content(problems))

    @on(Button.Pressed, "#toggle-raw")
    def action_toggle_raw(self) -> None:
        work = self.query_one("#tools-work")
        raw = self.query_one("#tools-raw", TextArea)
        form = self.form
        if not self.raw_mode:
            if form is not None:
                raw.load_text(json.dumps(form.values()[0], indent=2, ensure_ascii=False))
            work.add_class("-raw")
            raw.focus()
        else:
            value, problem = parse_object(raw.text)
            if problem is not None or value is None:
                self.notify(
                    _("Fix the JSON first: {problem}").format(problem=problem),
                    severity="warning",
                    markup=False,
                )
                return
            if form is not None:
                form.load(value)
            work.remove_class("-raw")
        self._check()

    # -- running --------------------------------------------------------------------------------

    @on(Button.Pressed, "#run")
    def action_run(self) -> None:
        if self.tool is None:
            self.notify(_("Pick a tool first."), severity="warning")
            return
        text = self.arguments()[0]  # run even when it does not match: see what the tool does with it
        self.query_one("#tools-result", Static).update(
            Content.styled(
                "… " + _("running {name}").format(name=visible(self.tool.name)), "$tool-call-running"
            )
        )
        self._run(self.tool.name, text)

    @work(exclusive=True, group="tools-run")
    async def _run(self, name: str, arguments: str) -> None:
        context = manual_context(self.user_id, self.conversation)
        try:
            run = await run_tool(self.registry, name, arguments, context)
        except Exception as error:  # execute() never raises; a broken registry must not end the app
            message = "✗ " + _("could not run: {error}").format(
                error=f"{type(error).__name__}: {visible(str(error))}"
            )
            self.query_one("#tools-result", Static).update(Content.styled(message, "$tool-call-error"))
            return
        self.last_run = self.shown_run = run
        self.query_one("#tools-result", Static).update(outcome_body(run))
        try:
            self.history.append(run)
        except OSError as error:
            self.notify(
                _("The run was not added to the history: {error}").format(error=error),
                severity="warning",
                markup=False,
            )
        self._load_history()
        await self.refresh_tools()

    def _load_history(self) -> None:
        try:
            self.runs = self.history.load()
        except OSError as error:
            self.runs = []
            self.notify(
                _("Cannot read the run history: {error}").format(error=error),
                severity="warning",
                markup=False,
            )
        history = self.query_one("#tools-history", OptionList)
        history.set_options(
            Option(history_row(run), id=f"{HISTORY_PREFIX}{n}") for n, run in enumerate(self.runs)
        )
        if self.history.skipped:
            skipped = self.history.skipped
            self.notify(
                ngettext(
                    "{n} unreadable line in {path} was skipped.",
                    "{n} unreadable lines in {path} were skipped.",
                    skipped,
                ).format(n=skipped, path=self.history.path),
                markup=False,
            )

    @on(OptionList.OptionSelected, "#tools-history")
    async def _history_chosen(self, event: OptionList.OptionSelected) -> None:
        """Show a past run again, with its tool and arguments ready to run again."""
        run = self.runs[int((event.option.id or "run:0").removeprefix(HISTORY_PREFIX))]
        value = parse_object(run.arguments)[0]
        spec = next((s for s in self.specs if s.name == run.name), None)
        if spec is not None:
            names = [s.name for s in self.specs]
            self.tool = spec
            self.query_one("#tools-list", OptionList).highlighted = names.index(spec.name)
            await self.choose(spec, value if value is not None else None)
        if value is None:
            self.query_one("#tools-raw", TextArea).load_text(run.arguments)
            self.query_one("#tools-work").add_class("-raw")
        self.query_one("#tools-result", Static).update(outcome_body(run))
        self.shown_run = run

    def action_copy_test(self) -> None:
        """The run shown (the last one, or one picked from the history) as a pytest function."""
        from tui_chat.engine.workbench.call_export import NotExportable, call_as_test

        run = self.shown_run
        if run is None:
            self.notify(_("Run the tool first (ctrl+r)."), severity="warning")
            return
        spec = next((s for s in self.specs if s.name == run.name), None)
        try:
            source = call_as_test(run, spec, manual_context(self.user_id, self.conversation))
        except NotExportable as reason:
            self.notify(
                _("Cannot copy as a test: {reason}.").format(reason=reason), severity="warning", markup=False
            )
            return
        self.app.copy_to_clipboard(source)
        lines = source.count("\n")
        self.notify(
            ngettext(
                "Copied a pytest test for this run ({n} line).",
                "Copied a pytest test for this run ({n} lines).",
                lines,
            ).format(n=lines),
            markup=False,
        )

    def action_focus_history(self) -> None:
        self.query_one("#tools-history", OptionList).focus()

    def action_close(self) -> None:
        self.dismiss(None)


def open_tools_panel(app: TuiChatApp) -> None:
    """Push the panel with the app's registry, the run history of its data dir and the open conversation."""
    from tui_chat.ui.screens.main import MainScreen

    main = next((screen for screen in app.screen_stack if isinstance(screen, MainScreen)), None)
    conversation = main.conversation if main is not None else None
    if isinstance(app.screen, ToolsPanelScreen):
        return
    app.push_screen(
        ToolsPanelScreen(
            app.workspace.services.registry,
            RunHistory.in_data_dir(app.data_dir),
            user_id=app.config.session.user_id,
            conversation=conversation,
        )
    )
