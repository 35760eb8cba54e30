"""The coordinator's accumulator: a worker's deltas follow one another, workers add up."""

from __future__ import annotations

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Registry, Sample, Snapshot, make_tags
from dashtui.metrics.snapshot import FailureRecord
from dashtui.run.merge import Accumulator


def _delta(vus: float, requests: int) -> Snapshot:
    """One delta: `requests` requests in second 0 (and a vus sample when `vus`), window 0 closed."""
    clock = FakeClock(start=0.0)
    aggregator = Aggregator(Registry(), clock=clock)
    tags = make_tags({"name": "events", "status": "200", "expected_response": "true", "method": "GET"})
    if vus:
        aggregator.add(Sample("vus", vus, (), 0.1))
    for _ in range(requests):
        aggregator.add(Sample("http_reqs", 1.0, tags, 0.2))
        aggregator.add(Sample("http_req_duration", 20.0, tags, 0.2))
    clock.advance(1.5)
    return aggregator.snapshot()


def test_a_workers_gauge_follows_its_latest_delta_and_workers_add_up() -> None:
    acc = Accumulator()
    acc.add("w1", _delta(5.0, 2))
    acc.add("w1", _delta(3.0, 1))
    assert acc.snapshot().values("vus") == {"value": 3.0, "min": 3.0, "max": 5.0}
    acc.add("w2", _delta(4.0, 4))
    merged = acc.snapshot()
    assert merged.values("vus") == {"value": 7.0, "min": 3.0, "max": 7.0}
    assert merged.values("http_reqs")["count"] == 7  # type: ignore[index]
    assert merged.endpoints["events"].requests == 7
    assert merged.trend("http_req_duration").count == 7  # type: ignore[union-attr]


def test_a_second_split_over_two_deltas_counts_once_per_worker() -> None:
    acc = Accumulator()
    acc.add("w1", _delta(5.0, 2))
    acc.add("w1", _delta(0.0, 3))
    acc.add("w2", _delta(2.0, 1))
    (window,) = acc.snapshot().windows
    assert (window.index, window.requests, window.vus) == (0, 6, 7.0)
    assert dict(window.endpoint_requests) == {"events": 6}


def test_a_threshold_snapshot_holds_just_the_named_metrics_with_the_same_values() -> None:
    acc = Accumulator()
    acc.add("w1", _delta(5.0, 2))
    acc.add("w2", _delta(4.0, 3))
    whole = acc.snapshot()
    named = acc.metrics_snapshot({"http_req_duration", "vus", "not_recorded"})
    assert set(named.metrics) == {"http_req_duration", "vus"}
    assert named.values("http_req_duration") == whole.values("http_req_duration")
    assert named.values("vus") == whole.values("vus")
    assert named.values("vus")["value"] == 9.0  # type: ignore[index]
    assert named.elapsed == whole.elapsed
    assert not named.endpoints and not named.groups and not named.windows


def test_failures_are_read_without_a_snapshot_and_match_it() -> None:
    acc = Accumulator()
    clock = FakeClock(start=0.0)
    aggregator = Aggregator(Registry(), clock=clock)
    aggregator.add_failure(FailureRecord(0.2, "events", 503, "", "unavailable"))
    clock.advance(1.5)
    acc.add("w1", aggregator.snapshot())
    assert acc.failures == acc.snapshot().failures
    assert [f.status for f in acc.failures] == [503]
