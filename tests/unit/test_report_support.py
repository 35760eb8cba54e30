"""Shared fixtures for the report tests: a seed-like run fed to an Aggregator in fake time (no tests here)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from dashtui.clock import FakeClock
from dashtui.engine.selfmon import GeneratorHealth, LoadFigures
from dashtui.metrics import Aggregator, Metric, MetricType, Registry, Sample, Snapshot, make_tags
from dashtui.report import RunState, SummaryOptions, build_summary_data
from dashtui.thresholds.results import Threshold, ThresholdResult

SEED_METRICS = (
    Metric("dashboard_errors", MetricType.RATE),
    Metric("initial_load_duration", MetricType.TREND),
    Metric("refresh_duration", MetricType.TREND),
    Metric("api_calls", MetricType.COUNTER),
)
"""The seed's custom metrics; `new Trend('initial_load_duration')` has no isTime flag, so contains=default."""

INITIAL_LOAD_MS = (412.35, 980.5, 1204.0, 655.25, 2999.5, 801.0, 1500.5, 733.0, 1100.0, 2250.75)
REFRESH_MS = (120.0, 95.5, 300.25, 180.0, 99.5, 410.0, 88.0, 150.0, 132.5, 101.0)
ENDPOINTS = ("events", "tickets", "orders", "vip_reservations")
RUN_SECONDS = 20.0


def k6_percentile(values: Sequence[float], p: float) -> float:
    """k6's TrendSink.P from its definition: sort, rank i = p·(n−1), linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    if len(ordered) == 1:
        return ordered[0]
    rank = p / 100 * (len(ordered) - 1)
    low, high = ordered[math.floor(rank)], ordered[math.ceil(rank)]
    return low + (high - low) * (rank - math.floor(rank))


def threshold(key: str, source: str, aggregation: str, operator: str, limit: float) -> Threshold:
    return Threshold(metric_key=key, source=source, aggregation=aggregation, operator=operator, limit=limit)


@dataclass
class SeedRun:
    """What the fake run fed, kept so tests derive their expectations from the inputs."""

    clock: FakeClock
    registry: Registry
    aggregator: Aggregator
    http_durations: list[float] = field(default_factory=list)
    initial_http_durations: list[float] = field(default_factory=list)
    expected_durations: list[float] = field(default_factory=list)
    failed_requests: int = 0
    api_calls: float = 0.0
    errors_true: int = 0
    errors_total: int = 0
    received: float = 0.0
    check_counts: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, metric: str, value: float, **tags: str) -> None:
        self.aggregator.add(Sample(metric, value, make_tags(tags), self.clock.now()))

    def check(self, group: str, name: str, ok: bool) -> None:
        self.add("checks", 1.0 if ok else 0.0, group=group, check=name)
        counts = self.check_counts.setdefault((group, name), [0, 0])
        counts[0 if ok else 1] += 1

    def snapshot(self) -> Snapshot:
        return self.aggregator.snapshot()


def seed_run(track: Sequence[str] = ()) -> SeedRun:
    """Ten seed iterations: a 4-request initial_load batch, a 2-request refresh, checks and custom metrics.

    Every third events request answers 500 (its checks fail, dashboard_errors records a failure);
    the run lasts RUN_SECONDS of fake time.
    """
    clock = FakeClock()
    registry = Registry(SEED_METRICS)
    run = SeedRun(clock, registry, Aggregator(registry, clock=clock, track=track))
    run.add("vus", 20.0)
    run.add("vus_max", 20.0)
    for i, (load_ms, refresh_ms) in enumerate(zip(INITIAL_LOAD_MS, REFRESH_MS, strict=True)):
        clock.advance(1.0)
        all_ok = True
        for j, endpoint in enumerate(ENDPOINTS):
            failed = endpoint == "events" and i % 3 == 0
            status = "500" if failed else "200"
            duration = 50.0 + 17.25 * i + 3.5 * j
            tags = {
                "group": "::initial_load",
                "name": endpoint,
                "method": "GET",
                "status": status,
                "expected_response": "false" if failed else "true",
            }
            run.add("http_req_duration", duration, **tags)
            run.add("http_req_waiting", duration - 1.0, **tags)
            run.add("http_reqs", 1.0, **tags)
            run.add("http_req_failed", 1.0 if failed else 0.0, **tags)
            run.add("data_received", 512.0 + j, **tags)
            run.http_durations.append(duration)
            run.initial_http_durations.append(duration)
            if not failed:
                run.expected_durations.append(duration)
            run.failed_requests += failed
            run.received += 512.0 + j
            run.check("::initial_load", f"{endpoint} status 200", not failed)
            run.check("::initial_load", f"{endpoint} has body", True)
            all_ok = all_ok and not failed
        run.check("::initial_load", "initial load under 3s", load_ms < 3000)
        run.add("group_duration", load_ms, group="::initial_load")
        run.add("initial_load_duration", load_ms, group="::initial_load")
        run.add("api_calls", 4.0, group="::initial_load")
        run.add("dashboard_errors", 0.0 if all_ok else 1.0, group="::initial_load")
        run.api_calls += 4
        run.errors_total += 1
        run.errors_true += not all_ok
        for endpoint in ("tickets_count", "scan_logs_count"):
            duration = refresh_ms / 2
            tags = {"group": "::refresh", "name": endpoint, "method": "GET", "status": "200"}
            run.add("http_req_duration", duration, expected_response="true", **tags)
            run.add("http_reqs", 1.0, expected_response="true", **tags)
            run.add("http_req_failed", 0.0, expected_response="true", **tags)
            run.http_durations.append(duration)
            run.expected_durations.append(duration)
        run.check("::refresh", "refresh status 200", True)
        run.check("::refresh", "refresh under 1s", refresh_ms < 1000)
        run.add("group_duration", refresh_ms, group="::refresh")
        run.add("refresh_duration", refresh_ms, group="::refresh")
        run.add("api_calls", 2.0, group="::refresh")
        run.add("dashboard_errors", 0.0, group="::refresh")
        run.api_calls += 2
        run.errors_total += 1
        run.add("iterations", 1.0)
        run.add("iteration_duration", load_ms + refresh_ms + 5000.0)
    clock.advance(RUN_SECONDS - 10.0)
    return run


def seed_results() -> list[ThresholdResult]:
    """Final verdicts as the threshold engine would hand them over (one failed, one never measured)."""
    return [
        ThresholdResult(threshold("http_req_failed", "rate<0.01", "rate", "<", 0.01), False, 0.05),
        ThresholdResult(threshold("http_req_duration", "p(95)<2000", "p(95)", "<", 2000), True, 200.0),
        ThresholdResult(threshold("initial_load_duration", "p(95)<3000", "p(95)", "<", 3000), True, 2700.0),
        ThresholdResult(threshold("refresh_duration", "p(95)<1000", "p(95)", "<", 1000), True, 380.0),
        ThresholdResult(threshold("dashboard_errors", "rate<0.01", "rate", "<", 0.01), False, 0.2),
    ]


def seed_data(
    run: SeedRun,
    results: Sequence[ThresholdResult] | None = None,
    options: SummaryOptions | None = None,
    extras: dict[str, object] | None = None,
) -> dict[str, Any]:
    return build_summary_data(
        run.snapshot(),
        seed_results() if results is None else results,
        options=options or SummaryOptions(),
        state=RunState(is_stdout_tty=False, is_stderr_tty=True, test_run_duration_ms=RUN_SECONDS * 1000),
        extras=extras,
        registry=run.registry,
    )


def generator_extras(*, overloaded: bool) -> dict[str, object]:
    """The JSON's generator section of a run whose generator was (or never was) overloaded."""
    figures = LoadFigures(span_s=10.0, late_share=0.09, late_mean_ms=900.0, late_max_ms=900.0, cpu_share=0.95)
    health = GeneratorHealth(
        loop_lag_p95_ms=0.4,
        loop_lag_max_ms=900.0 if overloaded else 3.0,
        loop_lag_now_ms=0.2,
        cpu_percent_avg=80.0,
        cpu_percent_now=78.0,
        whole_run=figures if overloaded else LoadFigures(span_s=20.0, late_share=0.001, late_mean_ms=1.0),
        was_overloaded=overloaded,
        overloaded_s=1.0 if overloaded else 0.0,
        peak=figures if overloaded else LoadFigures(),
    )
    return {"generator": health.to_dict()}
