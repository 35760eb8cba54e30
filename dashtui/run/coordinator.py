"""The coordinator: a run over N workers: merged snapshots, live and final thresholds, reports, exit codes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import anyio

from .._version import __version__
from ..clock import Clock, SystemClock
from ..engine.realtime import ERROR_KEYS as REALTIME_ERROR_KEYS
from ..engine.runner import request_specs
from ..engine.selfmon import GeneratorHealth
from ..metrics.snapshot import FailureRecord, Snapshot
from ..report import (
    RunState,
    SummaryOptions,
    build_summary_data,
    render_dashboard_block,
    render_summary,
    report_files,
    write_reports,
)
from ..report.ci import CiOutputs, annotation_lines, ci_report_files
from ..report.view import endpoint_rows, group_rows
from ..secrets import Redactor
from ..thresholds import ThresholdMonitor, ThresholdResult, compile_thresholds, submetric_keys
from .merge import Accumulator
from .protocol import Progress, RunInfo, RunOutcome, RunStatus, ScenarioProgress, WorkerStatus
from .worker import Delta, WorkerReady, registry_for

__all__ = [
    "EXIT_ABORTED_BY_SIGNAL",
    "EXIT_CONFIG",
    "EXIT_ENGINE",
    "EXIT_OK",
    "EXIT_SCRIPT_ERROR",
    "EXIT_THRESHOLDS",
    "EXIT_WORKER_LOST",
    "Coordinator",
    "SessionOutputs",
    "WorkerHandle",
    "WorkerLost",
    "threshold_config",
]

EXIT_OK = 0
EXIT_THRESHOLDS = 99
EXIT_WORKER_LOST = 103
EXIT_ENGINE = 103
"""The engine failed: a worker lost, or a report that could not be written (a lost report is never a pass)."""
EXIT_CONFIG = 104
EXIT_ABORTED_BY_SIGNAL = 105
EXIT_SCRIPT_ERROR = 107

ADJUSTABLE_EXECUTORS = ("constant-vus", "ramping-vus")


class WorkerLost(Exception):
    """A worker died, stopped answering, or could not start; the message says which and why."""


@dataclass(frozen=True, slots=True)
class SessionOutputs:
    """Where the reports go and how the summary looks."""

    json_path: Path | None = None
    summary_export_path: Path | None = None
    color: bool = False
    stdout_tty: bool = False
    stderr_tty: bool = False
    ci: CiOutputs = CiOutputs()


class WorkerHandle(Protocol):
    """How the coordinator drives one worker, in its own process or elsewhere. Every wait is bounded."""

    name: str
    segment: str
    plan: WorkerReady

    async def prepare(self) -> WorkerReady:
        """Build the worker's engine (start its process first if it has one); raises WorkerLost."""
        ...

    async def run(self, epoch_wall: float, emit: Callable[[Delta], None]) -> None:
        """Start at `epoch_wall` (the coordinator's wall clock), emit its deltas, return after the final one.

        Raises WorkerLost when the worker dies or falls silent; deltas already emitted stay merged."""
        ...

    def progress(self) -> Progress | None:
        """The worker's latest progress (live in process, as of its last delta otherwise)."""
        ...

    def last_contact(self) -> float:
        """The coordinator's monotonic time of the worker's last message."""
        ...

    def clock_offset(self) -> float: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def add_vus(self, delta: int) -> int: ...

    def stop(self, *, graceful: bool = True) -> None: ...

    def fold(self, keys: Iterable[str]) -> None:
        """The merged digests of these Trends have folded into buckets: send their deltas as buckets."""
        ...

    async def close(self) -> None:
        """Release the worker (end its process); returns within a bounded time."""
        ...


def threshold_config(scenario: Any) -> dict[str, list[str | dict[str, object]]]:
    """The scenario's thresholds in k6's option shape (strings, or objects with k6's camelCase keys)."""
    config: dict[str, list[str | dict[str, object]]] = {}
    for key, entries in scenario.thresholds.items():
        config[key] = [
            e if isinstance(e, str) else e.model_dump(by_alias=True, exclude_none=True) for e in entries
        ]
    return config


def merge_progress(parts: Sequence[Progress], *, elapsed: float, planned: float) -> Progress:
    """One progress over every worker: counts add up, scenarios by name, the worst loop lag and CPU."""
    scenarios: dict[str, ScenarioProgress] = {}
    for part in parts:
        for s in part.scenarios:
            have = scenarios.get(s.name)
            scenarios[s.name] = (
                s
                if have is None
                else ScenarioProgress(
                    name=s.name,
                    executor=s.executor,
                    vus=have.vus + s.vus,
                    vus_max=have.vus_max + s.vus_max,
                    complete=have.complete + s.complete,
                    interrupted=have.interrupted + s.interrupted,
                    elapsed=max(have.elapsed, s.elapsed),
                    planned=max(have.planned, s.planned),
                    done=have.done and s.done,
                )
            )
    changes = sorted(c for part in parts for c in part.vu_changes)
    healths = [p.health for p in parts if p.health is not None]
    return Progress(
        elapsed=elapsed,
        planned=planned,
        vus=sum(p.vus for p in parts),
        vus_max=sum(p.vus_max for p in parts),
        complete=sum(p.complete for p in parts),
        interrupted=sum(p.interrupted for p in parts),
        scenarios=tuple(scenarios.values()),
        status=RunStatus(
            running=any(p.status.running for p in parts),
            paused=any(p.status.paused for p in parts),
            stopping=any(p.status.stopping for p in parts),
        ),
        loop_lag_ms=max((p.loop_lag_ms for p in parts), default=0.0),
        cpu_percent=max((p.cpu_percent for p in parts), default=0.0),
        vu_changes=tuple(changes),
        health=max(healths, key=_badness) if healths else None,
    )


def _badness(health: GeneratorHealth) -> tuple[bool, float, float]:
    """Which worker's health speaks for the run: overloaded now first, then the later and the busier."""
    return (health.overloaded, health.window.late_share, health.window.cpu_share)


@dataclass(slots=True)
class _WorkerState:
    handle: WorkerHandle
    state: str = "starting"
    error: str = ""
    requests: int = 0
    iterations: int = 0
    elapsed: float = 0.0
    health: Mapping[str, object] | None = None


class Coordinator:
    """A run over N workers, as its consumers see one run: the RunSession protocol, one merged result.

    A single in-process worker is the N = 1 case: the same deltas, the same merge, the same watchers."""

    def __init__(
        self,
        scenario: Any,
        *,
        target: str,
        workers: Callable[[tuple[str, ...]], Sequence[WorkerHandle]],
        outputs: SessionOutputs | None = None,
        clock: Clock | None = None,
        on_worker_loss: str = "abort",
        start_margin: float = 0.0,
        prepare_timeout: float = 60.0,
    ) -> None:
        if on_worker_loss not in ("abort", "continue"):
            raise ValueError(f"on_worker_loss: expected abort or continue, found {on_worker_loss!r}")
        self.scenario = scenario
        self.clock = clock or SystemClock()
        self.outputs = outputs or SessionOutputs()
        self.registry = registry_for(scenario)
        self.redactor = Redactor(getattr(scenario, "secrets", ()))
        self.thresholds = compile_thresholds(threshold_config(scenario), self.registry)
        track = (*submetric_keys(self.thresholds), *REALTIME_ERROR_KEYS)
        self.handles = list(workers(track))
        self.workers = [_WorkerState(h) for h in self.handles]
        self.monitor = ThresholdMonitor(self.thresholds)
        self._threshold_keys = frozenset(t.metric_key for t in self.thresholds)
        self._announced_folds: set[str] = set()
        self.accumulator = Accumulator()
        self.on_worker_loss = on_worker_loss
        self.start_margin = start_margin
        self.prepare_timeout = prepare_timeout
        self.aborted_by: str | None = None
        self.worker_lost: str | None = None
        self.interrupted_by_signal = False
        self._paused = False
        self._stopping = False
        self._epoch: float | None = None
        self._running = False
        plan = self.handles[0].plan
        self._info = RunInfo(
            preset=scenario.name,
            scenarios=tuple(scenario.scenarios),
            executors=tuple(c.executor for c in scenario.scenarios.values()),
            target=target,
            planned=plan.planned,
        )

    @property
    def info(self) -> RunInfo:
        return self._info

    def elapsed(self) -> float:
        return 0.0 if self._epoch is None else max(0.0, self.clock.now() - self._epoch)

    def snapshot(self) -> Snapshot:
        """Everything merged so far; a second's window shows once every running worker has sent all of it."""
        running = [w.elapsed for w in self.workers if w.state in ("starting", "running")]
        return self.accumulator.snapshot(closed_before=int(min(running)) if running else None)

    def failures(self) -> tuple[FailureRecord, ...]:
        return self.accumulator.failures

    def _worker_statuses(self) -> tuple[WorkerStatus, ...]:
        now = self.clock.now()
        statuses = []
        for w in self.workers:
            p = w.handle.progress()
            statuses.append(
                WorkerStatus(
                    name=w.handle.name,
                    segment=w.handle.segment,
                    state=w.state,
                    vus=p.vus if p is not None else 0,
                    loop_lag_ms=p.loop_lag_ms if p is not None else 0.0,
                    cpu_percent=p.cpu_percent if p is not None else 0.0,
                    last_contact_s=max(0.0, now - w.handle.last_contact()),
                    clock_offset_ms=w.handle.clock_offset() * 1000.0,
                    requests=w.requests,
                    iterations=w.iterations,
                    error=w.error,
                )
            )
        return tuple(statuses)

    def _part(self, state: _WorkerState) -> Progress | None:
        """A worker's progress; a lost worker keeps its counts but runs no VUs any more."""
        progress = state.handle.progress()
        if progress is None or state.state != "lost":
            return progress
        return replace(
            progress,
            vus=0,
            scenarios=tuple(replace(s, vus=0) for s in progress.scenarios),
            status=RunStatus(running=False),
        )

    def progress(self) -> Progress:
        parts = [p for p in (self._part(w) for w in self.workers) if p is not None]
        merged = merge_progress(parts, elapsed=self.elapsed(), planned=self._info.planned)
        status = merged.status
        return Progress(
            elapsed=merged.elapsed,
            planned=merged.planned,
            vus=merged.vus,
            vus_max=merged.vus_max,
            complete=merged.complete,
            interrupted=merged.interrupted,
            scenarios=merged.scenarios,
            status=RunStatus(
                running=status.running or self._running,
                paused=status.paused or self._paused,
                stopping=status.stopping or self._stopping,
                aborted_by_threshold=self.aborted_by,
                interrupted_by_signal=self.interrupted_by_signal,
            ),
            loop_lag_ms=merged.loop_lag_ms,
            cpu_percent=merged.cpu_percent,
            vu_changes=merged.vu_changes,
            health=merged.health,
            workers=self._worker_statuses(),
        )

    def threshold_results(self) -> tuple[ThresholdResult, ...]:
        return self.monitor.latest

    def _live(self) -> list[WorkerHandle]:
        return [w.handle for w in self.workers if w.state in ("starting", "running")]

    def pause(self) -> None:
        self._paused = True
        for handle in self._live():
            handle.pause()

    def resume(self) -> None:
        self._paused = False
        for handle in self._live():
            handle.resume()

    def add_vus(self, delta: int) -> int:
        """Place the change on one worker: the one with the fewest VUs to add, the most to remove."""
        live = self._live()
        if not live:
            raise ValueError("no worker is running")
        if not any(c.executor in ADJUSTABLE_EXECUTORS for c in self.scenario.scenarios.values()):
            kinds = ", ".join(sorted({c.executor for c in self.scenario.scenarios.values()})) or "none"
            raise ValueError(
                f"VUs can be added or removed only on a running constant-vus or ramping-vus scenario "
                f"(this run: {kinds})"
            )

        def vus(handle: WorkerHandle) -> int:
            progress = handle.progress()
            return progress.vus if progress is not None else 0

        chosen = min(live, key=vus) if delta > 0 else max(live, key=vus)
        others = sum(vus(h) for h in live if h is not chosen)
        return others + chosen.add_vus(delta)

    def stop(self, *, graceful: bool = True) -> None:
        self._stopping = True
        self._paused = False
        for handle in self._live():
            handle.stop(graceful=graceful)

    def signal(self, *, graceful: bool = True) -> None:
        """A SIGINT/SIGTERM: stop every worker, and end with k6's exit code 105."""
        self.interrupted_by_signal = True
        self.stop(graceful=graceful)

    def collect_in_process(self) -> None:
        """Take in what in-process workers measured since their last delta: for a run that must end while
        its event loop is held (a blocking step), before `finish()`."""
        for state in self.workers:
            collect = getattr(state.handle, "collect_now", None)
            if collect is not None:
                self._on_delta(state, collect())

    def _on_delta(self, state: _WorkerState, delta: Delta) -> None:
        self.accumulator.add(delta.worker, delta.snapshot)
        folded = self.accumulator.folded - self._announced_folds
        if folded:
            self._announced_folds |= folded
            for handle in self._live():
                handle.fold(sorted(folded))
        state.elapsed = delta.elapsed
        state.health = delta.health
        state.iterations = delta.progress.complete + delta.progress.interrupted
        reqs = delta.snapshot.data("http_reqs")
        if reqs is not None:
            state.requests += int(reqs.sink.values(1.0).get("count", 0))
        if state.state == "starting":
            state.state = "running"
        if delta.final:
            state.state = "done"

    def _on_live_delta(self, state: _WorkerState, delta: Delta) -> None:
        self._on_delta(state, delta)
        if not delta.final:
            self._check_thresholds()

    def _check_thresholds(self) -> None:
        """Live thresholds, when due (every 2 s of run time, as k6's ticker): the merged data changes only
        when a delta arrives, so a delta is when to look; abortOnFail stops every worker."""
        elapsed = self.accumulator.elapsed
        if not self.monitor.due(elapsed):
            return
        results = self.monitor.check(self.accumulator.metrics_snapshot(self._threshold_keys))
        reason = self.monitor.abort_reason(results, elapsed)
        if reason is not None and self.aborted_by is None:
            self.aborted_by = reason
            self.stop(graceful=False)

    async def _drive(self, state: _WorkerState, epoch_wall: float) -> None:
        try:
            await state.handle.run(epoch_wall, lambda delta: self._on_live_delta(state, delta))
        except WorkerLost as exc:
            self._lose(state, str(exc))
        finally:
            await state.handle.close()

    def _lose(self, state: _WorkerState, why: str) -> None:
        state.state, state.error = "lost", why
        if self.worker_lost is None:
            self.worker_lost = f"worker {state.handle.name} lost: {why}"
        if self.on_worker_loss == "abort":
            self.stop(graceful=False)

    async def _prepare(self, state: _WorkerState) -> None:
        try:
            with anyio.fail_after(self.prepare_timeout):
                await state.handle.prepare()
        except TimeoutError:
            self._lose(state, f"not ready after {self.prepare_timeout:g} s")
        except WorkerLost as exc:
            self._lose(state, str(exc))

    async def run(self) -> RunOutcome:
        self._running = True
        try:
            return await self._run()
        finally:
            self._running = False

    async def _run(self) -> RunOutcome:
        async with anyio.create_task_group() as tg:
            for state in self.workers:
                tg.start_soon(self._prepare, state)
        lost = [w for w in self.workers if w.state == "lost"]
        if lost and self.on_worker_loss == "abort":
            for state in self.workers:
                await state.handle.close()
            return self.finish()
        for state in lost:
            await state.handle.close()
        epoch_wall = self.clock.wall() + self.start_margin
        self._epoch = self.clock.now() + self.start_margin
        async with anyio.create_task_group() as drivers:
            for state in self.workers:
                if state.state != "lost":
                    drivers.start_soon(self._drive, state, epoch_wall)
        return self.finish()

    def finish(self) -> RunOutcome:
        """Final evaluation, reports written atomically, and the exit code."""
        snapshot = self.accumulator.snapshot()
        results = self.monitor.final(snapshot)
        data = self.summary_data(snapshot, results)
        summary = render_summary(data, color=False)
        if self.scenario.report.dashboard_block:
            summary += "\n" + self.dashboard_block(data)
        summary += self.workers_text()
        ci_files = ci_report_files(
            self.outputs.ci, data, self.accumulator.series(), redact=self.redactor.text
        )
        writes = write_reports(
            [*report_files(self.outputs.json_path, self.outputs.summary_export_path, data), *ci_files]
        )
        for line in annotation_lines(self.outputs.ci, data, redact=self.redactor.text):
            print(line)
        failed = any(r.failed for r in results)
        if writes.failures and not self.interrupted_by_signal:
            code, reason = EXIT_ENGINE, "a report could not be written"
        elif self.interrupted_by_signal:
            code, reason = EXIT_ABORTED_BY_SIGNAL, "interrupted by signal"
        elif self.worker_lost is not None and self.on_worker_loss == "abort":
            code, reason = EXIT_WORKER_LOST, self.worker_lost
        elif self.aborted_by is not None:
            code, reason = EXIT_THRESHOLDS, f"aborted by threshold {self.aborted_by}"
        elif failed:
            code, reason = EXIT_THRESHOLDS, "thresholds failed"
        else:
            code, reason = EXIT_OK, "finished"
        return RunOutcome(
            exit_code=code,
            reason=reason,
            snapshot=snapshot,
            results=results,
            summary_text=summary,
            report_paths=writes.written,
            report_errors=writes.failures,
        )

    def workers_text(self) -> str:
        """A summary line per worker when the run had several, or lost one; nothing otherwise."""
        if len(self.workers) == 1 and self.workers[0].state != "lost":
            return ""
        lines = ["", f"     workers........: {len(self.workers)}"]
        for w in self.workers:
            line = f"       {w.handle.name} [{w.handle.segment}] {w.state}: {w.requests} requests"
            if w.state == "lost":
                line += f", data kept up to {w.elapsed:.1f} s ({w.error})"
            lines.append(line)
        return "\n".join(lines) + "\n"

    def workers_data(self) -> list[dict[str, object]]:
        """The JSON's `workers` list; a lost worker says why and how far its data goes."""
        return [
            {
                "name": s.name,
                "segment": s.segment,
                "state": s.state,
                "requests": s.requests,
                "iterations": s.iterations,
                "data_until_s": round(w.elapsed, 3),
                "clock_offset_ms": round(s.clock_offset_ms, 3),
                "generator": dict(w.health or {}),
                "error": s.error,
            }
            for w, s in zip(self.workers, self._worker_statuses(), strict=True)
        ]

    def _generator(self) -> dict[str, object]:
        """The worst worker's generator figures: overloaded the longest, else the largest loop lag p95."""
        healths = [dict(w.health) for w in self.workers if w.health]
        if not healths:
            return {}

        def number(h: dict[str, object], key: str) -> float:
            value = h.get(key, 0.0)
            return float(value) if isinstance(value, int | float) else 0.0

        return max(
            healths,
            key=lambda h: (
                bool(h.get("overloaded")),
                number(h, "overloaded_s"),
                number(h, "loop_lag_p95_ms"),
            ),
        )

    def summary_data(self, snapshot: Snapshot, results: tuple[ThresholdResult, ...]) -> dict[str, Any]:
        options = self.scenario.options
        extras: dict[str, object] = {
            "version": __version__,
            "preset": self.scenario.name,
            "generator": self._generator(),
            "vu_changes": [{"elapsed_s": t, "delta": d} for t, d in self.progress().vu_changes],
            "aborted_by_threshold": self.aborted_by,
            "interrupted_by_signal": self.interrupted_by_signal,
            "workers": self.workers_data(),
            "endpoints": endpoint_rows(snapshot),
            "groups": group_rows(snapshot),
        }
        if self.worker_lost is not None:
            extras["worker_lost"] = self.worker_lost
        data = build_summary_data(
            snapshot,
            results,
            options=SummaryOptions(
                summary_trend_stats=tuple(options.summary_trend_stats),
                summary_time_unit=options.summary_time_unit,
                no_color=not self.outputs.color,
            ),
            state=RunState(
                is_stdout_tty=self.outputs.stdout_tty,
                is_stderr_tty=self.outputs.stderr_tty,
                test_run_duration_ms=snapshot.elapsed * 1000.0,
            ),
            extras=extras,
        )
        return self.redactor.data(data)

    def dashboard_block(self, data: Mapping[str, Any]) -> str:
        first = next(iter(self.scenario.scenarios.values()))
        vus = getattr(first, "vus", None) or sum(h.plan.vus_max for h in self.handles)
        planned = self._info.planned
        minutes = planned / 60.0
        label = f"{minutes:g} minutes" if planned >= 60 else f"{planned:g} seconds"
        endpoints = _endpoint_tables(self.scenario)
        return render_dashboard_block(data, vus=int(vus), duration_label=label, endpoints=endpoints)


def _endpoint_tables(scenario: Any) -> list[str]:
    """Table names the flows read, in first-seen order (the seed's 'Endpoints:' line)."""
    seen: dict[str, None] = {}
    for flow in scenario.flows.values():
        for request in request_specs(flow):
            path = request.url.split("?", 1)[0].rstrip("/")
            seen.setdefault(path.rsplit("/", 1)[-1], None)
    return list(seen)
