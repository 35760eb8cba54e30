"""Live threshold checks every 2 s and k6's abortOnFail / delayAbortEval decision."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Registry, Sample, make_tags
from dashtui.thresholds import Threshold, ThresholdMonitor, ThresholdResult, compile_thresholds


def compiled(config: Mapping[str, Sequence[str | Mapping[str, object]]]) -> tuple[Threshold, ...]:
    return compile_thresholds(config, Registry())


def failing(threshold: Threshold) -> ThresholdResult:
    return ThresholdResult(threshold, ok=False, observed=1.0)


def test_first_check_is_due_after_one_interval() -> None:
    monitor = ThresholdMonitor(compiled({"http_req_failed": ["rate<0.01"]}))
    assert [monitor.due(t) for t in (0.0, 1.0, 1.99)] == [False, False, False]
    assert monitor.due(2.0)
    assert monitor.due(2.5)


def test_checks_are_due_every_two_seconds() -> None:
    clock = FakeClock()
    registry = Registry()
    monitor = ThresholdMonitor(compile_thresholds({"http_req_failed": ["rate<0.01"]}, registry))
    aggregator = Aggregator(registry, clock=clock)
    checked_at: list[float] = []
    for _ in range(100):  # 10 s in 0.1 s steps
        clock.advance(0.1)
        if monitor.due(aggregator.elapsed()):
            monitor.check(aggregator.snapshot())
            checked_at.append(round(aggregator.elapsed(), 6))
    assert checked_at == [2.0, 4.0, 6.0, 8.0, 10.0]


def test_a_late_check_does_not_cause_catch_up_checks() -> None:
    clock = FakeClock()
    registry = Registry()
    monitor = ThresholdMonitor(compile_thresholds({"http_req_failed": ["rate<0.01"]}, registry))
    aggregator = Aggregator(registry, clock=clock)
    clock.advance(7.3)
    assert monitor.due(aggregator.elapsed())
    monitor.check(aggregator.snapshot())
    assert monitor.next_due == pytest.approx(8.0)
    assert not monitor.due(7.9)
    assert monitor.due(8.0)


def test_custom_interval() -> None:
    monitor = ThresholdMonitor(compiled({"http_req_failed": ["rate<0.01"]}), interval=0.5)
    assert not monitor.due(0.49)
    assert monitor.due(0.5)


def test_nothing_is_due_without_thresholds() -> None:
    monitor = ThresholdMonitor(())
    assert not monitor.due(100.0)


def test_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        ThresholdMonitor((), interval=0)


def test_latest_is_pending_before_the_first_check_and_then_the_last_results() -> None:
    clock = FakeClock()
    registry = Registry()
    monitor = ThresholdMonitor(compile_thresholds({"http_req_failed": ["rate<0.01"]}, registry))
    aggregator = Aggregator(registry, clock=clock)
    assert [(r.ok, r.observed) for r in monitor.latest] == [(None, None)]
    aggregator.add(Sample("http_req_failed", 1.0, make_tags({}), clock.now()))
    clock.advance(2.0)
    results = monitor.check(aggregator.snapshot())
    assert monitor.latest == results
    assert [(r.ok, r.observed) for r in results] == [(False, 1.0)]


def test_final_gives_every_threshold_a_verdict() -> None:
    clock = FakeClock()
    registry = Registry()
    monitor = ThresholdMonitor(compile_thresholds({"http_req_failed": ["rate<0.01"]}, registry))
    aggregator = Aggregator(registry, clock=clock)
    clock.advance(2.0)
    assert [r.ok for r in monitor.check(aggregator.snapshot())] == [None]
    assert [r.ok for r in monitor.final(aggregator.snapshot())] == [True]
    assert [r.ok for r in monitor.latest] == [True]


ABORT = {"http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": True}]}
DELAYED = {"http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "10s"}]}


@pytest.mark.parametrize(
    ("config", "elapsed", "reason"),
    [
        (ABORT, 2.0, "http_req_failed: rate<0.01 (abortOnFail)"),
        (ABORT, 0.5, "http_req_failed: rate<0.01 (abortOnFail)"),
        (DELAYED, 2.0, None),
        (DELAYED, 9.99, None),
        (DELAYED, 10.0, None),  # k6 aborts only once the run has lasted longer than the delay
        (DELAYED, 10.01, "http_req_failed: rate<0.01 (abortOnFail)"),
        (DELAYED, 12.0, "http_req_failed: rate<0.01 (abortOnFail)"),
        ({"http_req_failed": ["rate<0.01"]}, 60.0, None),  # failing without abortOnFail never aborts
    ],
)
def test_abort_reason_for_a_failing_threshold(
    config: Mapping[str, Sequence[str | Mapping[str, object]]], elapsed: float, reason: str | None
) -> None:
    (threshold,) = compiled(config)
    assert ThresholdMonitor.abort_reason([failing(threshold)], elapsed) == reason


@pytest.mark.parametrize("ok", [True, None])
def test_passing_or_pending_abort_thresholds_do_not_abort(ok: bool | None) -> None:
    (threshold,) = compiled(ABORT)
    result = ThresholdResult(threshold, ok=ok, observed=0.0 if ok else None)
    assert ThresholdMonitor.abort_reason([result], 100.0) is None


def test_the_first_failing_abort_threshold_is_named() -> None:
    thresholds = compiled(
        {
            "http_req_duration": [
                "p(95)<1",
                {"threshold": "p(99) < 2", "abortOnFail": True, "delayAbortEval": "1m"},
            ],
            "http_req_duration{name:events}": [{"threshold": "max<3", "abortOnFail": True}],
            "http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": True}],
        }
    )
    results = [failing(t) for t in thresholds]
    assert (
        ThresholdMonitor.abort_reason(results, 30.0) == "http_req_duration{name:events}: max<3 (abortOnFail)"
    )
    assert ThresholdMonitor.abort_reason(results, 61.0) == "http_req_duration: p(99) < 2 (abortOnFail)"


def test_run_with_failures_aborts_at_the_first_check_past_the_delay() -> None:
    """10 % of requests fail from the start; abortOnFail after 5 s stops the run at the 6 s check."""
    clock = FakeClock()
    registry = Registry()
    config = {"http_req_failed": [{"threshold": "rate<0.05", "abortOnFail": True, "delayAbortEval": "5s"}]}
    monitor = ThresholdMonitor(compile_thresholds(config, registry))
    aggregator = Aggregator(registry, clock=clock)
    aborted_at = None
    reasons: list[str | None] = []
    for step in range(200):  # at most 20 s of 0.1 s steps
        aggregator.add(Sample("http_req_failed", 1.0 if step % 10 == 0 else 0.0, make_tags({}), clock.now()))
        clock.advance(0.1)
        elapsed = aggregator.elapsed()
        if monitor.due(elapsed):
            results = monitor.check(aggregator.snapshot())
            reason = monitor.abort_reason(results, elapsed)
            reasons.append(reason)
            if reason is not None:
                aborted_at = elapsed
                break
    assert reasons == [None, None, "http_req_failed: rate<0.05 (abortOnFail)"]
    assert aborted_at == pytest.approx(6.0)
