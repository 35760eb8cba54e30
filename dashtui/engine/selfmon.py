"""The generator watches itself: event-loop lag and its own CPU, which distort latencies when high."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from ..clock import Clock
from ..metrics.digest import TrendDigest

__all__ = ["GeneratorHealth", "SelfMonitor"]

LAG_WARN_MS = 20.0
"""Loop lag at p95 above which measured latencies carry that much scheduling delay."""
CPU_WARN_PERCENT = 90.0
"""One process uses one core; near 100% the loop cannot keep up and latencies include queueing."""


@dataclass(frozen=True, slots=True)
class GeneratorHealth:
    loop_lag_p95_ms: float
    loop_lag_max_ms: float
    loop_lag_now_ms: float
    cpu_percent_avg: float
    cpu_percent_now: float

    @property
    def warning(self) -> str:
        """Why the generator's own figures may be untrustworthy, or an empty string."""
        reasons = []
        if self.loop_lag_p95_ms > LAG_WARN_MS:
            reasons.append(f"event-loop lag p95 {self.loop_lag_p95_ms:.1f} ms > {LAG_WARN_MS:.0f} ms")
        if self.cpu_percent_avg > CPU_WARN_PERCENT:
            reasons.append(f"generator CPU {self.cpu_percent_avg:.0f}% > {CPU_WARN_PERCENT:.0f}%")
        if not reasons:
            return ""
        return "latencies may include the generator's own delay: " + "; ".join(reasons)

    def to_dict(self) -> dict[str, object]:
        return {
            "loop_lag_p95_ms": round(self.loop_lag_p95_ms, 3),
            "loop_lag_max_ms": round(self.loop_lag_max_ms, 3),
            "cpu_percent": round(self.cpu_percent_avg, 1),
            "warning": self.warning,
        }


class SelfMonitor:
    """Samples loop lag every `interval` (how late a sleep wakes) and CPU time per wall time."""

    def __init__(
        self,
        clock: Clock,
        *,
        interval: float = 0.1,
        cpu_time: Callable[[], float] = time.process_time,
    ) -> None:
        self._clock = clock
        self._interval = interval
        self._cpu_time = cpu_time
        self._lag = TrendDigest(exact_limit=2048)
        self._lag_now = 0.0
        self._cpu_now = 0.0
        self._cpu_start = cpu_time()
        self._wall_start = clock.now()
        self._cpu_last = self._cpu_start
        self._wall_last = self._wall_start

    def record(self, lag_ms: float) -> None:
        self._lag_now = lag_ms
        self._lag.add(lag_ms)
        wall = self._clock.now()
        cpu = self._cpu_time()
        if wall - self._wall_last >= 1.0:
            self._cpu_now = 100.0 * (cpu - self._cpu_last) / (wall - self._wall_last)
            self._cpu_last, self._wall_last = cpu, wall

    async def run(self) -> None:
        while True:
            before = self._clock.now()
            await anyio.sleep(self._interval)
            self.record(max(0.0, (self._clock.now() - before - self._interval) * 1000.0))

    def health(self) -> GeneratorHealth:
        wall = self._clock.now() - self._wall_start
        cpu = self._cpu_time() - self._cpu_start
        return GeneratorHealth(
            loop_lag_p95_ms=self._lag.percentile(95),
            loop_lag_max_ms=self._lag.max if self._lag.count else 0.0,
            loop_lag_now_ms=self._lag_now,
            cpu_percent_avg=100.0 * cpu / wall if wall > 0 else 0.0,
            cpu_percent_now=self._cpu_now,
        )
