"""A whole run in this process: one in-process worker under the coordinator (the N = 1 case). No UI here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .clock import Clock, SystemClock
from .engine.context import RealtimeHook, TransportFactory
from .metrics.aggregator import SampleSink
from .report.ci import CiOutputs, ci_sink, metric_info, report_secrets
from .run.coordinator import (
    EXIT_ABORTED_BY_SIGNAL,
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_SCRIPT_ERROR,
    EXIT_THRESHOLDS,
    EXIT_WORKER_LOST,
    Coordinator,
    SessionOutputs,
    WorkerHandle,
    threshold_config,
)
from .run.local import InProcessWorker
from .run.worker import ConfigError, Worker, registry_for
from .scenario.segments import ExecutionTuple

__all__ = [
    "EXIT_ABORTED_BY_SIGNAL",
    "EXIT_CONFIG",
    "EXIT_OK",
    "EXIT_SCRIPT_ERROR",
    "EXIT_THRESHOLDS",
    "EXIT_WORKER_LOST",
    "ConfigError",
    "Session",
    "per_sample_outputs",
    "SessionOutputs",
    "registry_for",
    "threshold_config",
]


def per_sample_outputs(
    scenario: Any, ci: CiOutputs, *, env: Mapping[str, str], clock: Clock
) -> Callable[[SampleSink], SampleSink]:
    """A worker's `wrap_sink`: the `--out json=/csv=` streams of `ci` teed off its own sink (k6's lines)."""

    def wrap(sink: SampleSink) -> SampleSink:
        return ci_sink(
            sink,
            ci,
            clock=clock,
            registry=registry_for(scenario),
            info=metric_info(threshold_config(scenario)),
            secrets=report_secrets(scenario, env),
        )

    return wrap


class Session(Coordinator):
    """Runs one scenario in this process and writes its reports; the headless CLI and console drive one."""

    def __init__(
        self,
        scenario: Any,
        *,
        env: Mapping[str, str],
        target: str,
        outputs: SessionOutputs | None = None,
        clock: Clock | None = None,
        transport_factory: TransportFactory | None = None,
        realtime: RealtimeHook | None = None,
        seed: int | None = None,
        segment: ExecutionTuple | None = None,
        http1: bool = False,
    ) -> None:
        """`segment`: the part of the run this session's engine does (k6's execution segment), or all."""
        run_clock = clock or SystemClock()
        streams = per_sample_outputs(scenario, (outputs or SessionOutputs()).ci, env=env, clock=run_clock)

        def one_worker(track: tuple[str, ...]) -> list[WorkerHandle]:
            worker = Worker(
                scenario,
                env=env,
                clock=run_clock,
                track=track,
                transport_factory=transport_factory,
                realtime=realtime,
                seed=seed,
                segment=segment,
                http1=http1,
                wrap_sink=streams,
            )
            return [InProcessWorker(worker, segment="0:1" if segment is None else str(segment.segment))]

        super().__init__(
            scenario, target=target, workers=one_worker, outputs=outputs or SessionOutputs(), clock=run_clock
        )
