"""What every out-of-process worker handle shares: the wire handshake, the delta loop, the controls.

A local process (pipes) and a Dask actor (send/poll calls) differ only in how one wire message goes out
(`_post`) and how the next one comes in (`_next`); everything else a coordinator asks of them is here once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from ..clock import Clock, SystemClock
from ..report.streams import worker_path
from .coordinator import WorkerLost
from .protocol import Progress
from .wire import WireError, decode_delta
from .worker import Delta, WorkerReady

__all__ = ["PINGS", "SILENCE_TIMEOUT", "RemoteWorker", "measure_offset", "worker_specs"]

PINGS = 5
SILENCE_TIMEOUT = 10.0
"""Seconds without a message (deltas come every second) before a worker counts as lost."""


def measure_offset(samples: list[tuple[float, float, float]]) -> float:
    """The worker's wall clock minus ours, from (sent, worker wall, received) pings: the round trip
    with the least delay, assuming the reply left halfway through it (NTP's estimate)."""
    sent, remote, received = min(samples, key=lambda s: s[2] - s[0])
    return remote - (sent + received) / 2.0


def worker_specs(
    spec: Mapping[str, Any],
    *,
    env: Mapping[str, str],
    track: tuple[str, ...],
    segments: list[tuple[str, str]],
) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, segment, spec) for each worker: the coordinator's spec with that worker's segment, the
    variables it may see, the submetrics to track, a seed of its own (the run's seed + its index) and its
    own file for each per-sample output (`samples.json` → `samples.w1.json`)."""
    seed = spec.get("seed")
    specs = []
    for i, (segment, sequence) in enumerate(segments):
        name = f"w{i + 1}"
        streams = [[kind, str(worker_path(Path(path), name))] for kind, path in spec.get("streams") or ()]
        specs.append(
            (
                name,
                segment,
                {
                    **spec,
                    "env": dict(env),
                    "track": list(track),
                    "segment": segment,
                    "sequence": sequence,
                    "seed": None if seed is None else int(seed) + i,
                    "streams": streams,
                },
            )
        )
    return specs


class RemoteWorker:
    """A coordinator's handle on a worker it reaches by wire messages; every wait on it is bounded."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        *,
        name: str,
        segment: str,
        plan: WorkerReady,
        clock: Clock | None = None,
        silence_timeout: float = SILENCE_TIMEOUT,
    ) -> None:
        self.spec = dict(spec)
        self.name = name
        self.segment = segment
        self.plan = plan
        self.clock = clock or SystemClock()
        self.silence_timeout = silence_timeout
        self._progress: Progress | None = None
        self._last_contact = self.clock.now()
        self._offset = 0.0

    async def _post(self, message: Mapping[str, Any]) -> None:
        """Send one message now (or as soon as the transport allows)."""
        raise NotImplementedError

    def _queue(self, message: Mapping[str, Any]) -> None:
        """Send one control message without waiting (controls come from synchronous callers)."""
        raise NotImplementedError

    async def _next(self, timeout: float) -> dict[str, Any]:
        """The worker's next message; WorkerLost after `timeout` seconds of silence or on an error."""
        raise NotImplementedError

    async def _handshake(self) -> WorkerReady:
        """Setup, the worker's plan, and its clock offset from a few pings."""
        await self._post({"type": "setup", "spec": {**self.spec, "name": self.name}})
        ready = await self._next(self.silence_timeout * 6)
        if ready.get("type") != "ready":
            raise WorkerLost(f"expected ready, found {ready.get('type')!r}")
        samples = []
        for _ in range(PINGS):
            sent = time.time()
            await self._post({"type": "ping", "t": sent})
            pong = await self._next(self.silence_timeout)
            samples.append((sent, float(pong["wall"]), time.time()))
        self._offset = measure_offset(samples)
        self.plan = WorkerReady(
            planned=float(ready["planned"]), vus_max=int(ready["vus_max"]), clock_offset=self._offset
        )
        return self.plan

    async def _receive(self, emit: Callable[[Delta], None]) -> None:
        """Pass on the worker's deltas until its final one."""
        while True:
            message = await self._next(self.silence_timeout)
            if message.get("type") != "delta":
                continue
            try:
                delta = decode_delta(message)
            except WireError as exc:
                raise WorkerLost(str(exc)) from None
            self._progress = delta.progress
            emit(delta)
            if delta.final:
                return

    def progress(self) -> Progress | None:
        return self._progress

    def last_contact(self) -> float:
        return self._last_contact

    def clock_offset(self) -> float:
        return self._offset

    def pause(self) -> None:
        self._queue({"type": "pause"})

    def resume(self) -> None:
        self._queue({"type": "resume"})

    def add_vus(self, delta: int) -> int:
        self._queue({"type": "add_vus", "delta": delta})
        current = self._progress.vus if self._progress is not None else 0
        return max(0, current + delta)

    def fold(self, keys: Iterable[str]) -> None:
        self._queue({"type": "fold", "keys": list(keys)})

    def stop(self, *, graceful: bool = True) -> None:
        self._queue({"type": "stop", "graceful": graceful})
