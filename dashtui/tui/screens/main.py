"""The main screen: header, sparklines, endpoint table, thresholds, checks, groups, charts, failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Footer, Tab, Tabs

from ...run.protocol import RunInfo
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

__all__ = ["LAYOUTS", "PERIODS", "TABS", "MainScreen", "due_lanes", "layout_for", "record_drawn"]

TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("thresholds", "Thresholds", ("thresholds",)),
    ("checks", "Checks", ("checks",)),
    ("groups", "Groups", ("groups",)),
    ("latency", "Latency", ("chart-panel", "hist-panel")),
    ("failures", "Failures", ("failures",)),
    ("realtime", "Realtime", ("realtime",)),
)
"""(tab id, label, panels it shows) for the lower panels when they do not all fit."""

LAYOUTS: dict[str, frozenset[str]] = {
    "full": frozenset(),
    "medium": frozenset({"groups", "latency", "failures", "realtime"}),
    "compact": frozenset(tab for tab, _, _ in TABS),
}
"""Per layout, the tabs it shows; the panels of the other tabs are always on screen."""

FULL_SIZE = (140, 46)
MEDIUM_SIZE = (100, 32)
COMPACT_TABLE_WIDTH = 118
"""Below this width the endpoint table drops its status-class columns so the latencies stay visible."""


def layout_for(width: int, height: int) -> str:
    """`full` (every panel), `medium` (the lower panels tabbed) or `compact` (every panel below the table
    tabbed, sparklines as one line) for a terminal of this size."""
    if width >= FULL_SIZE[0] and height >= FULL_SIZE[1]:
        return "full"
    if width >= MEDIUM_SIZE[0] and height >= MEDIUM_SIZE[1]:
        return "medium"
    return "compact"


PERIODS: dict[str, tuple[int, int]] = {
    "table": (2, 0),
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
    """Everything about the run at a glance; `show` pushes one `LiveView` into the widgets.

    Nothing scrolls at the top level: the layout (`layout_for`) decides which panels share a tabbed
    area, and a panel scrolls inside its own frame when its content is longer.
    """

    ALLOW_IN_MAXIMIZED_VIEW: ClassVar[str | None] = "RunHeader, Footer"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "m",
            "toggle_maximize",
            "Maximise",
            tooltip="Maximise the focused panel (escape restores)",
            show=False,
        ),
        *(
            Binding(str(n), f"show_tab('{tab}')", label, show=False)
            for n, (tab, label, _) in enumerate(TABS, start=1)
        ),
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
        self.layout_name = ""
        """The current layout: `full`, `medium` or `compact`."""
        self.current_tab = "thresholds"
        self._layout_state: tuple[str, bool, str] | None = None

    def compose(self) -> ComposeResult:
        yield RunHeader(id="header")
        with Vertical(id="body"):
            yield SparkStrip(id="sparks")
            yield Panel(EndpointTable(id="endpoints"), title="Endpoints", id="endpoints-panel")
            with Horizontal(id="row-status", classes="row"):
                yield TextPanel(title="Thresholds", id="thresholds")
                yield TextPanel(title="Checks", id="checks")
            yield Tabs(*(Tab(label, id=f"tab-{tab}") for tab, label, _ in TABS), id="lower-tabs")
            with Horizontal(id="row-latency", classes="row"):
                yield Panel(
                    LatencyChart(id="latency-chart"), title="Latency p50 / p95 / p99", id="chart-panel"
                )
                yield Panel(
                    LatencyHistogram(id="latency-histogram"), title="Latency histogram", id="hist-panel"
                )
            with Horizontal(id="row-events", classes="row"):
                yield TextPanel(title="Groups", id="groups")
                yield TextPanel(title="Recent failures", id="failures")
                yield TextPanel(title="Realtime", id="realtime")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#lower-tabs", Tabs).can_focus = False
        self._apply_layout(layout_for(self.size.width, self.size.height))
        self.query_one(EndpointTable).focus()
        self._on_frame()
        self._frame_timer = self.set_interval(1 / self._fps, self._on_frame, name="frame")

    def on_resize(self, event: events.Resize) -> None:
        self._apply_layout(layout_for(event.size.width, event.size.height))

    def _apply_layout(self, name: str) -> None:
        """Show the panels the layout keeps on screen and the current tab's; hide the rest."""
        compact_table = self.size.width < COMPACT_TABLE_WIDTH
        tabbed = LAYOUTS[name]
        if tabbed and self.current_tab not in tabbed:
            self.current_tab = "latency" if "thresholds" not in tabbed else "thresholds"
        state = (name, compact_table, self.current_tab)
        if state == self._layout_state:
            return
        self._layout_state = state
        self.query_one(EndpointTable).set_compact(compact_table)
        self.layout_name = name
        for mode in LAYOUTS:
            self.set_class(mode == name, f"-{mode}")
        tabs = self.query_one("#lower-tabs", Tabs)
        tabs.display = bool(tabbed)
        status = self.query_one("#row-status")
        body = self.query_one("#body")
        tabs_first = body.children.index(tabs) < body.children.index(status)
        if "thresholds" in tabbed and not tabs_first:
            body.move_child(tabs, before=status)
        elif "thresholds" not in tabbed and tabs_first:
            body.move_child(tabs, after=status)
        if tabbed:
            tabs.show(f"tab-{self.current_tab}")
            if tabs.active != f"tab-{self.current_tab}":
                tabs.active = f"tab-{self.current_tab}"
        for tab, _, _ in TABS:
            if tab in tabbed:
                tabs.show(f"tab-{tab}")
            elif tab != self.current_tab or not tabbed:
                tabs.hide(f"tab-{tab}")
        current = dict((tab, panels) for tab, _, panels in TABS).get(self.current_tab, ())
        for tab, _, panels in TABS:
            for panel_id in panels:
                self.query_one(f"#{panel_id}").display = tab not in tabbed or panel_id in current
        for row in self.query(".row"):
            shown = [child for child in row.children if child.display]
            row.display = bool(shown)
            row.set_class(any(child.id in current for child in shown), "-current")

    @on(Tabs.TabActivated, "#lower-tabs")
    def _tab_activated(self, event: Tabs.TabActivated) -> None:
        event.stop()
        if event.tab.id is None:
            return
        tab = event.tab.id.removeprefix("tab-")
        if tab != self.current_tab and tab in LAYOUTS[self.layout_name]:
            self.current_tab = tab
            self._apply_layout(self.layout_name)

    def action_show_tab(self, tab: str) -> None:
        """Keys 1–6: show that tab's panels (when the layout tabs them) and focus the first."""
        if tab not in LAYOUTS[self.layout_name]:
            return
        self.current_tab = tab
        self._apply_layout(self.layout_name)
        panels = dict((t, p) for t, _, p in TABS)[tab]
        first: Widget = self.query_one(f"#{panels[0]}")
        focus = first if first.can_focus else next(iter(first.query("LatencyChart")), first)
        focus.focus()

    def stop_frames(self) -> None:
        if self._frame_timer is not None:
            self._frame_timer.stop()

    def show(self, view: LiveView, *, everything: bool = False, stop_left: float | None = None) -> None:
        """Push one frame into the widgets.

        The header, the sparklines (whose VU count is live; their series grows as each second closes) and
        the threshold lights follow every frame. The rest changes only when a second
        closes, and is redrawn on its own period (`PERIODS`, in closed seconds): rendering costs the
        generator CPU in the same process, and a table of digits or a chart redrawn faster than its
        data changes buys nothing. A new endpoint, or a change in which rows breach a threshold,
        reaches the table at once. `everything` redraws all panels (the final frame); `stop_left` is
        the graceful stop's countdown.
        """
        mark = view.window_mark
        due = frozenset(PERIODS) if everything else due_lanes(self._drawn, mark)
        with self.app.batch_update():
            self.query_one(RunHeader).show(view.info, view.progress, stop_left=stop_left)
            self.query_one("#thresholds", TextPanel).set_content(render_thresholds(view.thresholds))
            if "table" in due or view.endpoint_shape != self._table_shape:
                self._table_shape = view.endpoint_shape
                self.query_one(EndpointTable).show(view.endpoints)
            self.query_one(SparkStrip).show(view.sparks, view.progress.vus, view.headline)
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
