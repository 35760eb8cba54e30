"""A worker in the coordinator's own process: the N = 1 case, and every in-process test."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .protocol import Progress
from .worker import Delta, Worker, WorkerReady

__all__ = ["InProcessWorker"]


class InProcessWorker:
    """Drives a `Worker` by direct calls on the coordinator's event loop; it cannot be lost."""

    def __init__(self, worker: Worker, *, segment: str = "0:1") -> None:
        self.worker = worker
        self.name = worker.name
        self.segment = segment
        self.plan = worker.ready()
        self._last_contact = worker.clock.now()

    async def prepare(self) -> WorkerReady:
        return self.plan

    async def run(self, epoch_wall: float, emit: Callable[[Delta], None]) -> None:
        clock = self.worker.clock
        epoch = clock.now() + (epoch_wall - clock.wall())

        def forward(delta: Delta) -> None:
            self._last_contact = clock.now()
            emit(delta)

        await self.worker.run(epoch, forward)

    def collect_now(self) -> Delta:
        """Everything measured since the last delta, taken at once (the loop may be held by a step)."""
        return self.worker.collect(final=True)

    def progress(self) -> Progress | None:
        return self.worker.progress()

    def last_contact(self) -> float:
        return self._last_contact

    def clock_offset(self) -> float:
        return 0.0

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()

    def add_vus(self, delta: int) -> int:
        return self.worker.add_vus(delta)

    def fold(self, keys: Iterable[str]) -> None:
        self.worker.fold(keys)

    def stop(self, *, graceful: bool = True) -> None:
        self.worker.stop(graceful=graceful)

    async def close(self) -> None:
        return None
