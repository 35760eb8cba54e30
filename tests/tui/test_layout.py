"""The console fits 80×24, 120×40 and 160×50: no top-level scrolling, nothing clipped, panels adapt."""

from __future__ import annotations

import anyio
import pytest
from textual.pilot import Pilot
from textual.widget import Widget

from dashtui.metrics import Registry
from dashtui.metrics.types import Metric, MetricType, ValueType
from dashtui.thresholds import compile_thresholds
from dashtui.tui import DashApp
from dashtui.tui.screens.main import MainScreen, layout_for
from dashtui.tui.views.endpoints import COLUMNS
from dashtui.tui.widgets import EndpointTable, RunHeader, TextPanel

from .console_fakes import ENDPOINTS, FakeSession, build_snapshot

pytestmark = pytest.mark.anyio

SIZES = [(80, 24), (120, 40), (160, 50)]
IDS = ["80x24", "120x40", "160x50"]

DASHBOARD_THRESHOLDS = compile_thresholds(
    {
        "http_req_failed": ["rate<0.01"],
        "http_req_duration": ["p(95)<2000"],
        "initial_load_duration": ["p(95)<3000"],
        "refresh_duration": ["p(95)<1000"],
        "dashboard_errors": ["rate<0.01"],
        "realtime_subscriptions": ["rate>0.99"],
        "realtime_subscribe_duration": ["p(95)<1000"],
    },
    Registry(
        (
            Metric("initial_load_duration", MetricType.TREND, ValueType.TIME),
            Metric("refresh_duration", MetricType.TREND, ValueType.TIME),
            Metric("dashboard_errors", MetricType.RATE),
        )
    ),
)
"""The dashboard preset's seven thresholds."""


def dashboard_session() -> FakeSession:
    snapshot = build_snapshot(seconds=12, realtime=True)
    from dashtui.thresholds import evaluate as evaluate_thresholds

    return FakeSession(
        snapshot_value=snapshot, results_value=evaluate_thresholds(DASHBOARD_THRESHOLDS, snapshot)
    )


async def settled(pilot: Pilot[None], app: DashApp) -> MainScreen:
    with anyio.fail_after(5):
        while app.frames < 2:
            await pilot.pause(0.01)
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, MainScreen)
    return screen


def shown(widget: Widget) -> bool:
    return widget.display and widget.region.area > 0


def assert_fits(screen: MainScreen, size: tuple[int, int]) -> None:
    """Every visible widget lies inside the screen, and neither the screen nor the body scrolls."""
    width, height = size
    for widget in screen.query("*"):
        if shown(widget):
            region = widget.region
            assert region.right <= width and region.bottom <= height, (widget, region)
    body = screen.query_one("#body")
    for scroller in (screen, body):
        assert not scroller.show_vertical_scrollbar and not scroller.show_horizontal_scrollbar
        assert scroller.max_scroll_y == 0 and scroller.max_scroll_x == 0, scroller
    assert screen.query_one(RunHeader).region.height >= 3
    footer = screen.query_one("Footer")
    assert footer.region.bottom == height


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_the_console_fits_without_top_level_scrolling(size: tuple[int, int]) -> None:
    app = DashApp(dashboard_session(), fps=20.0)
    async with app.run_test(size=size) as pilot:
        screen = await settled(pilot, app)
        assert screen.layout_name == layout_for(*size)
        assert_fits(screen, size)
        table = screen.query_one(EndpointTable)
        assert table.row_count == len(ENDPOINTS)
        assert table.region.height >= len(ENDPOINTS) + 1
        assert table.max_scroll_x == 0 and not table.show_horizontal_scrollbar
        labels = [str(column.label) for column in table.columns.values()]
        for latency in ("p50", "p95", "p99", "max"):
            assert latency in labels
        if size[0] >= 120:
            assert len(labels) == len(COLUMNS)


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_a_fourth_header_line_still_fits(size: tuple[int, int]) -> None:
    """Room for a per-worker health line: the panels give up a row, nothing scrolls."""
    app = DashApp(dashboard_session(), fps=20.0)
    async with app.run_test(size=size) as pilot:
        screen = await settled(pilot, app)
        screen.query_one(RunHeader).styles.height = 4
        await pilot.pause()
        assert screen.query_one(RunHeader).region.height == 4
        assert_fits(screen, size)


@pytest.mark.parametrize("size", [(120, 40), (160, 50)], ids=["120x40", "160x50"])
async def test_all_seven_dashboard_thresholds_and_full_check_names_are_visible(size: tuple[int, int]) -> None:
    app = DashApp(dashboard_session(), fps=20.0)
    async with app.run_test(size=size) as pilot:
        screen = await settled(pilot, app)
        lights = screen.query_one("#thresholds", TextPanel)
        assert shown(lights)
        assert lights.content is not None
        assert len(lights.content.plain.splitlines()) == 7
        assert lights.scrollable_content_region.height >= 7 and lights.max_scroll_y == 0
        checks = screen.query_one("#checks", TextPanel)
        assert shown(checks) and checks.content is not None
        inner = checks.scrollable_content_region.width
        for line in checks.content.plain.splitlines():
            name_end = line.index(" status 200") + len(" status 200")
            assert name_end <= inner, line


@pytest.mark.parametrize("size", SIZES, ids=IDS)
async def test_every_panel_can_be_brought_on_screen(size: tuple[int, int]) -> None:
    """At sizes where the lower panels share tabs, keys 1–6 show each; at 160×50 all are on screen."""
    app = DashApp(dashboard_session(), fps=20.0)
    async with app.run_test(size=size) as pilot:
        screen = await settled(pilot, app)
        panels = ("thresholds", "checks", "groups", "chart-panel", "hist-panel", "failures", "realtime")
        if screen.layout_name == "full":
            assert all(shown(screen.query_one(f"#{p}")) for p in panels)
            return
        for key, tab_panels in zip(
            "123456",
            (
                ["thresholds"],
                ["checks"],
                ["groups"],
                ["chart-panel", "hist-panel"],
                ["failures"],
                ["realtime"],
            ),
            strict=True,
        ):
            await pilot.press(key)
            await pilot.pause()
            for panel in tab_panels:
                widget = screen.query_one(f"#{panel}")
                assert shown(widget), (key, panel)
                assert widget.region.height >= 5, (key, panel, widget.region)
            assert_fits(screen, size)


async def test_the_layout_follows_a_resize() -> None:
    app = DashApp(dashboard_session(), fps=20.0)
    async with app.run_test(size=(160, 50)) as pilot:
        screen = await settled(pilot, app)
        assert screen.layout_name == "full"
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.layout_name == "compact"
        assert screen.query_one(EndpointTable).compact
        assert_fits(screen, (80, 24))
