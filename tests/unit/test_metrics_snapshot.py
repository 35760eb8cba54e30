"""The aggregator and its snapshots: submetrics, endpoints, checks, 1 s windows, immutability, merging."""

from __future__ import annotations

import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Metric, MetricType, Registry, Sample, Snapshot, make_tags


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
