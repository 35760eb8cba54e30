"""The aggregator and its snapshots: submetrics, endpoints, checks, 1 s windows, immutability, merging."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Metric, MetricType, Registry, Sample, Snapshot, make_tags
from dashtui.metrics.snapshot import CheckStats, WindowStats


def _request(
    clock: FakeClock, name: str, duration: float, status: int = 200, group: str = "::initial_load"
) -> list[Sample]:
    ok = 200 <= status < 400
    tags = make_tags(
        {
            "name": name,
            "status": str(status),
            "group": group,
            "expected_response": str(ok).lower(),
            "method": "GET",
        }
    )
    now = clock.now()
    return [
        Sample("http_reqs", 1.0, tags, now),
        Sample("http_req_duration", duration, tags, now),
        Sample("http_req_failed", 0.0 if ok else 1.0, tags, now),
    ]


def _feed(aggregator: Aggregator, clock: FakeClock, requests: list[tuple[str, float, int]]) -> None:
    for name, duration, status in requests:
        aggregator.add_many(_request(clock, name, duration, status))
        clock.advance(0.25)


def test_tracked_submetrics_get_only_matching_samples() -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(), clock=clock, track=["http_req_duration{name:events}"])
    _feed(aggregator, clock, [("events", 10.0, 200), ("orders", 99.0, 200), ("events", 30.0, 200)])
    snap = aggregator.snapshot()
    assert snap.values("http_req_duration{name:events}", ("min", "max", "count")) == {
        "min": 10.0,
        "max": 30.0,
        "count": 2.0,
    }
    assert snap.values("http_req_duration", ("count",)) == {"count": 3.0}
    expected = snap.values("http_req_duration{expected_response:true}", ("count",))
    assert expected == {"count": 3.0}, "k6's summary always has the expected_response submetric"


def test_endpoint_stats_split_statuses_and_failures() -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(), clock=clock)
    _feed(
        aggregator,
        clock,
        [("events", 5.0, 200), ("events", 7.0, 503), ("events", 9.0, 0), ("events", 3.0, 304)],
    )
    events = aggregator.snapshot().endpoints["events"]
    assert events.requests == 4
    assert events.failed == 2
    assert dict(events.status_classes) == {"2xx": 1, "5xx": 1, "network": 1, "3xx": 1}
    assert events.error_rate == 0.5
    assert events.last_status == 304


def test_windows_close_each_second_of_the_injected_clock() -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(), clock=clock)
    _feed(aggregator, clock, [("a", float(i), 200) for i in range(1, 9)])
    clock.advance(0.5)
    windows = aggregator.snapshot().windows
    assert [w.index for w in windows] == [0, 1]
    assert [w.requests for w in windows] == [4, 4]
    assert windows[1].max == 8.0
    assert windows[0].p50 == pytest.approx(2.5)


def test_a_snapshot_never_changes_after_it_is_taken() -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(), clock=clock)
    _feed(aggregator, clock, [("a", 1.0, 200)])
    before = aggregator.snapshot()
    _feed(aggregator, clock, [("a", 100.0, 500)])
    assert before.values("http_reqs") is not None
    assert before.values("http_reqs")["count"] == 1.0  # type: ignore[index]
    assert before.endpoints["a"].requests == 1
    assert before.trend("http_req_duration").max == 1.0  # type: ignore[union-attr]


def test_merging_snapshots_equals_one_generator_seeing_everything() -> None:
    registry = Registry((Metric("api_calls", MetricType.COUNTER),))
    first = [("events", 12.0, 200), ("orders", 40.0, 503), ("events", 8.0, 200)]
    second = [("events", 20.0, 200), ("tickets", 3.0, 200)]
    track = ["http_req_duration{name:events}"]
    clocks = [FakeClock(), FakeClock(), FakeClock()]
    one, two, both = (Aggregator(registry, clock=c, track=track) for c in clocks)
    _feed(one, clocks[0], first)
    _feed(two, clocks[1], second)
    _feed(both, clocks[2], first + second)
    merged: Snapshot = one.snapshot().merge(two.snapshot())
    whole = both.snapshot()
    stats = ("avg", "min", "max", "med", "p(95)")
    for key in ("http_req_duration", "http_req_duration{name:events}"):
        assert merged.values(key, stats) == whole.values(key, stats), key
    assert merged.values("http_req_failed") == whole.values("http_req_failed")
    assert merged.values("http_reqs")["count"] == whole.values("http_reqs")["count"] == 5  # type: ignore[index]
    assert {n: e.requests for n, e in merged.endpoints.items()} == {"events": 3, "orders": 1, "tickets": 1}
    assert {n: (e.failed, dict(e.status_classes)) for n, e in merged.endpoints.items()} == {
        n: (e.failed, dict(e.status_classes)) for n, e in whole.endpoints.items()
    }


def test_merging_combines_the_group_durations_of_both_generators() -> None:
    clocks = [FakeClock(), FakeClock(), FakeClock()]
    one, two, both = (Aggregator(Registry(), clock=c) for c in clocks)
    durations = {"one": [100.0, 300.0], "two": [200.0, 900.0]}
    for aggregator, clock, values in (
        (one, clocks[0], durations["one"]),
        (two, clocks[1], durations["two"]),
        (both, clocks[2], durations["one"] + durations["two"]),
    ):
        for value in values:
            aggregator.add(
                Sample("group_duration", value, make_tags({"group": "::initial_load"}), clock.now())
            )
    merged = one.snapshot().merge(two.snapshot())
    whole = both.snapshot()
    stats = ("count", "min", "max", "avg")
    assert merged.groups["::initial_load"].values(1.0, stats) == whole.groups["::initial_load"].values(
        1.0, stats
    )
    assert merged.groups["::initial_load"].values(1.0, ("count",)) == {"count": 4.0}


def _window(index: int, requests: int, failed: int, p95: float, endpoints: dict[str, int]) -> WindowStats:
    return WindowStats(
        index=index,
        requests=requests,
        failed=failed,
        p50=p95 / 2,
        p95=p95,
        p99=p95 * 1.2,
        max=p95 * 1.5,
        vus=2,
        iterations=requests // 2,
        endpoint_requests=MappingProxyType(endpoints),
        realtime_messages=1,
    )


def _snapshot(checks: list[CheckStats], windows: list[WindowStats]) -> Snapshot:
    return replace(
        Snapshot.empty(),
        checks=MappingProxyType({(c.group, c.name): c for c in checks}),
        windows=tuple(windows),
    )


def test_merging_adds_the_checks_of_both_generators_per_group_and_name() -> None:
    one = _snapshot(
        [CheckStats("::initial_load", "status 200", 9, 1), CheckStats("", "status 200", 4, 0)],
        [],
    )
    two = _snapshot(
        [CheckStats("::initial_load", "status 200", 5, 3), CheckStats("::refresh", "fast", 2, 2)],
        [],
    )
    merged = one.merge(two)
    assert {k: (c.passes, c.fails) for k, c in merged.checks.items()} == {
        ("::initial_load", "status 200"): (14, 4),
        ("", "status 200"): (4, 0),
        ("::refresh", "fast"): (2, 2),
    }
    assert {k: (c.passes, c.fails) for k, c in two.merge(one).checks.items()} == {
        k: (c.passes, c.fails) for k, c in merged.checks.items()
    }


def test_merging_adds_windows_of_the_same_second_and_keeps_the_others_in_order() -> None:
    one = _snapshot(
        [], [_window(0, 10, 1, 40.0, {"events": 6, "orders": 4}), _window(2, 4, 0, 10.0, {"events": 4})]
    )
    two = _snapshot([], [_window(1, 3, 3, 90.0, {"orders": 3}), _window(2, 6, 2, 30.0, {"orders": 6})])
    merged = one.merge(two)
    assert [w.index for w in merged.windows] == [0, 1, 2]
    second = merged.windows[2]
    assert (second.requests, second.failed, second.vus, second.iterations) == (10, 2, 4, 5)
    assert (second.p95, second.max, second.realtime_messages) == (30.0, 45.0, 2)
    assert dict(second.endpoint_requests) == {"events": 4, "orders": 6}
    assert merged.windows[0] == one.windows[0] and merged.windows[1] == two.windows[0]
