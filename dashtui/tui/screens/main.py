"""The main screen: header, sparklines, endpoint table, thresholds, checks, groups, charts, failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from ...run.protocol import RunInfo
from ..views.endpoints import RATE_SECONDS
from ..views.live import LiveView
from ..views.realtime import render_realtime
from ..views.series import latency_histogram, latency_series
from ..views.tables import render_checks, render_failures, render_groups
from ..views.thresholds import render_thresholds
from ..widgets import (
    EndpointTable,
    LatencyChart,
    LatencyHistogram,
    Panel,
    RunHeader,
    SparkStrip,
    TextPanel,
)

__all__ = ["PERIODS", "MainScreen", "due_lanes", "record_drawn"]

PERIODS: dict[str, tuple[int, int]] = {
    "table": (RATE_SECONDS, 0),
    "text": (2, 1),
    "chart": (4, 3),
    "histogram": (12, 9),
}
"""Per group of panels: closed seconds between redraws, and a phase that staggers the groups so no
single frame redraws everything."""


def due_lanes(drawn: dict[str, int], mark: int) -> frozenset[str]:
    """The groups to redraw when the newest closed second is `mark`, given when each was last drawn."""
    due: set[str] = set()
    for lane, (period, _) in PERIODS.items():
        last = drawn.get(lane)
        if last is None or mark < last or mark - last >= period:
            due.add(lane)
    return frozenset(due)


def record_drawn(drawn: dict[str, int], lanes: frozenset[str], mark: int) -> None:
    """Note that `lanes` were drawn at `mark`; a first drawing is backdated by the lane's phase."""
    for lane in lanes:
        drawn[lane] = mark if lane in drawn else mark - PERIODS[lane][1]


class MainScreen(Screen[None]):
    """Everything about the run at a glance; `show` pushes one `LiveView` into the widgets."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    ALLOW_IN_MAXIMIZED_VIEW: ClassVar[str | None] = "RunHeader, Footer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "toggle_maximize", "Maximise", tooltip="Maximise the focused panel (escape restores)"),
    ]

    def __init__(self, info: RunInfo, *, fps: float, on_frame: Callable[[], None]) -> None:
        """
        Args:
            info: The run, for the header.
            fps: How often `on_frame` is called.
            on_frame: Pulls a frame and calls `show`; the timer belongs to this screen, so it stops
                before the screen's widgets go away when the app closes.
        """
        super().__init__(id="main")
        self.info = info
        self._fps = fps
        self._on_frame = on_frame
        self._drawn: dict[str, int] = {}
        self._table_shape: tuple[tuple[str, bool], ...] = ()
        self._frame_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield RunHeader(id="header")
        with VerticalScroll(id="body", can_focus=False):
            yield SparkStrip(id="sparks")
            yield Panel(EndpointTable(id="endpoints"), title="Endpoints", id="endpoints-panel")
            with Horizontal(id="row-status", classes="row"):
                yield TextPanel(title="Thresholds", id="thresholds")
                yield TextPanel(title="Checks", id="checks")
                yield TextPanel(title="Groups", id="groups")
            with Horizontal(id="row-latency", classes="row"):
                yield Panel(
                    LatencyChart(id="latency-chart"), title="Latency p50 / p95 / p99", id="chart-panel"
                )
                yield Panel(
                    LatencyHistogram(id="latency-histogram"), title="Latency histogram", id="hist-panel"
                )
            with Horizontal(id="row-events", classes="row"):
                yield TextPanel(title="Recent failures", id="failures")
                yield TextPanel(title="Realtime", id="realtime")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(EndpointTable).focus()
        self._on_frame()
        self._frame_timer = self.set_interval(1 / self._fps, self._on_frame, name="frame")

    def stop_frames(self) -> None:
        if self._frame_timer is not None:
            self._frame_timer.stop()

    def show(self, view: LiveView, *, everything: bool = False) -> None:
        """Push one frame into the widgets.

        The header, the sparklines (whose VU count is live; their series grows as each second closes) and
        the threshold lights follow every frame. The rest changes only when a second
        closes, and is redrawn on its own period (`PERIODS`, in closed seconds): rendering costs the
        generator CPU in the same process, and a table of digits or a chart redrawn faster than its
        data changes buys nothing. A new endpoint, or a change in which rows breach a threshold,
        reaches the table at once. `everything` redraws all panels (the final frame).
        """
        mark = view.window_mark
        due = frozenset(PERIODS) if everything else due_lanes(self._drawn, mark)
        with self.app.batch_update():
            self.query_one(RunHeader).show(view.info, view.progress)
            self.query_one("#thresholds", TextPanel).set_content(render_thresholds(view.thresholds))
            if "table" in due or view.endpoint_shape != self._table_shape:
                self._table_shape = view.endpoint_shape
                self.query_one(EndpointTable).show(view.endpoints)
            self.query_one(SparkStrip).show(view.sparks, view.progress.vus)
            if "text" in due:
                self.query_one("#checks", TextPanel).set_content(render_checks(view.checks))
                self.query_one("#groups", TextPanel).set_content(render_groups(view.groups))
                self.query_one("#failures", TextPanel).set_content(render_failures(view.failures))
                self.query_one("#realtime", TextPanel).set_content(render_realtime(view.realtime))
            if "chart" in due:
                self.query_one(LatencyChart).show(latency_series(view.snapshot.windows))
            if "histogram" in due:
                digest = view.snapshot.trend("http_req_duration")
                if digest is not None:
                    self.query_one(LatencyHistogram).show(latency_histogram(digest))
        record_drawn(self._drawn, due, mark)

    def action_toggle_maximize(self) -> None:
        if self.maximized is not None:
            self.minimize()
        elif self.focused is not None:
            self.maximize(self.focused)
