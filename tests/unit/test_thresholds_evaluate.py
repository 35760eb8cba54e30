"""Threshold verdicts with k6's rules, on snapshots of an Aggregator fed hand-made samples in fake time."""

from __future__ import annotations

import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Metric, MetricType, Registry, Sample, Snapshot, ValueType, make_tags
from dashtui.thresholds import (
    Threshold,
    ThresholdResult,
    compile_thresholds,
    evaluate,
    submetric_keys,
)

CUSTOM = (
    Metric("dashboard_errors", MetricType.RATE),
    Metric("initial_load_duration", MetricType.TREND, ValueType.TIME),
    Metric("api_calls", MetricType.COUNTER),
    Metric("queue_depth", MetricType.GAUGE),
)


class Run:
    """An aggregator in fake time, with the thresholds it was set up to track."""

    def __init__(self, config: dict[str, list[str]]) -> None:
        self.registry = Registry(CUSTOM)
        self.thresholds = compile_thresholds(config, self.registry)
        self.clock = FakeClock()
        self.aggregator = Aggregator(self.registry, clock=self.clock, track=submetric_keys(self.thresholds))

    def add(self, metric: str, value: float, **tags: str) -> None:
        self.aggregator.add(Sample(metric, value, make_tags(tags), self.clock.now()))

    def request(self, duration: float, *, name: str, status: int = 200, group: str = "") -> None:
        """One request's http_req_duration and http_req_failed, tagged as the engine tags them."""
        expected = "true" if 200 <= status < 400 else "false"
        tags = {"name": name, "status": str(status), "group": group, "expected_response": expected}
        self.add("http_req_duration", duration, **tags)
        self.add("http_req_failed", 0.0 if expected == "true" else 1.0, **tags)

    def snapshot(self) -> Snapshot:
        return self.aggregator.snapshot()

    def results(self, *, final: bool = False) -> dict[str, ThresholdResult]:
        return {f"{r.threshold.metric_key} {r.threshold.source}": r for r in self.evaluate(final=final)}

    def evaluate(self, *, final: bool = False) -> tuple[ThresholdResult, ...]:
        return evaluate(self.thresholds, self.snapshot(), final=final)


def test_submetric_by_name_sees_only_its_requests() -> None:
    run = Run(
        {"http_req_duration{name:events}": ["p(95)<300"], "http_req_duration{name:tickets}": ["p(95)<300"]}
    )
    for i in range(1, 101):
        run.request(float(i), name="events")  # 1..100 ms
        run.request(1000.0 + i, name="tickets")
    results = run.results()
    events = results["http_req_duration{name:events} p(95)<300"]
    # k6: sorted samples, rank 0.95·(100−1) = 94.05 → 95 + 0.05·(96 − 95)
    assert events.observed == pytest.approx(95.05)
    assert events.ok is True
    tickets = results["http_req_duration{name:tickets} p(95)<300"]
    assert tickets.observed == pytest.approx(1095.05)
    assert tickets.ok is False


def test_group_selector_splits_on_the_first_colon() -> None:
    run = Run({"http_req_duration{group:::initial_load}": ["max<500"]})
    run.request(100.0, name="events", group="::initial_load")
    run.request(200.0, name="orders", group="::initial_load")
    run.request(9000.0, name="tickets", group="::refresh")
    run.request(8000.0, name="tickets", group="")
    (result,) = run.evaluate()
    assert result.observed == 200.0
    assert result.ok is True


def test_nested_group_is_not_matched_by_its_parent_path() -> None:
    run = Run({"http_req_duration{group:::initial_load}": ["avg<150"]})
    run.request(100.0, name="events", group="::initial_load")
    run.request(5000.0, name="events", group="::initial_load::inner")
    (result,) = run.evaluate()
    assert result.observed == 100.0
    assert result.ok is True


def test_status_selector_matches_the_status_tag() -> None:
    run = Run({"http_req_duration{status:200}": ["avg<100"], "http_req_failed{status:500}": ["rate<0.5"]})
    run.request(50.0, name="events", status=200)
    run.request(70.0, name="events", status=200)
    run.request(900.0, name="events", status=500)
    by_key = {r.threshold.metric_key: r for r in run.evaluate()}
    assert by_key["http_req_duration{status:200}"].observed == pytest.approx(60.0)
    assert by_key["http_req_duration{status:200}"].ok is True
    assert by_key["http_req_failed{status:500}"].observed == 1.0
    assert by_key["http_req_failed{status:500}"].ok is False


def test_expected_response_selector_leaves_failed_requests_out() -> None:
    run = Run(
        {"http_req_duration{expected_response:true}": ["p(95)<2000"], "http_req_duration": ["p(95)<2000"]}
    )
    for _ in range(19):
        run.request(100.0, name="events")
    for _ in range(5):
        run.request(30000.0, name="events", status=503)  # timeouts answered with 503
    by_key = {r.threshold.metric_key: r for r in run.evaluate()}
    assert by_key["http_req_duration{expected_response:true}"].observed == 100.0
    assert by_key["http_req_duration{expected_response:true}"].ok is True
    assert by_key["http_req_duration"].observed == 30000.0
    assert by_key["http_req_duration"].ok is False


def test_rate_threshold_on_http_req_failed() -> None:
    run = Run({"http_req_failed": ["rate<0.01"]})
    for _ in range(99):
        run.request(10.0, name="events")
    run.request(10.0, name="events", status=500)
    (result,) = run.evaluate()
    assert result.observed == pytest.approx(0.01)
    assert result.ok is False  # 1 % is not below 1 %


@pytest.mark.parametrize(
    ("source", "ok"),
    [
        ("value<5", False),
        ("value<=5", True),
        ("value>5", False),
        ("value>=5", True),
        ("value==5", True),
        ("value===5", True),
        ("value!=5", False),
        ("value<6", True),
        ("value>4.5", True),
        ("value==5.5", False),
        ("value===4", False),
        ("value!=4", True),
    ],
)
def test_each_operator_compares_the_observed_value_with_the_limit(source: str, ok: bool) -> None:
    run = Run({"queue_depth": [source]})
    run.add("queue_depth", 9.0)
    run.add("queue_depth", 5.0)  # a Gauge keeps its last value
    (result,) = run.evaluate()
    assert result.observed == 5.0
    assert result.ok is ok


def test_trend_aggregations() -> None:
    run = Run(
        {
            "initial_load_duration": [
                "avg==250",
                "min==100",
                "max==400",
                "med==250",
                "p(90)<371",
                "p(99.9)>399.6",
                "p(0)==100",
                "p(100)==400",
            ]
        }
    )
    for value in (400.0, 100.0, 300.0, 200.0):
        run.add("initial_load_duration", value)
    results = run.evaluate()
    # sorted 100, 200, 300, 400: med rank 1.5 → 250; p(90) rank 2.7 → 370; p(99.9) rank 2.997 → 399.7
    assert [r.observed for r in results] == pytest.approx([250, 100, 400, 250, 370, 399.7, 100, 400])
    assert all(r.ok for r in results)


def test_counter_rate_is_per_second_of_elapsed_run_time() -> None:
    run = Run({"api_calls": ["count==30", "rate>=3", "rate<2.9"]})
    for _ in range(10):
        for _ in range(3):
            run.add("api_calls", 1.0)
        run.clock.advance(1.0)
    snapshot = run.snapshot()
    assert snapshot.elapsed == pytest.approx(10.0)
    count, fast, slow = evaluate(run.thresholds, snapshot)
    assert (count.observed, count.ok) == (30.0, True)
    assert fast.observed == pytest.approx(3.0)
    assert fast.ok is True
    assert slow.ok is False
    run.clock.advance(5.0)  # no more calls: the rate falls with time, the count does not
    count, fast, slow = evaluate(run.thresholds, run.snapshot())
    assert count.observed == 30.0
    assert fast.observed == pytest.approx(2.0)
    assert (fast.ok, slow.ok) == (False, True)


def test_counter_values_add_up() -> None:
    run = Run({"http_reqs": ["count>=6"]})
    run.add("http_reqs", 4.0)
    run.add("http_reqs", 2.0)
    (result,) = run.evaluate()
    assert (result.observed, result.ok) == (6.0, True)


CONFIG_FOR_EVERY_TYPE = {
    "dashboard_errors": ["rate<0.01"],
    "initial_load_duration": ["p(95)<3000", "avg>1"],
    "api_calls": ["count>0", "rate<1"],
    "queue_depth": ["value<10"],
    "http_req_duration{name:events}": ["p(95)<2000"],
    "http_req_failed{name:events}": ["rate<0.01"],
}


def test_live_evaluation_leaves_metrics_without_samples_pending() -> None:
    run = Run(CONFIG_FOR_EVERY_TYPE)
    run.clock.advance(4.0)
    results = run.evaluate()
    assert [(r.ok, r.observed) for r in results] == [(None, None)] * len(results)
    assert not any(r.failed for r in results)


def test_live_evaluation_of_a_submetric_stays_pending_while_its_parent_has_samples() -> None:
    run = Run({"http_req_duration{name:events}": ["p(95)<2000"], "http_req_duration": ["p(95)<2000"]})
    run.request(100.0, name="tickets")
    sub, parent = run.evaluate()
    assert (sub.ok, sub.observed) == (None, None)
    assert (parent.ok, parent.observed) == (True, 100.0)


EMPTY_FINAL = [
    # k6's final evaluation of a metric with no samples, per type (metrics/thresholds.go Thresholds.Run):
    ("dashboard_errors rate<0.01", True, None),  # a Rate without samples has no `rate`: absent → pass
    ("initial_load_duration p(95)<3000", True, 0.0),  # an empty Trend reports 0
    ("initial_load_duration avg>1", False, 0.0),
    ("api_calls count>0", False, 0.0),  # an empty Counter counts 0 …
    ("api_calls rate<1", True, 0.0),  # … at a rate of 0/s
    ("queue_depth value<10", True, 0.0),
    ("http_req_duration{name:events} p(95)<2000", True, 0.0),
    ("http_req_failed{name:events} rate<0.01", True, None),
]


@pytest.mark.parametrize(("key", "ok", "observed"), EMPTY_FINAL)
def test_final_evaluation_of_metrics_without_samples(key: str, ok: bool, observed: float | None) -> None:
    run = Run(CONFIG_FOR_EVERY_TYPE)
    run.clock.advance(30.0)
    result = run.results(final=True)[key]
    assert (result.ok, result.observed) == (ok, observed)


def test_final_results_are_never_pending() -> None:
    run = Run(CONFIG_FOR_EVERY_TYPE)
    run.request(100.0, name="tickets")
    assert all(r.ok is not None for r in run.evaluate(final=True))


def test_final_and_live_agree_when_there_are_samples() -> None:
    run = Run({"http_req_duration": ["p(95)<2000", "avg<10"], "http_req_failed": ["rate<0.5"]})
    for i in range(20):
        run.request(50.0 + i, name="events", status=200 if i % 4 else 500)
    run.clock.advance(3.0)
    assert run.evaluate() == run.evaluate(final=True)


def test_final_evaluation_of_an_empty_counter_at_zero_elapsed_does_not_divide_by_zero() -> None:
    run = Run({"api_calls": ["rate<1"]})
    (result,) = run.evaluate(final=True)
    assert (result.ok, result.observed) == (True, 0.0)


def test_threshold_built_without_a_metric_type_infers_it_from_the_aggregation() -> None:
    snapshot = Snapshot.empty()
    bare = [
        Threshold("x", "rate<0.01", "rate", "<", 0.01),
        Threshold("y", "count>0", "count", ">", 0.0),
        Threshold("z", "p(95)<1", "p(95)", "<", 1.0),
    ]
    results = evaluate(bare, snapshot, final=True)
    assert [(r.ok, r.observed) for r in results] == [(True, None), (False, 0.0), (True, 0.0)]


def test_nan_observation_fails_every_comparison_but_not_equal() -> None:
    run = Run({"queue_depth": ["value<1", "value>1", "value!=1"]})
    run.add("queue_depth", float("nan"))
    assert [r.ok for r in run.evaluate()] == [False, False, True]
