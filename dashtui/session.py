"""A whole run: scenario → engine → metrics → thresholds → reports, with k6's exit codes. No UI here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio

from ._version import __version__
from .clock import Clock, SystemClock
from .engine.context import RealtimeHook, TransportFactory
from .engine.control import Progress, RunInfo, RunOutcome, RunStatus
from .engine.prepare import AuthError
from .engine.realtime import ERROR_KEYS as REALTIME_ERROR_KEYS
from .engine.runner import Engine, request_specs
from .metrics.aggregator import Aggregator
from .metrics.builtin import Registry
from .metrics.snapshot import Snapshot
from .metrics.types import Metric, MetricType, ValueType
from .report import (
    RunState,
    SummaryOptions,
    atomic_write_text,
    build_summary_data,
    dumps_summary_data,
    dumps_summary_export,
    render_dashboard_block,
    render_summary,
)
from .scenario.segments import ExecutionTuple
from .thresholds import ThresholdMonitor, ThresholdResult, compile_thresholds, submetric_keys

__all__ = [
    "EXIT_ABORTED_BY_SIGNAL",
    "EXIT_CONFIG",
    "EXIT_OK",
    "EXIT_SCRIPT_ERROR",
    "EXIT_THRESHOLDS",
    "ConfigError",
    "Session",
    "SessionOutputs",
]


class ConfigError(ValueError):
    """The scenario cannot run as configured (a missing key, thresholds k6 would reject): exit 104."""


EXIT_OK = 0
EXIT_THRESHOLDS = 99
EXIT_CONFIG = 104
EXIT_ABORTED_BY_SIGNAL = 105
EXIT_SCRIPT_ERROR = 107


@dataclass(frozen=True, slots=True)
class SessionOutputs:
    """Where the reports go and how the summary looks."""

    json_path: Path | None = None
    summary_export_path: Path | None = None
    color: bool = False
    stdout_tty: bool = False
    stderr_tty: bool = False


def registry_for(scenario: Any) -> Registry:
    """The built-in metrics plus the scenario's custom ones."""
    custom = tuple(
        Metric(
            name,
            MetricType(spec.type),
            ValueType.TIME if spec.time else ValueType.DEFAULT,
        )
        for name, spec in scenario.metrics.items()
    )
    return Registry(custom)


def threshold_config(scenario: Any) -> dict[str, list[str | dict[str, object]]]:
    """The scenario's thresholds in k6's option shape (strings, or objects with k6's camelCase keys)."""
    config: dict[str, list[str | dict[str, object]]] = {}
    for key, entries in scenario.thresholds.items():
        config[key] = [
            e if isinstance(e, str) else e.model_dump(by_alias=True, exclude_none=True) for e in entries
        ]
    return config


class Session:
    """Runs one scenario and writes its reports; the headless CLI and the console both drive one."""

    def __init__(
        self,
        scenario: Any,
        *,
        env: Mapping[str, str],
        target: str,
        outputs: SessionOutputs = SessionOutputs(),
        clock: Clock | None = None,
        transport_factory: TransportFactory | None = None,
        realtime: RealtimeHook | None = None,
        seed: int | None = None,
        segment: ExecutionTuple | None = None,
        http1: bool = False,
    ) -> None:
        """`segment`: the part of the run this session's engine does (k6's execution segment), or all."""
        self.scenario = scenario
        self.clock = clock or SystemClock()
        self.outputs = outputs
        self.registry = registry_for(scenario)
        self.thresholds = compile_thresholds(threshold_config(scenario), self.registry)
        track = (*submetric_keys(self.thresholds), *REALTIME_ERROR_KEYS)
        self.aggregator = Aggregator(self.registry, clock=self.clock, track=track)
        try:
            self.engine = Engine(
                scenario,
                sink=self.aggregator,
                clock=self.clock,
                env=env,
                transport_factory=transport_factory,
                realtime=realtime,
                seed=seed,
                segment=segment,
                http1=http1,
            )
        except AuthError as exc:
            raise ConfigError(str(exc)) from None
        self.monitor = ThresholdMonitor(self.thresholds)
        self.aborted_by: str | None = None
        self.interrupted_by_signal = False
        self._info = RunInfo(
            preset=scenario.name,
            scenarios=tuple(scenario.scenarios),
            executors=tuple(c.executor for c in scenario.scenarios.values()),
            target=target,
            planned=self.engine.planned,
        )

    @property
    def info(self) -> RunInfo:
        return self._info

    def snapshot(self) -> Snapshot:
        return self.aggregator.snapshot()

    def progress(self) -> Progress:
        progress = self.engine.progress()
        status = progress.status
        return Progress(
            elapsed=progress.elapsed,
            planned=progress.planned,
            vus=progress.vus,
            vus_max=progress.vus_max,
            complete=progress.complete,
            interrupted=progress.interrupted,
            scenarios=progress.scenarios,
            status=RunStatus(
                running=status.running,
                paused=status.paused,
                stopping=status.stopping,
                aborted_by_threshold=self.aborted_by,
                interrupted_by_signal=self.interrupted_by_signal,
            ),
            loop_lag_ms=progress.loop_lag_ms,
            cpu_percent=progress.cpu_percent,
            vu_changes=progress.vu_changes,
            health=progress.health,
        )

    def threshold_results(self) -> tuple[ThresholdResult, ...]:
        return self.monitor.latest

    def pause(self) -> None:
        self.engine.pause()

    def resume(self) -> None:
        self.engine.resume()

    def add_vus(self, delta: int) -> int:
        return self.engine.add_vus(delta)

    def stop(self, *, graceful: bool = True) -> None:
        self.engine.resume()
        self.engine.stop(graceful=graceful)

    def signal(self, *, graceful: bool = True) -> None:
        """A SIGINT/SIGTERM: stop, and end with k6's exit code 105."""
        self.interrupted_by_signal = True
        self.stop(graceful=graceful)

    async def _watch_thresholds(self) -> None:
        while True:
            await anyio.sleep(0.2)
            elapsed = self.aggregator.elapsed()
            if not self.monitor.due(elapsed):
                continue
            results = self.monitor.check(self.aggregator.snapshot())
            reason = self.monitor.abort_reason(results, elapsed)
            if reason is not None and self.aborted_by is None:
                self.aborted_by = reason
                self.engine.stop(graceful=False)

    async def run(self) -> RunOutcome:
        self.aggregator.restart()
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._watch_thresholds)
            await self.engine.run()
            tg.cancel_scope.cancel()
        return self.finish()

    def finish(self) -> RunOutcome:
        """Final evaluation, reports written atomically, and the exit code."""
        snapshot = self.aggregator.snapshot()
        results = self.monitor.final(snapshot)
        data = self.summary_data(snapshot, results)
        summary = render_summary(data, color=False)
        if self.scenario.report.dashboard_block:
            summary += "\n" + self.dashboard_block(data)
        paths: list[str] = []
        if self.outputs.json_path is not None:
            atomic_write_text(self.outputs.json_path, dumps_summary_data(data))
            paths.append(str(self.outputs.json_path))
        if self.outputs.summary_export_path is not None:
            atomic_write_text(self.outputs.summary_export_path, dumps_summary_export(data))
            paths.append(str(self.outputs.summary_export_path))
        failed = any(r.failed for r in results)
        if self.interrupted_by_signal:
            code, reason = EXIT_ABORTED_BY_SIGNAL, "interrupted by signal"
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
            report_paths=tuple(paths),
        )

    def summary_data(self, snapshot: Snapshot, results: tuple[ThresholdResult, ...]) -> dict[str, Any]:
        options = self.scenario.options
        health = self.engine.health()
        return build_summary_data(
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
            extras={
                "version": __version__,
                "preset": self.scenario.name,
                "generator": health.to_dict(),
                "vu_changes": [{"elapsed_s": t, "delta": d} for t, d in self.engine.vu_changes],
                "aborted_by_threshold": self.aborted_by,
                "interrupted_by_signal": self.interrupted_by_signal,
            },
        )

    def dashboard_block(self, data: Mapping[str, Any]) -> str:
        first = next(iter(self.scenario.scenarios.values()))
        vus = getattr(first, "vus", None) or self.engine.progress().vus_max
        planned = self.engine.planned
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
