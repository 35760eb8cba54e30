"""A worker: one engine and its aggregator for one execution segment; snapshot deltas once a second."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

import anyio

from ..clock import Clock
from ..engine.context import RealtimeHook, TransportFactory
from ..engine.prepare import AuthError
from ..engine.runner import Engine
from ..metrics.aggregator import Aggregator, SampleSink
from ..metrics.builtin import Registry
from ..metrics.snapshot import FailureRecord, Snapshot
from ..metrics.types import Metric, MetricType, RequestRecord, Sample, Tags, ValueType
from ..scenario.segments import ExecutionTuple
from .protocol import Progress

__all__ = ["ConfigError", "Delta", "TrendFolding", "Worker", "WorkerReady", "registry_for"]

DELTA_INTERVAL = 1.0
"""Seconds between deltas; each is sent just after a whole second of the shared epoch."""
_TICK_MARGIN = 0.02


class ConfigError(ValueError):
    """The scenario cannot run as configured (a missing key, thresholds k6 would reject): exit 104."""


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


@dataclass(frozen=True, slots=True)
class WorkerReady:
    """What a worker reports once its engine is built, before the start barrier."""

    planned: float
    vus_max: int
    clock_offset: float = 0.0
    """The worker's wall clock minus the coordinator's, in seconds (0 in the coordinator's own process)."""


@dataclass(frozen=True, slots=True)
class Delta:
    """What one worker measured since its previous delta, with its progress and health at the end of it."""

    worker: str
    seq: int
    elapsed: float
    """Seconds since the shared epoch at the end of this delta."""
    snapshot: Snapshot
    """The measurements of this delta only; windows are indexed by whole seconds since the epoch."""
    progress: Progress
    health: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    final: bool = False


class TrendFolding:
    """Sends a Trend's delta as buckets once the merged digest has folded into buckets.

    Trends are named as `Snapshot.digests` names them. The coordinator says which have folded (`announce`);
    a worker also knows by itself once its own deltas of a Trend carried more samples than the digest keeps
    exactly, since the merged digest holds at least as many. Merging buckets costs the coordinator a few
    hundred additions; bucketing exact samples costs it a logarithm each, for every worker's samples. Each
    worker buckets its own instead, so the coordinator's CPU stops growing with the request rate, and no
    figure changes: the buckets are the same.
    """

    def __init__(self) -> None:
        self._carried: dict[str, int] = {}
        self._announced: set[str] = set()

    def announce(self, keys: Iterable[str]) -> None:
        """These Trends' merged digests have folded: send their deltas as buckets from now on."""
        self._announced.update(keys)

    def apply(self, delta: Snapshot) -> None:
        """Fold, in place, the digests of `delta` (this worker's own, not handed on yet) due as buckets."""
        for key, digest in delta.digests():
            carried = self._carried.get(key, 0) + digest.count
            self._carried[key] = carried
            if key in self._announced or carried > digest.exact_limit:
                digest.fold()


class _WindowClock:
    """The worker's clock for one delta's aggregator: pinned while the aggregator is built or closed."""

    def __init__(self, inner: Clock, pinned: float | None = None) -> None:
        self._inner = inner
        self._pinned = pinned

    def pin(self, value: float | None) -> None:
        self._pinned = value

    def now(self) -> float:
        return self._inner.now() if self._pinned is None else self._pinned

    def wall(self) -> float:
        return self._inner.wall()

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class _DeltaSink(SampleSink):
    """The engine's sink: forwards to the current delta's aggregator, which `swap` replaces."""

    def __init__(self, make: Callable[[], tuple[Aggregator, _WindowClock, int]]) -> None:
        self._make = make
        self.current, self.clock, self.first_window = make()

    def add(self, sample: Sample) -> None:
        self.current.add(sample)

    def add_request(self, record: RequestRecord) -> None:
        self.current.add_request(record)

    def add_check(self, tags: Tags, name: str, ok: bool, time: float) -> None:
        self.current.add_check(tags, name, ok, time)

    def add_failure(self, record: FailureRecord) -> None:
        self.current.add_failure(record)

    def swap(self) -> tuple[Aggregator, _WindowClock, int]:
        old = (self.current, self.clock, self.first_window)
        self.current, self.clock, self.first_window = self._make()
        return old


class Worker:
    """Engine + aggregator for one execution segment; the coordinator drives it, in process or remotely."""

    def __init__(
        self,
        scenario: Any,
        *,
        name: str = "w1",
        env: Mapping[str, str],
        clock: Clock,
        track: Iterable[str] = (),
        transport_factory: TransportFactory | None = None,
        realtime: RealtimeHook | None = None,
        seed: int | None = None,
        segment: ExecutionTuple | None = None,
        http1: bool = False,
        wrap_sink: Callable[[SampleSink], SampleSink] | None = None,
    ) -> None:
        """`wrap_sink`: what the engine writes into instead, given the worker's own sink (per-sample outputs
        tee there); its `close()`, if it has one, is called when the run ends."""
        self.name = name
        self.clock = clock
        self.registry = registry_for(scenario)
        self._track = tuple(track)
        self._epoch = clock.now()
        self._seq = 0
        self._stopped_early = False
        self._sink = _DeltaSink(self._new_aggregator)
        self._folding = TrendFolding()
        self._engine_sink = wrap_sink(self._sink) if wrap_sink is not None else self._sink
        try:
            self.engine = Engine(
                scenario,
                sink=self._engine_sink,
                clock=clock,
                env=env,
                transport_factory=transport_factory,
                realtime=realtime,
                seed=seed,
                segment=segment,
                http1=http1,
                secrets=tuple(getattr(scenario, "secrets", ())),
            )
        except AuthError as exc:
            raise ConfigError(str(exc)) from None

    def _new_aggregator(self) -> tuple[Aggregator, _WindowClock, int]:
        """A fresh aggregator whose 1 s windows line up with whole seconds since the epoch."""
        first = max(0, int((self.clock.now() - self._epoch) // 1.0))
        clock = _WindowClock(self.clock, pinned=self._epoch + first)
        aggregator = Aggregator(self.registry, clock=clock, track=self._track)
        clock.pin(None)
        return aggregator, clock, first

    def ready(self) -> WorkerReady:
        return WorkerReady(planned=self.engine.planned, vus_max=self.progress().vus_max)

    def progress(self) -> Progress:
        return self.engine.progress()

    def pause(self) -> None:
        self.engine.pause()

    def resume(self) -> None:
        self.engine.resume()

    def add_vus(self, delta: int) -> int:
        return self.engine.add_vus(delta)

    def fold(self, keys: Iterable[str]) -> None:
        """The coordinator's merged digests of these Trends have folded (`TrendFolding`)."""
        self._folding.announce(keys)

    def stop(self, *, graceful: bool = True) -> None:
        self._stopped_early = True
        self.engine.resume()
        self.engine.stop(graceful=graceful)

    def collect(self, *, final: bool = False) -> Delta:
        """Everything measured since the previous call, as a delta; the engine keeps writing meanwhile."""
        aggregator, clock, first = self._sink.swap()
        now = self.clock.now()
        elapsed = max(0.0, now - self._epoch)
        clock.pin(now + 1.0)
        snapshot = aggregator.snapshot()
        windows = tuple(replace(w, index=w.index + first) for w in snapshot.windows)
        snapshot = replace(snapshot, elapsed=elapsed, windows=windows)
        self._folding.apply(snapshot)
        self._seq += 1
        return Delta(
            worker=self.name,
            seq=self._seq,
            elapsed=elapsed,
            snapshot=snapshot,
            progress=self.progress(),
            health=MappingProxyType(self.engine.health().to_dict()),
            final=final,
        )

    async def run(self, epoch: float, emit: Callable[[Delta], None]) -> None:
        """Start at `epoch` (this worker's clock), emit a delta each second and a final one at the end."""
        self._epoch = epoch
        self._sink.swap()
        await self.clock.sleep(epoch - self.clock.now())
        self._sink.swap()
        if self._stopped_early:
            emit(self.collect(final=True))
            return
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._tick, emit)
            await self.engine.run()
            tg.cancel_scope.cancel()
        self.close_sink()
        emit(self.collect(final=True))

    def close_sink(self) -> None:
        """Close what `wrap_sink` built (flush the per-sample streams); idempotent."""
        close = getattr(self._engine_sink, "close", None)
        if callable(close):
            close()

    async def _tick(self, emit: Callable[[Delta], None]) -> None:
        while True:
            elapsed = self.clock.now() - self._epoch
            await self.clock.sleep((elapsed // DELTA_INTERVAL + 1) * DELTA_INTERVAL + _TICK_MARGIN - elapsed)
            emit(self.collect())
