"""The wire format: digests merged through it equal one digest, snapshots round-trip, versions checked."""

from __future__ import annotations

import random
from dataclasses import replace
from types import MappingProxyType

import pytest

from dashtui.clock import FakeClock
from dashtui.engine.selfmon import GeneratorHealth, LoadFigures
from dashtui.metrics import Aggregator, Metric, MetricType, Registry, Sample, Snapshot, make_tags
from dashtui.metrics.digest import TrendDigest
from dashtui.metrics.sinks import TrendSink
from dashtui.metrics.snapshot import FailureRecord, MetricData
from dashtui.run.protocol import Progress, RunStatus, ScenarioProgress
from dashtui.run.wire import (
    WIRE_VERSION,
    WireError,
    decode_delta,
    decode_snapshot,
    dumps,
    encode_delta,
    encode_snapshot,
    loads,
)
from dashtui.run.worker import Delta, TrendFolding

PERCENTILES = (0, 1, 25, 50, 90, 95, 99, 99.9, 100)


def _through_wire(digest: TrendDigest) -> TrendDigest:
    """The digest as a Trend sink of a snapshot, encoded, sent as bytes and decoded."""
    sink = TrendSink(digest)
    snapshot = replace(
        Snapshot.empty(),
        metrics=MappingProxyType({"t": MetricData(Metric("t", MetricType.TREND), sink)}),
    )
    back = decode_snapshot(loads(dumps({"s": encode_snapshot(snapshot)}))["s"])
    trend = back.trend("t")
    assert trend is not None
    return trend


def _samples(rng: random.Random, n: int) -> list[float]:
    return [rng.lognormvariate(3.5, 0.8) for _ in range(n)] + [0.0]


@pytest.mark.parametrize(("first", "second"), [(700, 900), (700, 40), (40, 30)])
def test_digests_merged_through_the_wire_equal_one_digest_of_every_sample(first: int, second: int) -> None:
    rng = random.Random(5)
    a_samples, b_samples = _samples(rng, first), _samples(rng, second)
    a, b, whole = (TrendDigest(exact_limit=100) for _ in range(3))
    a.extend(a_samples)
    b.extend(b_samples)
    whole.extend(a_samples + b_samples)
    merged = _through_wire(a)
    merged.merge_in(_through_wire(b))
    assert merged.is_exact == whole.is_exact == (first + second + 2 <= 100)
    assert (merged.count, merged.min, merged.max) == (whole.count, whole.min, whole.max)
    assert merged.total == pytest.approx(whole.total, rel=1e-12)
    assert [merged.percentile(p) for p in PERCENTILES] == [whole.percentile(p) for p in PERCENTILES]
    assert dict(merged.state().buckets) == dict(whole.state().buckets)


def _full_snapshot() -> tuple[Aggregator, FakeClock]:
    clock = FakeClock()
    registry = Registry((Metric("seats", MetricType.GAUGE), Metric("api_calls", MetricType.COUNTER)))
    aggregator = Aggregator(registry, clock=clock, track=["http_req_duration{name:events}"])
    for i in range(12):
        ok = i % 4 != 0
        tags = make_tags(
            {
                "name": "events" if i % 2 else "orders",
                "status": "200" if ok else "503",
                "expected_response": str(ok).lower(),
                "method": "GET",
                "group": "::load",
            }
        )
        now = clock.now()
        aggregator.add_many(
            [
                Sample("http_reqs", 1.0, tags, now),
                Sample("http_req_duration", 10.0 + i, tags, now),
                Sample("http_req_failed", 0.0 if ok else 1.0, tags, now),
                Sample("checks", 1.0 if ok else 0.0, make_tags({"group": "::load", "check": "is 200"}), now),
                Sample("group_duration", 30.0 + i, make_tags({"group": "::load"}), now),
                Sample("seats", float(i), (), now),
                Sample("api_calls", 2.0, (), now),
                Sample("iterations", 1.0, (), now),
                Sample("vus", 3.0, (), now),
            ]
        )
        clock.advance(0.3)
    aggregator.add_failure(FailureRecord(1.5, "orders", 503, "", '{"message":"busy"}', error_code=1503))
    return aggregator, clock


def test_a_full_snapshot_round_trips() -> None:
    aggregator, _ = _full_snapshot()
    snapshot = aggregator.snapshot()
    back = decode_snapshot(loads(dumps({"s": encode_snapshot(snapshot)}))["s"])
    assert encode_snapshot(back) == encode_snapshot(snapshot)
    assert set(back.metrics) == set(snapshot.metrics)
    for key in snapshot.metrics:
        assert back.values(key) == snapshot.values(key), key
    assert back.endpoints["events"].duration.digest.percentile(95) == snapshot.endpoints[
        "events"
    ].duration.digest.percentile(95)
    assert back.checks == snapshot.checks
    assert back.windows == snapshot.windows and len(back.windows) == 3
    assert back.failures == snapshot.failures
    assert back.groups["::load"].digest.count == 12


def test_a_delta_with_progress_round_trips() -> None:
    aggregator, _ = _full_snapshot()
    progress = Progress(
        elapsed=3.6,
        planned=10.0,
        vus=3,
        vus_max=4,
        complete=12,
        interrupted=0,
        scenarios=(ScenarioProgress("s", "constant-vus", 3, 4, 12, 0, 3.6, 10.0),),
        status=RunStatus(running=True),
        loop_lag_ms=1.5,
        cpu_percent=40.0,
        vu_changes=((1.0, 1),),
        health=GeneratorHealth(
            loop_lag_p95_ms=12.0,
            loop_lag_max_ms=80.0,
            loop_lag_now_ms=3.0,
            cpu_percent_avg=91.0,
            cpu_percent_now=97.0,
            window=LoadFigures(
                span_s=10.0, late_share=0.3, late_mean_ms=40.0, late_max_ms=80.0, cpu_share=0.97
            ),
            overloaded=True,
            was_overloaded=True,
            overloaded_s=4.0,
        ),
    )
    delta = Delta("w2", 4, 3.6, aggregator.snapshot(), progress, {"loop_lag_p95_ms": 2.0}, final=True)
    back = decode_delta(loads(dumps(encode_delta(delta))))
    assert back.progress == progress
    assert (back.worker, back.seq, back.elapsed, back.final) == ("w2", 4, 3.6, True)
    assert dict(back.health) == {"loop_lag_p95_ms": 2.0}
    assert back.snapshot.values("http_reqs") == delta.snapshot.values("http_reqs")


def test_another_wire_version_is_refused_with_a_clear_error() -> None:
    line = dumps({"type": "delta"}).replace(f'"v":{WIRE_VERSION}'.encode(), b'"v":99')
    with pytest.raises(
        WireError, match=rf"wire format version 99, this dashtui reads version {WIRE_VERSION}: run the same"
    ):
        loads(line)
    with pytest.raises(WireError, match="not a dashtui wire message"):
        loads(b"\x80garbage")


def _trend_delta(values: list[float], limit: int) -> Snapshot:
    digest = TrendDigest(exact_limit=limit)
    digest.extend(values)
    endpoint_digest = TrendDigest(exact_limit=limit)
    endpoint_digest.extend(values)
    return replace(
        Snapshot.empty(),
        metrics=MappingProxyType({"t": MetricData(Metric("t", MetricType.TREND), TrendSink(digest))}),
        groups=MappingProxyType({"::load": TrendSink(endpoint_digest)}),
    )


def test_a_workers_deltas_go_as_buckets_past_the_limit_and_merge_to_one_digest_of_every_sample() -> None:
    rng = random.Random(9)
    batches = [_samples(rng, 30) for _ in range(6)]
    folding = TrendFolding()
    merged = TrendDigest(exact_limit=100)
    whole = TrendDigest(exact_limit=100)
    sent_exact = []
    for values in batches:
        delta = _trend_delta(values, 100)
        folding.apply(delta)
        trend = delta.trend("t")
        assert trend is not None
        sent_exact.append(trend.is_exact)
        assert delta.groups["::load"].digest.is_exact == trend.is_exact
        merged.merge_in(_through_wire(trend))
        whole.extend(values)
    assert sent_exact == [True, True, True, False, False, False]  # 31, 62, 93 samples carried; then 124 > 100
    assert (merged.count, merged.min, merged.max) == (whole.count, whole.min, whole.max)
    assert [merged.percentile(p) for p in PERCENTILES] == [whole.percentile(p) for p in PERCENTILES]
    assert dict(merged.state().buckets) == dict(whole.state().buckets)
    assert merged.state().zeros == whole.state().zeros


def test_an_announced_trend_goes_as_buckets_at_once_and_others_stay_exact() -> None:
    rng = random.Random(3)
    folding = TrendFolding()
    folding.announce(["metric:t"])
    delta = _trend_delta(_samples(rng, 10), 100)
    folding.apply(delta)
    trend = delta.trend("t")
    assert trend is not None and not trend.is_exact
    assert delta.groups["::load"].digest.is_exact, "group:::load was not announced and is under the limit"
