"""The engine: runs a scenario's executors on one anyio task group and writes samples into a sink."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import anyio

from ..clock import Clock
from ..metrics.aggregator import SampleSink
from ..metrics.types import Sample
from ..run.protocol import Progress, RunStatus
from ..scenario.model import BatchStep, GroupStep, RequestStep
from ..scenario.segments import ExecutionTuple
from .collector import tuned_for_load
from .context import RealtimeHook, RunContext, TransportFactory
from .executors import ExecutorRun, VUAllocator, make_executor
from .prepare import auth_header_sets, prepare_request
from .realtime import default_realtime_hook
from .selfmon import GeneratorHealth, SelfMonitor

__all__ = ["Engine"]


class Engine:
    """Runs every scenario of a preset (each from its startTime) until all end or `stop()` is called.

    `segment` is the part of the run this engine does (k6's execution segment within its sequence):
    each executor scales its VUs, iterations, stages and arrival starts to it, and VU ids follow its
    stripe, so engines running every segment of a sequence together run what one whole engine runs.
    Default: the whole run.
    """

    def __init__(
        self,
        scenario: Any,
        *,
        sink: SampleSink,
        clock: Clock,
        env: Mapping[str, str],
        transport_factory: TransportFactory | None = None,
        realtime: RealtimeHook | None = None,
        seed: int | None = None,
        secrets: tuple[str, ...] = (),
        segment: ExecutionTuple | None = None,
        http1: bool = False,
    ) -> None:
        options = scenario.options
        self.segment = segment or ExecutionTuple.whole()
        header_sets = auth_header_sets(env)
        self.clock = clock
        self.ctx = RunContext(
            clock=clock,
            sink=sink,
            batch=options.batch,
            batch_per_host=options.batch_per_host,
            user_agent=options.user_agent,
            no_connection_reuse=options.no_connection_reuse,
            no_vu_connection_reuse=options.no_vu_connection_reuse,
            http1=http1,
            transport_factory=transport_factory,
            realtime=realtime if realtime is not None else default_realtime_hook(scenario),
            realtime_base_url=env.get("SUPABASE_URL", ""),
            secrets=tuple(s for s in secrets if s)
            + tuple(v for h in header_sets.values() for v in h.values()),
            rng=random.Random(seed),
            header_sets=header_sets,
        )
        for flow in scenario.flows.values():
            for spec in request_specs(flow):
                self.ctx.prepared(spec, prepare_request, keep=True)
        self.allocator = VUAllocator(self.segment)
        self.executors: list[ExecutorRun] = [
            make_executor(name, config, scenario.flows[config.exec], self.ctx, self.allocator, self.segment)
            for name, config in scenario.scenarios.items()
        ]
        self.monitor = SelfMonitor(clock)
        self._started: float | None = None
        self._running = False
        self._stopping = False
        self.vu_changes: list[tuple[float, int]] = []

    @property
    def planned(self) -> float:
        return max((e.start_time + e.planned() for e in self.executors), default=0.0)

    def elapsed(self) -> float:
        return 0.0 if self._started is None else max(0.0, self.clock.now() - self._started)

    async def run(self) -> None:
        self._started = self.ctx.start = self.clock.now()
        self._running = True
        try:
            with tuned_for_load():
                await self._run_executors()
        finally:
            self._running = False
            self._emit_vus()

    async def _run_executors(self) -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(self.monitor.run)
            tg.start_soon(self._sample_vus)
            async with anyio.create_task_group() as scenarios:
                for executor in self.executors:
                    scenarios.start_soon(executor.run)
            tg.cancel_scope.cancel()

    def _emit_vus(self) -> None:
        now = self.clock.now()
        self.ctx.emit(Sample("vus", float(self.allocator.active), (), now))
        self.ctx.emit(Sample("vus_max", float(sum(e.vus_max for e in self.executors)), (), now))

    async def _sample_vus(self) -> None:
        """k6 emits vus and vus_max once a second."""
        while True:
            self._emit_vus()
            await anyio.sleep(1.0)

    def pause(self) -> None:
        self.ctx.gate.pause()

    def resume(self) -> None:
        self.ctx.gate.resume()

    def add_vus(self, delta: int) -> int:
        """Add (or remove) VUs on the first running constant-vus or ramping-vus scenario.

        Returns the VU target after the change; removing never goes below zero VUs. Raises ValueError,
        with the reason, when no running scenario lets a person change its VUs.
        """
        adjustable = [
            e for e in self.executors if e.adjustable and e.started_at is not None and not e.finished
        ]
        if not adjustable:
            kinds = ", ".join(sorted({e.config.executor for e in self.executors})) or "none"
            raise ValueError(
                f"VUs can be added or removed only on a running constant-vus or ramping-vus scenario "
                f"(this run: {kinds})"
            )
        executor = adjustable[0]
        applied = executor.adjust(delta)
        if applied:
            self.vu_changes.append((round(self.elapsed(), 3), applied))
        return sum(e.current_target() for e in adjustable)

    def stop(self, *, graceful: bool = True) -> None:
        """Graceful: no new iterations, running ones get gracefulStop. Otherwise interrupt everything now."""
        self._stopping = True
        for executor in self.executors:
            executor.request_stop(hard=not graceful)

    def health(self) -> GeneratorHealth:
        return dataclasses.replace(self.monitor.health(), queueing=self.ctx.queueing.figures())

    def progress(self) -> Progress:
        scenarios = tuple(e.progress() for e in self.executors)
        health = self.monitor.health()
        return Progress(
            elapsed=self.elapsed(),
            planned=self.planned,
            vus=sum(s.vus for s in scenarios),
            vus_max=sum(s.vus_max for s in scenarios),
            complete=sum(s.complete for s in scenarios),
            interrupted=sum(s.interrupted for s in scenarios),
            scenarios=scenarios,
            status=RunStatus(running=self._running, paused=self.ctx.gate.paused, stopping=self._stopping),
            loop_lag_ms=health.loop_lag_now_ms,
            cpu_percent=health.cpu_percent_now,
            vu_changes=tuple(self.vu_changes),
            health=health,
        )


def request_specs(steps: Sequence[Any]) -> Iterator[Any]:
    """Every RequestSpec in a flow, so bad auth or URLs fail before the run instead of in every VU."""
    for step in steps:
        if isinstance(step, GroupStep):
            yield from request_specs(step.steps)
        elif isinstance(step, BatchStep):
            yield from step.batch
        elif isinstance(step, RequestStep):
            yield step.request
