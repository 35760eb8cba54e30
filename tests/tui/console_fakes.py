"""A deterministic RunSession and fixed metrics data for the console tests."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import anyio

from dashtui.clock import FakeClock
from dashtui.engine.selfmon import GeneratorHealth
from dashtui.metrics import Aggregator, FailureRecord, Registry, Sample, Snapshot, make_tags
from dashtui.metrics.types import Metric, MetricType, ValueType
from dashtui.run.protocol import Progress, RunInfo, RunOutcome, RunStatus, ScenarioProgress, WorkerStatus
from dashtui.thresholds import compile_thresholds
from dashtui.thresholds import evaluate as evaluate_thresholds
from dashtui.thresholds.results import Threshold, ThresholdResult

ENDPOINTS = ("events", "tickets", "orders", "vip_reservations")

INFO = RunInfo(
    preset="dashboard",
    scenarios=("dashboard_viewers",),
    executors=("constant-vus",),
    target="http://127.0.0.1:54321",
    planned=180.0,
)


def registry() -> Registry:
    return Registry((Metric("initial_load_duration", MetricType.TREND, ValueType.TIME),))


THRESHOLDS = compile_thresholds(
    {
        "http_req_duration": ["p(95)<3000"],
        "http_req_failed": ["rate<0.01"],
        "http_req_duration{name:orders}": ["p(95)<200"],
        "initial_load_duration": ["p(95)<3000"],
    },
    registry(),
)


def _latency(endpoint: int, second: int, i: int) -> float:
    """A fixed, varied latency in ms: each endpoint has its own level, plus a repeating spread."""
    base = (40.0, 55.0, 180.0, 30.0)[endpoint % 4]
    return base + ((second * 7 + i * 13 + endpoint * 5) % 23) * 4.5


def build_snapshot(
    *,
    seconds: int = 12,
    endpoints: tuple[str, ...] = ENDPOINTS,
    per_second: int = 6,
    failing_endpoint: str | None = "orders",
    realtime: bool = False,
) -> Snapshot:
    """A snapshot of `seconds` seconds of a dashboard-like run, fed through a real Aggregator."""
    clock = FakeClock(start=100.0)
    agg = Aggregator(
        registry(),
        clock=clock,
        track=[f"http_req_duration{{name:{name}}}" for name in endpoints]
        + ["realtime_errors{reason:timeout}", "realtime_errors{reason:closed}"],
    )
    for second in range(seconds):
        now = clock.now()
        agg.add(Sample("vus", 20.0, (), now))
        for i in range(per_second):
            for e, name in enumerate(endpoints):
                failed = name == failing_endpoint and (second * per_second + i) % 10 == 3
                status = 503 if failed else (206 if name == "events" else 200)
                tags = make_tags(
                    {
                        "name": name,
                        "method": "GET",
                        "status": str(status),
                        "group": "::initial_load" if i % 3 else "::refresh",
                        "expected_response": "false" if failed else "true",
                    }
                )
                agg.add(Sample("http_req_duration", _latency(e, second, i), tags, now))
                agg.add(Sample("http_reqs", 1.0, tags, now))
                agg.add(Sample("http_req_failed", 1.0 if failed else 0.0, tags, now))
                check_tags = make_tags({"group": "::initial_load", "check": f"{name} status 200"})
                agg.add(Sample("checks", 0.0 if failed else 1.0, check_tags, now))
                if failed:
                    agg.add_failure(
                        FailureRecord(
                            elapsed=float(second) + i / per_second,
                            name=name,
                            status=503,
                            error="",
                            body_excerpt='{"message": "upstream unavailable"}',
                        )
                    )
            group = "::initial_load" if i % 3 else "::refresh"
            agg.add(Sample("group_duration", 200.0 + 10 * i + second, make_tags({"group": group}), now))
            agg.add(Sample("initial_load_duration", 220.0 + 11 * i, (), now))
            agg.add(Sample("iterations", 1.0, (), now))
        if realtime:
            agg.add(Sample("realtime_active", 20.0, (), now))
            agg.add(Sample("realtime_subscriptions", 1.0, (), now))
            agg.add(Sample("realtime_subscribe_duration", 80.0 + second, (), now))
            agg.add(Sample("realtime_messages", 3.0, (), now))
            agg.add(Sample("realtime_delivery_latency", 25.0 + second, (), now))
            if second % 4 == 1:
                agg.add(Sample("realtime_errors", 1.0, make_tags({"reason": "timeout"}), now))
        clock.advance(1.0)
    return agg.snapshot()


def evaluate(snapshot: Snapshot, *, final: bool = False) -> tuple[ThresholdResult, ...]:
    return evaluate_thresholds(THRESHOLDS, snapshot, final=final)


def pending(thresholds: tuple[Threshold, ...] = THRESHOLDS) -> tuple[ThresholdResult, ...]:
    return tuple(ThresholdResult(t, None, None) for t in thresholds)


@dataclass
class FakeSession:
    """A RunSession whose data is set by the test; it records every control call.

    `run()` waits until `stop()` (or `finish()`) is called, then returns `outcome`.
    """

    snapshot_value: Snapshot = field(default_factory=Snapshot.empty)
    results_value: tuple[ThresholdResult, ...] = field(default_factory=pending)
    elapsed: float = 42.0
    vus: int = 20
    vus_max: int = 20
    complete: int = 120
    interrupted: int = 0
    loop_lag_ms: float = 1.5
    cpu_percent: float = 12.0
    health: GeneratorHealth | None = None
    exit_code: int = 0
    reason: str = "finished"
    summary_text: str = "     checks.........................: 100.00% ✓ 480 ✗ 0\n"
    report_paths: tuple[str, ...] = ("summary.json",)
    finish_immediately: bool = False
    raise_on_run: Exception | None = None
    vu_limit: int = 40
    calls: list[tuple[object, ...]] = field(default_factory=list)
    paused: bool = False
    stopping: bool = False
    aborted_by: str | None = None
    workers: tuple[WorkerStatus, ...] = ()
    _ended: bool = False
    _event: anyio.Event | None = None

    @property
    def info(self) -> RunInfo:
        return INFO

    def snapshot(self) -> Snapshot:
        return self.snapshot_value

    def failures(self) -> tuple[FailureRecord, ...]:
        return self.snapshot_value.failures

    def threshold_results(self) -> tuple[ThresholdResult, ...]:
        return self.results_value

    def progress(self) -> Progress:
        scenario = ScenarioProgress(
            name="dashboard_viewers",
            executor="constant-vus",
            vus=self.vus,
            vus_max=self.vus_max,
            complete=self.complete,
            interrupted=self.interrupted,
            elapsed=self.elapsed,
            planned=INFO.planned,
        )
        return Progress(
            elapsed=self.elapsed,
            planned=INFO.planned,
            vus=self.vus,
            vus_max=self.vus_max,
            complete=self.complete,
            interrupted=self.interrupted,
            scenarios=(scenario,),
            status=RunStatus(
                running=not self._ended,
                paused=self.paused,
                stopping=self.stopping,
                aborted_by_threshold=self.aborted_by,
            ),
            loop_lag_ms=self.loop_lag_ms,
            cpu_percent=self.cpu_percent,
            health=self.health,
            workers=self.workers,
        )

    def pause(self) -> None:
        self.calls.append(("pause",))
        self.paused = True

    def resume(self) -> None:
        self.calls.append(("resume",))
        self.paused = False

    def add_vus(self, delta: int) -> int:
        self.calls.append(("add_vus", delta))
        target = self.vus + delta
        if not 0 <= target <= self.vu_limit:
            raise ValueError(f"VUs must stay between 0 and {self.vu_limit}")
        self.vus = target
        self.vus_max = max(self.vus_max, target)
        return target

    def stop(self, *, graceful: bool = True) -> None:
        self.calls.append(("stop", graceful))
        self.stopping = True
        self.finish()

    def advance(self, snapshot: Snapshot, results: tuple[ThresholdResult, ...] | None = None) -> None:
        """A second of the run passes: new measurements (and, if given, new threshold results)."""
        self.elapsed += 1.0
        self.snapshot_value = snapshot
        if results is not None:
            self.results_value = results

    def finish(self) -> None:
        """End the run as if the engine got there by itself."""
        self._ended = True
        if self._event is not None:
            self._event.set()

    async def run(self) -> RunOutcome:
        self.calls.append(("run",))
        if self.raise_on_run is not None:
            raise self.raise_on_run
        if not (self.finish_immediately or self._ended):
            self._event = anyio.Event()
            await self._event.wait()
        self._ended = True
        return RunOutcome(
            exit_code=self.exit_code,
            reason=self.reason,
            snapshot=self.snapshot_value,
            results=self.results_value,
            summary_text=self.summary_text,
            report_paths=self.report_paths,
        )


def with_progress(session: FakeSession, **changes: object) -> FakeSession:
    return replace(session, **changes)  # type: ignore[arg-type]
