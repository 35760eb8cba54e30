"""The results screen: how the run ended, the final thresholds, the summary and where the reports are."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...run.protocol import RunOutcome
from ..views.thresholds import render_thresholds, threshold_lines
from ..widgets import TextPanel

__all__ = ["ResultsScreen", "RunErrorScreen", "render_outcome_title", "render_report_paths"]


def render_outcome_title(outcome: RunOutcome) -> Content:
    """`Run finished: thresholds failed · exit code 99`, coloured by the verdict."""
    style = (
        "bold $text-success on $success-muted"
        if outcome.exit_code == 0
        else "bold $text-error on $error-muted"
    )
    return Content.assemble(
        (" PASSED " if outcome.exit_code == 0 else " FAILED ", style),
        " Run ended: ",
        (outcome.reason, "bold"),
        f" · exit code {outcome.exit_code}",
    )


def render_report_paths(paths: tuple[str, ...], errors: tuple[str, ...] = ()) -> Content:
    lines = [Content.assemble(("report ", "$text-muted"), path) for path in paths]
    lines += [Content.assemble(("not written ", "bold $text-error"), error) for error in errors]
    if not lines:
        return Content.styled("no report files were written", "$text-muted")
    return Content("\n").join(lines)


class _LeaveBindings(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "leave", "Exit"),
        Binding("enter", "leave", "Exit", show=False),
        Binding("escape", "leave", "Exit", show=False),
    ]

    exit_code = 0

    def action_leave(self) -> None:
        self.app.exit(return_code=self.exit_code)


class ResultsScreen(_LeaveBindings):
    """Shown when the run has ended and its reports are written; q, enter or escape exit the app."""

    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def __init__(self, outcome: RunOutcome) -> None:
        super().__init__(id="results")
        self.outcome = outcome
        self.exit_code = outcome.exit_code

    def compose(self) -> ComposeResult:
        outcome = self.outcome
        yield Static(render_outcome_title(outcome), id="results-title", markup=False)
        lights = TextPanel(title="Thresholds", id="results-thresholds")
        yield lights
        with VerticalScroll(id="results-summary", classes="panel") as summary:
            summary.border_title = "Summary"
            yield Static(Content(outcome.summary_text), markup=False)
        yield Static(
            render_report_paths(outcome.report_paths, outcome.report_errors),
            id="results-reports",
            markup=False,
        )
        yield Footer()

    def on_mount(self) -> None:
        lines = threshold_lines(self.outcome.results, self.outcome.snapshot)
        self.query_one("#results-thresholds", TextPanel).set_content(render_thresholds(lines))
        self.query_one("#results-summary").focus()


class RunErrorScreen(_LeaveBindings):
    """Shown when the run itself failed (a bug or a broken target set-up), instead of results."""

    exit_code = 1

    def __init__(self, error: BaseException) -> None:
        super().__init__(id="run-error")
        self.error = error

    def compose(self) -> ComposeResult:
        yield Static(
            Content.assemble((" ERROR ", "bold $text-error on $error-muted"), " The run failed."),
            id="results-title",
            markup=False,
        )
        with VerticalScroll(id="results-summary", classes="panel") as body:
            body.border_title = "Error"
            yield Static(Content(f"{type(self.error).__name__}: {self.error}"), markup=False)
        yield Footer()
