"""k6's executors: how many VUs run a scenario's flow, and when iterations start (k6 `lib/executor`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
from anyio.abc import TaskGroup

from ..metrics.types import Sample
from ..run.protocol import ScenarioProgress
from ..scenario.model import (
    ConstantArrivalRate,
    ConstantVUs,
    GroupStep,
    PerVUIterations,
    RampingArrivalRate,
    RampingVUs,
    RealtimeStep,
    SharedIterations,
    Stage,
)
from ..scenario.segments import ExecutionTuple, SegmentedIndex
from ..scenario.shares import ExecutorShare, share_of
from .context import RunContext
from .schedule import arrival_offsets, ramping_vus_target, stages_duration
from .vu import VU

__all__ = ["ExecutorRun", "VUAllocator", "make_executor"]

TICK = 0.05
"""How often VU-count controllers look at their target, in seconds."""


def _vu_lifetime_subscriptions(steps: Sequence[Any]) -> Iterator[Any]:
    """Realtime specs held for a VU's whole life, wherever they sit in the flow (groups included)."""
    for step in steps:
        if isinstance(step, RealtimeStep) and step.realtime.hold == "vu":
            yield step.realtime
        elif isinstance(step, GroupStep):
            yield from _vu_lifetime_subscriptions(step.steps)


class VUAllocator:
    """Hands out VU ids across all scenarios (k6's __VU) and counts the VUs alive.

    Ids are unique across the workers of a segmented run: a worker's n-th VU gets the n-th number
    of its segment's stripe of 1, 2, 3… (k6's `GetUniqueVUIdentifiers`, its `idInTest`). With the
    sequence 0,1/2,1 one worker numbers its VUs 1, 3, 5… and the other 2, 4, 6…; the whole run
    numbers them 1, 2, 3… as before. When every worker starts its share of N VUs, the ids of all
    workers together are exactly 1…N.
    """

    def __init__(self, segment: ExecutionTuple | None = None) -> None:
        self._ids = SegmentedIndex.of(segment or ExecutionTuple.whole())
        self.active = 0
        self.allocated = 0

    def new_id(self) -> int:
        _, vu_id = self._ids.next()
        self.allocated += 1
        return vu_id


@dataclass(slots=True)
class _Slot:
    vu: VU
    retire: bool = False
    scope: anyio.CancelScope | None = None
    done: anyio.Event = field(default_factory=anyio.Event)


class ExecutorRun:
    """One scenario's execution. Subclasses decide when VUs start and when iterations begin."""

    adjustable = False
    """Whether a person may add or remove VUs while it runs (constant-vus, ramping-vus)."""

    def __init__(
        self,
        name: str,
        config: Any,
        flow: Sequence[Any],
        ctx: RunContext,
        allocator: VUAllocator,
        segment: ExecutionTuple | None = None,
    ) -> None:
        self.name = name
        self.config = config
        self.segment = segment or ExecutionTuple.whole()
        self.share: ExecutorShare = share_of(config, self.segment)
        self.flow = flow
        self.ctx = ctx
        self.allocator = allocator
        self.complete = 0
        self.interrupted = 0
        self.started_at: float | None = None
        self.finished = False
        self.stopping = False
        self.vus_max = 0
        self.offset = 0
        self._slots: dict[int, _Slot] = {}
        self._stop_event = anyio.Event()
        self._hard = False
        self._hold_realtime = list(_vu_lifetime_subscriptions(flow))

    @property
    def start_time(self) -> float:
        return float(self.config.start_time)

    @property
    def graceful_stop(self) -> float:
        return float(self.config.graceful_stop)

    def planned(self) -> float:
        """Seconds of load the executor plans, without startTime and gracefulStop."""
        return float(self.config.planned_duration())

    @property
    def vus(self) -> int:
        return len(self._slots)

    def elapsed(self) -> float:
        if self.started_at is None:
            return 0.0
        return max(0.0, self.ctx.clock.now() - self.started_at)

    def progress(self) -> ScenarioProgress:
        return ScenarioProgress(
            name=self.name,
            executor=self.config.executor,
            vus=self.vus,
            vus_max=self.vus_max,
            complete=self.complete,
            interrupted=self.interrupted,
            elapsed=self.elapsed(),
            planned=self.planned(),
            done=self.finished,
        )

    def request_stop(self, *, hard: bool = False) -> None:
        """Start no new iterations; running ones get gracefulStop to finish, or none when `hard`."""
        self.stopping = True
        self._hard = self._hard or hard
        self._stop_event.set()
        if hard:
            self.interrupt_all()

    def interrupt_all(self) -> None:
        for slot in list(self._slots.values()):
            if slot.scope is not None:
                slot.scope.cancel()

    def adjust(self, delta: int) -> int:
        """Move the VU target by `delta` (not below zero); returns the change applied."""
        applied = max(delta, -self.current_target())
        self.offset += applied
        return applied

    def current_target(self) -> int:
        return self.vus

    async def _wait_or_stop(self, seconds: float) -> bool:
        """Sleep up to `seconds`; True if a stop was requested meanwhile."""
        if seconds > 0:
            with anyio.move_on_after(seconds):
                await self._stop_event.wait()
        return self.stopping

    async def _new_vu(self) -> VU:
        vu = VU(self.allocator.new_id(), self.ctx, scenario=self.name, tags=tuple(self.config.tags.items()))
        self.vus_max = max(self.vus_max, len(self._slots) + 1)
        return vu

    async def _iterate(self, slot: _Slot) -> bool:
        """Run one iteration on the slot's VU; False if it was interrupted."""
        failed = False
        with anyio.CancelScope() as scope:
            slot.scope = scope
            await self.ctx.gate.wait()
            try:
                await slot.vu.iteration(self.flow)
                self.complete += 1
            except Exception as exc:  # a failing step ends its iteration, as a JS exception does in k6
                failed = True
                self.ctx.iteration_error(slot.vu, exc)
        slot.scope = None
        if scope.cancelled_caught or failed:
            self.interrupted += 1
            return False
        return True

    async def _open_vu(self, slot: _Slot, tg: TaskGroup) -> None:
        self._slots[slot.vu.id] = slot
        self.allocator.active += 1
        self.vus_max = max(self.vus_max, len(self._slots))
        if self.ctx.realtime is not None:
            for spec in self._hold_realtime:
                tg.start_soon(self._hold, slot, spec)

    async def _hold(self, slot: _Slot, spec: Any) -> None:
        """Keep a Realtime subscription open for the VU's whole life."""
        assert self.ctx.realtime is not None
        with anyio.CancelScope() as scope:
            waiter = anyio.create_task_group()
            async with waiter:
                waiter.start_soon(self.ctx.realtime, slot.vu, spec)
                await slot.done.wait()
                scope.cancel()

    async def _close_vu(self, slot: _Slot) -> None:
        slot.done.set()
        self._slots.pop(slot.vu.id, None)
        self.allocator.active -= 1
        with anyio.CancelScope(shield=True):
            await slot.vu.aclose()

    async def run(self) -> None:
        if not self.share.has_work:
            self.finished = True
            return
        if await self._wait_or_stop(self.start_time):
            self.finished = True
            return
        self.started_at = self.ctx.clock.now()
        try:
            await self._run()
        finally:
            self.finished = True

    async def _run(self) -> None:
        raise NotImplementedError

    async def _drain(self) -> None:
        while self._slots:
            await next(iter(self._slots.values())).done.wait()

    async def _finish(self) -> None:
        """Wait for running iterations up to gracefulStop after the end, then interrupt the rest."""
        with anyio.move_on_after(0.0 if self._hard else self.graceful_stop):
            await self._drain()
        self.interrupt_all()
        with anyio.move_on_after(self.graceful_stop + 5.0):
            await self._drain()


class _VUTargetExecutor(ExecutorRun):
    """constant-vus and ramping-vus: a controller keeps `target(t)` VUs looping on the flow."""

    adjustable = True

    def target(self, t: float) -> int:
        raise NotImplementedError

    def ramp_down_grace(self) -> float:
        return self.graceful_stop

    def current_target(self) -> int:
        return max(0, self.target(self.elapsed()) + self.offset)

    async def _loop(self, slot: _Slot, tg: TaskGroup) -> None:
        await self._open_vu(slot, tg)
        try:
            while not self.stopping and not slot.retire:
                await self._iterate(slot)
        finally:
            await self._close_vu(slot)

    async def _retire(self, slot: _Slot) -> None:
        slot.retire = True
        with anyio.move_on_after(self.ramp_down_grace()):
            await slot.done.wait()
        if slot.scope is not None:
            slot.scope.cancel()

    async def _run(self) -> None:
        duration = self.planned()
        async with anyio.create_task_group() as tg:
            while not self.stopping:
                t = self.elapsed()
                if t >= duration:
                    break
                want = max(0, self.target(t) + self.offset)
                live = [s for s in self._slots.values() if not s.retire]
                for _ in range(want - len(live)):
                    tg.start_soon(self._loop, _Slot(await self._new_vu()), tg)
                for slot in sorted(live, key=lambda s: -s.vu.id)[: max(0, len(live) - want)]:
                    tg.start_soon(self._retire, slot)
                await self._wait_or_stop(min(TICK, duration - t))
            self.stopping = True
            await self._finish()
            tg.cancel_scope.cancel()


class ConstantVUsRun(_VUTargetExecutor):
    def target(self, t: float) -> int:
        return self.share.vus


class RampingVUsRun(_VUTargetExecutor):
    def target(self, t: float) -> int:
        """The segment's share of the whole run's count at `t`: as k6 steps a segment's VUs, each
        one of its stripe starts when the whole run's count reaches that VU's number."""
        return self.segment.scale(ramping_vus_target(self.config.start_vus, self.config.stages, t))

    def ramp_down_grace(self) -> float:
        return float(self.config.graceful_ramp_down)


class _ArrivalRateRun(ExecutorRun):
    """Open model: iterations start on a schedule; no free VU means a dropped iteration."""

    def stages(self) -> tuple[float, Sequence[Stage]]:
        raise NotImplementedError

    async def _one(self, slot: _Slot, idle: list[_Slot]) -> None:
        await self._iterate(slot)
        idle.append(slot)

    first_at_zero = True
    """k6 starts constant-arrival-rate's first iteration at once, ramping-arrival-rate's when the
    integral of the rate reaches 1."""

    def offsets(self) -> Iterator[float]:
        """When this segment's iterations start: its stripe of the whole run's start times."""
        start_rate, stages = self.stages()
        starts = self.share.starts
        if starts is None:
            return iter(())
        return arrival_offsets(
            start_rate,
            stages,
            float(self.config.time_unit),
            None if starts.is_whole else starts.items(),
            first_at_zero=self.first_at_zero,
        )

    async def _run(self) -> None:
        _, stages = self.stages()
        duration = stages_duration(stages)
        idle: list[_Slot] = []
        clock = self.ctx.clock
        async with anyio.create_task_group() as tg:
            for _ in range(self.share.vus):
                slot = _Slot(await self._new_vu())
                await self._open_vu(slot, tg)
                idle.append(slot)
            async with anyio.create_task_group() as iterations:
                for offset in self.offsets():
                    if await self._wait_or_stop(offset - self.elapsed()):
                        break
                    if idle:
                        slot = idle.pop()
                    elif len(self._slots) < self.share.max_vus:
                        slot = _Slot(await self._new_vu())
                        await self._open_vu(slot, tg)
                    else:
                        tags = (("scenario", self.name),)
                        self.ctx.emit(Sample("dropped_iterations", 1.0, tags, clock.now()))
                        continue
                    iterations.start_soon(self._one, slot, idle)
                await self._wait_or_stop(duration - self.elapsed())
                self.stopping = True
                with anyio.move_on_after(0.0 if self._hard else self.graceful_stop):
                    while len(idle) < len(self._slots):
                        await anyio.sleep(TICK)
                self.interrupt_all()
            for slot in list(self._slots.values()):
                await self._close_vu(slot)
            tg.cancel_scope.cancel()


class ConstantArrivalRateRun(_ArrivalRateRun):
    def stages(self) -> tuple[float, Sequence[Stage]]:
        rate = self.config.rate
        return float(rate), [Stage(duration=self.config.duration, target=rate)]


class RampingArrivalRateRun(_ArrivalRateRun):
    first_at_zero = False

    def stages(self) -> tuple[float, Sequence[Stage]]:
        return float(self.config.start_rate), list(self.config.stages)


class _IterationsRun(ExecutorRun):
    """per-vu-iterations and shared-iterations: a fixed number of iterations within maxDuration."""

    def take(self, slot: _Slot) -> bool:
        raise NotImplementedError

    async def _loop(self, slot: _Slot, tg: TaskGroup) -> None:
        await self._open_vu(slot, tg)
        try:
            while not self.stopping and self.take(slot):
                await self._iterate(slot)
        finally:
            await self._close_vu(slot)

    async def _loops(self, tg: TaskGroup, done: anyio.Event) -> None:
        async with anyio.create_task_group() as loops:
            for _ in range(self.share.vus):
                loops.start_soon(self._loop, _Slot(await self._new_vu()), tg)
        done.set()
        self._stop_event.set()

    async def _run(self) -> None:
        done = anyio.Event()
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._loops, tg, done)
            with anyio.move_on_after(self.planned()):
                await self._stop_event.wait()
            self.stopping = True
            await self._finish()
            await done.wait()
            tg.cancel_scope.cancel()


class PerVUIterationsRun(_IterationsRun):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._taken: dict[int, int] = {}

    def take(self, slot: _Slot) -> bool:
        used = self._taken.get(slot.vu.id, 0)
        if used >= self.share.iterations:
            return False
        self._taken[slot.vu.id] = used + 1
        return True


class SharedIterationsRun(_IterationsRun):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._left = self.share.iterations

    def take(self, slot: _Slot) -> bool:
        if self._left <= 0:
            return False
        self._left -= 1
        return True


_EXECUTORS: dict[type[Any], type[ExecutorRun]] = {
    ConstantVUs: ConstantVUsRun,
    RampingVUs: RampingVUsRun,
    ConstantArrivalRate: ConstantArrivalRateRun,
    RampingArrivalRate: RampingArrivalRateRun,
    PerVUIterations: PerVUIterationsRun,
    SharedIterations: SharedIterationsRun,
}


def make_executor(
    name: str,
    config: Any,
    flow: Sequence[Any],
    ctx: RunContext,
    allocator: VUAllocator,
    segment: ExecutionTuple | None = None,
) -> ExecutorRun:
    """The ExecutorRun for a scenario's executor config, running `segment`'s share (default: all)."""
    return _EXECUTORS[type(config)](name, config, flow, ctx, allocator, segment)
