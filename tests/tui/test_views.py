"""The console's pure view models and renderers, tested without an app."""

from __future__ import annotations

from dataclasses import replace

import pytest

from dashtui.clock import FakeClock
from dashtui.engine.selfmon import GeneratorHealth, LoadFigures
from dashtui.metrics import Aggregator, FailureRecord, Registry, Sample, Snapshot, TrendDigest, make_tags
from dashtui.metrics.snapshot import WindowStats
from dashtui.run.protocol import Progress, RunStatus
from dashtui.thresholds.results import ThresholdResult
from dashtui.tui.views import (
    Health,
    Light,
    RunState,
    breaching_endpoints,
    check_rows,
    endpoint_rows,
    failure_rows,
    group_label,
    group_rows,
    health_level,
    latency_histogram,
    latency_series,
    light_state,
    progress_bar,
    realtime_view,
    render_checks,
    render_header,
    render_realtime,
    render_thresholds,
    run_state,
    sort_order,
    spark_series,
    threshold_lines,
)

from .console_fakes import INFO, THRESHOLDS, build_snapshot

DURATION, FAILED, ORDERS, DASHBOARD_P95 = THRESHOLDS


def _request(agg: Aggregator, clock: FakeClock, name: str, ms: float, status: int) -> None:
    failed = not 200 <= status < 400
    tags = make_tags(
        {"name": name, "method": "GET", "status": str(status), "expected_response": str(not failed).lower()}
    )
    agg.add(Sample("http_req_duration", ms, tags, clock.now()))


def _window(index: int, requests: int = 10, **values: float) -> WindowStats:
    return WindowStats(
        index=index,
        requests=requests,
        failed=int(values.get("failed", 0)),
        p50=values.get("p50", 10.0),
        p95=values.get("p95", 20.0),
        p99=values.get("p99", 30.0),
        max=values.get("max", 40.0),
        vus=values.get("vus", 5.0),
        iterations=1,
    )


def _progress(**status: object) -> Progress:
    return Progress(
        elapsed=90.0,
        planned=180.0,
        vus=21,
        vus_max=22,
        complete=300,
        interrupted=2,
        scenarios=(),
        status=RunStatus(**{"running": True, **status}),  # type: ignore[arg-type]
        loop_lag_ms=2.0,
        cpu_percent=30.0,
    )


class TestThresholdLights:
    def test_light_follows_ok(self) -> None:
        assert light_state(ThresholdResult(DURATION, None, None)) is Light.PENDING
        assert light_state(ThresholdResult(DURATION, True, 412.0)) is Light.PASS
        assert light_state(ThresholdResult(DURATION, False, 3412.0)) is Light.FAIL

    def test_labels_show_observed_beside_limit_in_the_metrics_unit(self) -> None:
        snapshot = build_snapshot(seconds=2)
        results = (
            ThresholdResult(DURATION, True, 412.0),
            ThresholdResult(FAILED, False, 0.0052),
            ThresholdResult(ORDERS, None, None),
        )
        lines = threshold_lines(results, snapshot)
        assert [line.label for line in lines] == [
            "p(95)=412ms < 3000ms",
            "rate=0.52% < 1.00%",
            "p(95)<200",
        ]
        assert [line.light for line in lines] == [Light.PASS, Light.FAIL, Light.PENDING]

    def test_a_threshold_on_a_metric_without_samples_says_so_and_stays_grey(self) -> None:
        """k6 passes it (the k6-format summary keeps k6's verdict); the console does not call it a pass."""
        results = (ThresholdResult(DURATION, True, 0.0), ThresholdResult(FAILED, True, 0.0))
        lines = threshold_lines(results, build_snapshot(seconds=2, endpoints=()))
        assert [line.label for line in lines] == ["p(95)<3000 · no samples", "rate<0.01 · no samples"]
        assert [line.light for line in lines] == [Light.PENDING, Light.PENDING]

    def test_the_threshold_that_aborted_the_run_is_marked(self) -> None:
        results = (ThresholdResult(DURATION, True, 1.0), ThresholdResult(FAILED, False, 0.5))
        lines = threshold_lines(results, Snapshot.empty(), aborted_by="http_req_failed: rate<0.01")
        assert [line.aborted for line in lines] == [False, True]
        assert "ABORTED" in render_thresholds(lines).plain

    def test_render_colours_each_light(self) -> None:
        results = (
            ThresholdResult(DURATION, True, 1.0),
            ThresholdResult(FAILED, False, 0.5),
            ThresholdResult(ORDERS, None, None),
        )
        content = render_thresholds(threshold_lines(results, build_snapshot(seconds=2)))
        text = content.plain
        marks = [i for i, ch in enumerate(text) if ch in "●○"]
        styles = [
            next(str(span.style) for span in content.spans if span.start <= i < span.end) for i in marks
        ]
        assert styles == ["$success", "$error", "$text-muted"]

    def test_only_failing_thresholds_on_a_name_selector_mark_endpoints(self) -> None:
        group_threshold = replace(DURATION, metric_key="http_req_duration{group:::initial_load}")
        assert breaching_endpoints([ThresholdResult(ORDERS, False, 300.0)]) == {"orders"}
        assert breaching_endpoints([ThresholdResult(ORDERS, True, 100.0)]) == set()
        assert breaching_endpoints([ThresholdResult(ORDERS, None, None)]) == set()
        assert breaching_endpoints([ThresholdResult(group_threshold, False, 1.0)]) == set()


class TestEndpointRows:
    def _snapshot(self) -> Snapshot:
        clock = FakeClock()
        agg = Aggregator(Registry(), clock=clock)
        for ms, status in ((10.0, 200), (20.0, 200), (30.0, 503), (40.0, 0)):
            _request(agg, clock, "events", ms, status)
        _request(agg, clock, "orders", 100.0, 200)
        clock.advance(1.0)
        _request(agg, clock, "orders", 300.0, 404)
        clock.advance(1.0)
        return agg.snapshot()

    def test_rows_carry_counts_classes_and_k6_percentiles(self) -> None:
        events, orders = endpoint_rows(self._snapshot(), frozenset({"orders"}))
        assert events.name == "events"
        assert events.requests == 4
        assert events.classes == (2, 0, 0, 1, 1)
        assert events.error_rate == pytest.approx(0.5)
        assert events.p50 == pytest.approx(25.0)
        assert events.max == pytest.approx(40.0)
        assert events.last_status == 0
        assert not events.breaching
        assert orders.breaching
        assert orders.classes == (1, 0, 1, 0, 0)

    def test_requests_per_second_average_the_last_closed_seconds(self) -> None:
        events, orders = endpoint_rows(self._snapshot(), rate_seconds=1)
        assert (events.rps, orders.rps) == (0.0, 1.0)
        events, orders = endpoint_rows(self._snapshot(), rate_seconds=2)
        assert (events.rps, orders.rps) == (2.0, 1.0)

    def test_cells_are_formatted_and_mark_breaches(self) -> None:
        events, orders = endpoint_rows(self._snapshot(), frozenset({"orders"}))
        assert events.cells()["last"] == "err"
        assert events.cells()["errors"] == "50.0%"
        assert orders.cells()["mark"] == "▲"
        assert events.cells()["mark"] == " "

    def test_sort_order_by_column_then_name(self) -> None:
        rows = endpoint_rows(build_snapshot(seconds=3))
        assert sort_order(rows, None) == ["events", "tickets", "orders", "vip_reservations"]
        by_p95 = sort_order(rows, "p95", reverse=True)
        assert by_p95[0] == "orders"
        assert sort_order(rows, "name") == sorted(r.name for r in rows)


class TestSeries:
    def test_sparklines_keep_the_last_seconds(self) -> None:
        windows = [_window(i, requests=i, vus=float(i), failed=i // 2) for i in range(1, 11)]
        series = spark_series(windows, limit=4)
        assert series.rps == (7.0, 8.0, 9.0, 10.0)
        assert series.vus == (7.0, 8.0, 9.0, 10.0)
        assert series.error_rate == pytest.approx((3 / 7, 4 / 8, 4 / 9, 5 / 10))

    def test_latency_series_skips_seconds_without_requests(self) -> None:
        windows = [_window(0, p95=50.0), _window(1, requests=0), _window(2, p95=70.0)]
        series = latency_series(windows)
        assert series.seconds == (0.0, 2.0)
        assert series.p95 == (50.0, 70.0)

    def test_histogram_estimates_a_uniform_distribution(self) -> None:
        digest = TrendDigest()
        digest.extend(float(v) for v in range(1, 1001))
        histogram = latency_histogram(digest, bins=10)
        assert sum(histogram.counts) == pytest.approx(1000)
        assert histogram.low == 1.0
        assert all(80 <= count <= 120 for count in histogram.counts)

    def test_histogram_of_one_value_is_one_bar(self) -> None:
        digest = TrendDigest()
        digest.extend([5.0] * 20)
        histogram = latency_histogram(digest, bins=4)
        assert histogram.counts == (20.0, 0.0, 0.0, 0.0)

    def test_histogram_of_nothing_is_empty(self) -> None:
        assert latency_histogram(TrendDigest()).counts == ()


class TestTables:
    def test_failing_checks_come_first(self) -> None:
        rows = check_rows(build_snapshot(seconds=4))
        assert rows[0].name == "orders status 200"
        assert rows[0].fails > 0
        assert all(row.fails == 0 for row in rows[1:])
        first_line = render_checks(rows).plain.splitlines()[0]
        assert first_line.startswith("✗") and "orders status 200" in first_line

    def test_group_labels(self) -> None:
        assert group_label("::initial_load") == "initial_load"
        assert group_label("::a::b") == "a › b"
        assert group_label("") == "(root)"

    def test_group_rows_hold_each_groups_timings(self) -> None:
        rows = group_rows(build_snapshot(seconds=2))
        assert [row.path for row in rows] == ["::initial_load", "::refresh"]
        assert all(row.p95 <= row.p99 <= row.max for row in rows)

    def test_failures_are_bounded_and_flattened(self) -> None:
        clock = FakeClock()
        agg = Aggregator(Registry(), clock=clock)
        for i in range(30):
            agg.add_failure(FailureRecord(float(i), "orders", 503, "", "line one\n   line two " + "x" * 200))
        rows = failure_rows(agg.snapshot(), limit=5)
        assert [row.elapsed for row in rows] == [29.0, 28.0, 27.0, 26.0, 25.0]
        assert "\n" not in rows[0].excerpt
        assert rows[0].excerpt.startswith("line one line two")
        assert len(rows[0].excerpt) <= 120


class TestRealtime:
    def test_no_realtime_metrics_no_panel_figures(self) -> None:
        assert realtime_view(build_snapshot(seconds=2)) is None
        assert "no realtime" in render_realtime(None).plain

    def test_realtime_figures_and_errors_by_reason(self) -> None:
        view = realtime_view(build_snapshot(seconds=6, realtime=True))
        assert view is not None
        assert view.active == 20.0
        assert view.subscribed_rate == 1.0
        assert view.messages == 18.0
        assert view.messages_per_s == 3.0
        assert view.errors == 2.0
        assert view.errors_by_reason == (("timeout", 2.0),)
        assert view.subscribe_p95 is not None and view.delivery_p95 is not None


class TestHeader:
    @pytest.mark.parametrize(
        ("status", "state"),
        [
            ({}, RunState.RUNNING),
            ({"paused": True}, RunState.PAUSED),
            ({"stopping": True, "paused": True}, RunState.STOPPING),
            ({"running": False}, RunState.FINISHED),
            ({"aborted_by_threshold": "http_req_failed: rate<0.01"}, RunState.ABORTED),
        ],
    )
    def test_run_state(self, status: dict[str, object], state: RunState) -> None:
        assert run_state(_progress(**status)) is state

    @pytest.mark.parametrize(
        ("lag", "cpu", "health"),
        [
            (1, 10, Health.OK),
            (15, 10, Health.WARN),
            (1, 85, Health.WARN),
            (60, 10, Health.BAD),
            (1, 99, Health.BAD),
        ],
    )
    def test_health_turns_amber_then_red(self, lag: float, cpu: float, health: Health) -> None:
        assert health_level(lag, cpu) is health

    def test_progress_bar(self) -> None:
        assert progress_bar(0.5, 8) == "████░░░░"
        assert progress_bar(2.0, 4) == "████"
        assert progress_bar(-1.0, 4) == "░░░░"

    def test_header_shows_state_target_progress_and_vus(self) -> None:
        text = render_header(INFO, _progress(paused=True)).plain
        first, second, third = text.splitlines()
        assert "PAUSED" in first and INFO.target in first and "dashboard_viewers (constant-vus)" in first
        assert "1m30s / 3m00s 50%" in second
        assert "VUs 21/22" in second
        assert "iterations 300 (2 interrupted)" in second
        assert "loop lag" in third and "CPU 30%" in third

    def test_only_the_time_weighted_verdict_calls_the_generator_overloaded(self) -> None:
        spike = replace(_progress(), loop_lag_ms=80.0, cpu_percent=99.0)
        assert "overloaded" not in render_header(INFO, spike).plain
        window = LoadFigures(span_s=10.0, late_share=0.12, late_mean_ms=35.0, late_max_ms=35.0, cpu_share=0.6)
        health = GeneratorHealth(0.0, 0.0, 0.0, 60.0, 60.0, window=window, overloaded=True)
        third = render_header(INFO, replace(_progress(), health=health)).plain.splitlines()[2]
        assert third.startswith("⚠ generator overloaded: loop late 12.0% of the last 10 s by 35 ms · CPU 60%")
        assert "fewer VUs per process" in third


class TestRedrawPeriods:
    def test_each_group_redraws_on_its_own_period_staggered_by_its_phase(self) -> None:
        from dashtui.tui.screens.main import PERIODS, due_lanes, record_drawn

        drawn: dict[str, int] = {}
        timeline: dict[str, list[int]] = {lane: [] for lane in PERIODS}
        for mark in range(-1, 21):
            due = due_lanes(drawn, mark)
            for lane in due:
                timeline[lane].append(mark)
            record_drawn(drawn, due, mark)
        assert timeline["table"] == [-1, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19]
        assert timeline["text"] == [-1, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
        assert timeline["chart"] == [-1, 0, 4, 8, 12, 16, 20]
        assert timeline["histogram"] == [-1, 2, 14]
        busiest = max(sum(mark in marks for marks in timeline.values()) for mark in range(1, 21))
        assert busiest <= 3

    def test_a_run_that_starts_over_redraws_everything(self) -> None:
        from dashtui.tui.screens.main import PERIODS, due_lanes, record_drawn

        drawn: dict[str, int] = {}
        record_drawn(drawn, frozenset(PERIODS), 50)
        assert due_lanes(drawn, 3) == frozenset(PERIODS)


def test_histogram_counts_are_whole_samples_that_add_up() -> None:
    digest = TrendDigest()
    for i in range(37):
        digest.add(10.0 + (i * 7) % 13)
    histogram = latency_histogram(digest, bins=6)
    assert all(isinstance(count, int) for count in histogram.counts)
    assert sum(histogram.counts) == 37


def test_the_latency_chart_starts_at_zero_and_spans_ten_seconds_at_least() -> None:
    from dashtui.tui.views.series import LatencySeries

    assert LatencySeries((0.0,), (1.0,), (2.0,), (3.0,)).x_range() == (0.0, 10.0)
    assert LatencySeries((), (), (), ()).x_range() == (0.0, 10.0)
    assert LatencySeries((5.0, 40.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)).x_range() == (5.0, 40.0)


def test_the_header_figures_use_the_tables_windows() -> None:
    """req/s over the last 5 s as the table's rows add up; p95 over the whole run, as the threshold's."""
    from dashtui.tui.views.live import headline

    snapshot = build_snapshot(seconds=12)
    figures = headline(snapshot)
    rows = endpoint_rows(snapshot)
    assert figures.rps == pytest.approx(sum(row.rps for row in rows))
    digest = snapshot.trend("http_req_duration")
    assert digest is not None and figures.p95 == digest.percentile(95)
    assert headline(Snapshot.empty()).p95 is None
