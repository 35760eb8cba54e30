"""The generator watches itself: how much of the time its event loop runs late, and its own CPU.

A timer that wakes `L` seconds late means the loop was busy for those `L` seconds: every response that
arrived meanwhile waited too, and that wait is inside its measured latency. So lateness is weighed by time,
not counted per sample: a 1 s stall in a 10 s run is 10% of the time late by up to 1 s, whatever the
sampling interval.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import anyio

from ..clock import Clock
from ..metrics.digest import TrendDigest

__all__ = [
    "ADVICE",
    "CLEAR_CPU_SHARE",
    "CLEAR_LATE_SHARE",
    "MIN_SPAN_S",
    "OVERLOAD_CPU_SHARE",
    "OVERLOAD_LATE_MS",
    "OVERLOAD_LATE_SHARE",
    "WINDOW_S",
    "GeneratorHealth",
    "LoadFigures",
    "LoadWindow",
    "STARVED_CPU_SHARE",
    "SelfMonitor",
    "is_overloaded",
]

WINDOW_S = 10.0
"""The live figures cover the last 10 s: long enough that one slow tick does not flip the verdict, short
enough that a console shows an overload while it lasts."""
OVERLOAD_LATE_SHARE = 0.05
"""Overloaded when the loop ran late more than 5% of the window (with OVERLOAD_LATE_MS): one request in twenty
then lands in a stall, which is exactly what moves a p95."""
OVERLOAD_LATE_MS = 10.0
"""…and the stalls it ran late in average more than 10 ms: below that the added delay hides in a network's own
jitter, above it a p95 threshold of a fast endpoint starts to measure the generator."""
OVERLOAD_CPU_SHARE = 0.90
"""Or when the process used more than 90% of a core over the window: one process runs on one core, so near
100% every callback queues behind the others even before timers show it."""
CLEAR_LATE_SHARE = 0.025
"""An overload clears only below half the late-share limit (hysteresis: a figure hovering at the limit does
not flip the verdict back and forth)."""
CLEAR_CPU_SHARE = 0.80
"""…and below 80% CPU, for the same reason."""
MIN_SPAN_S = 1.0
"""No verdict before the window covers 1 s: a CPU share over the first tick is noise."""
ADVICE = "latencies include the generator's own delay; run fewer VUs per process"
STARVED_CPU_SHARE = 0.5
"""Late while using under half a core: the loop waited for something other than its own work."""


def _starved_hint(cpu_share: float) -> str:
    if cpu_share >= STARVED_CPU_SHARE:
        return ""
    return (
        f" (its own CPU was only {cpu_share * 100:.0f}%: other processes on this machine, "
        "or a step that blocks the loop, may be delaying it)"
    )


@dataclass(frozen=True, slots=True)
class LoadFigures:
    """How the generator fared over `span_s` seconds of wall time."""

    span_s: float = 0.0
    late_share: float = 0.0
    """Share of the window's length (of the run, for whole-run figures) the event loop ran late (0–1)."""
    late_mean_ms: float = 0.0
    """How late, on average over the late time: the time-weighted mean size of the stalls it was in."""
    late_max_ms: float = 0.0
    """The longest stall in the span."""
    cpu_share: float = 0.0
    """CPU seconds per wall second (1.0 is one whole core)."""

    def describe(self, what: str) -> str:
        """`loop late 23% of the last 10 s by 140 ms (max 1.2 s) · CPU 97%`, with `what` naming the span."""
        late = f"loop late {self.late_share * 100:.1f}% of {what}"
        if self.late_share > 0:
            late += f" by {_ms(self.late_mean_ms)}"
            if _ms(self.late_max_ms) != _ms(self.late_mean_ms):
                late += f" (max {_ms(self.late_max_ms)})"
        return f"{late} · CPU {self.cpu_share * 100:.0f}%"


def _ms(ms: float) -> str:
    return f"{ms / 1000.0:.1f} s" if ms >= 1000.0 else f"{ms:.0f} ms"


def is_overloaded(figures: LoadFigures, *, was: bool = False) -> bool:
    """The verdict on one window: entering takes the OVERLOAD limits, leaving takes the CLEAR ones."""
    if figures.span_s < MIN_SPAN_S:
        return was
    late = figures.late_mean_ms > OVERLOAD_LATE_MS
    if was:
        return (late and figures.late_share >= CLEAR_LATE_SHARE) or figures.cpu_share >= CLEAR_CPU_SHARE
    return (late and figures.late_share > OVERLOAD_LATE_SHARE) or figures.cpu_share > OVERLOAD_CPU_SHARE


class LoadWindow:
    """Time-weighted lateness and CPU share over a sliding window and over the whole run; arithmetic only.

    Fed `(wall, lateness)` pairs, each meaning the loop was late during `[wall - lateness, wall]` (one sleep
    after another, so these spans do not overlap), and `(wall, cpu)` pairs of a cumulative CPU timer. Times
    must not go backwards, queries included. Each call costs O(1) amortised: running sums over the window,
    and a deque of decreasing lateness for its maximum.
    """

    def __init__(self, start_wall: float, start_cpu: float, *, window_s: float = WINDOW_S) -> None:
        if window_s <= 0:
            raise ValueError(f"the load window must be positive, found {window_s}")
        self.window_s = window_s
        self._start = start_wall
        self._late: deque[tuple[float, float]] = deque()
        self._late_in_window = 0.0
        self._weighted_in_window = 0.0
        self._peaks: deque[tuple[float, float]] = deque()
        self._cpu: deque[tuple[float, float]] = deque([(start_wall, start_cpu)])
        self._first_cpu = (start_wall, start_cpu)
        self._late_sum = 0.0
        self._late_weighted = 0.0
        self._late_max = 0.0

    def add_lateness(self, wall: float, lateness: float) -> None:
        lateness = min(max(0.0, lateness), wall - self._start)
        if lateness > 0:
            self._late.append((wall, lateness))
            self._late_in_window += lateness
            self._weighted_in_window += lateness * lateness
            while self._peaks and self._peaks[-1][1] <= lateness:
                self._peaks.pop()
            self._peaks.append((wall, lateness))
            self._late_sum += lateness
            self._late_weighted += lateness * lateness
            self._late_max = max(self._late_max, lateness)
        self._forget(wall - self.window_s)

    def _forget(self, horizon: float) -> None:
        """Drops the lateness that ended at or before `horizon`."""
        while self._late and self._late[0][0] <= horizon:
            _, lateness = self._late.popleft()
            self._late_in_window -= lateness
            self._weighted_in_window -= lateness * lateness
        if not self._late:
            self._late_in_window = self._weighted_in_window = 0.0
        while self._peaks and self._peaks[0][0] <= horizon:
            self._peaks.popleft()

    def add_cpu(self, wall: float, cpu: float) -> None:
        self._cpu.append((wall, cpu))
        horizon = wall - self.window_s
        while len(self._cpu) > 2 and self._cpu[1][0] <= horizon:
            self._cpu.popleft()

    def window(self, now: float) -> LoadFigures:
        """The figures for `[now - window_s, now]`.

        A run younger than the window counts the time before its start as on time, so a start-up hiccup of
        100 ms is 1% of the window, not 10% of a first second; `span_s` is the time covered, and the CPU share
        is over that time.
        """
        low = max(self._start, now - self.window_s)
        self._forget(now - self.window_s)
        late, weighted = self._late_in_window, self._weighted_in_window
        for end, lateness in self._late:
            if end - lateness >= low:
                break
            cut = low - (end - lateness)
            late -= cut
            weighted -= cut * lateness
        late = max(0.0, late)
        return LoadFigures(
            span_s=now - low,
            late_share=late / self.window_s,
            late_mean_ms=1000.0 * weighted / late if late > 0 else 0.0,
            late_max_ms=1000.0 * self._peaks[0][1] if self._peaks else 0.0,
            cpu_share=self._cpu_share_since(low),
        )

    def whole_run(self, now: float) -> LoadFigures:
        span = now - self._start
        last_wall, last_cpu = self._cpu[-1]
        first_wall, first_cpu = self._first_cpu
        return LoadFigures(
            span_s=span,
            late_share=self._late_sum / span if span > 0 else 0.0,
            late_mean_ms=1000.0 * self._late_weighted / self._late_sum if self._late_sum > 0 else 0.0,
            late_max_ms=1000.0 * self._late_max,
            cpu_share=(last_cpu - first_cpu) / (last_wall - first_wall) if last_wall > first_wall else 0.0,
        )

    def _cpu_share_since(self, low: float) -> float:
        """CPU seconds per wall second from `low` to the last reading; the CPU at `low` is interpolated."""
        last_wall, last_cpu = self._cpu[-1]
        from_wall, from_cpu = self._cpu[0]
        if last_wall <= max(low, from_wall):
            return 0.0
        for wall, cpu in self._cpu:
            if wall > low:
                if from_wall < low:
                    from_cpu += (cpu - from_cpu) * (low - from_wall) / (wall - from_wall)
                    from_wall = low
                break
            from_wall, from_cpu = wall, cpu
        return (last_cpu - from_cpu) / (last_wall - from_wall)


@dataclass(frozen=True, slots=True)
class GeneratorHealth:
    """The generator's own health: what the console header, headless warnings and the reports read."""

    loop_lag_p95_ms: float
    """p95 of the sampled sleep lateness (one sample per interval: hides stalls; see `whole_run`)."""
    loop_lag_max_ms: float
    loop_lag_now_ms: float
    cpu_percent_avg: float
    cpu_percent_now: float
    window: LoadFigures = field(default_factory=LoadFigures)
    """The last WINDOW_S seconds, as of the latest sample."""
    whole_run: LoadFigures = field(default_factory=LoadFigures)
    overloaded: bool = False
    """Overloaded now, by `window` (with hysteresis)."""
    was_overloaded: bool = False
    """Overloaded at any point of the run so far."""
    overloaded_s: float = 0.0
    """Seconds of the run spent overloaded."""
    window_s: float = WINDOW_S
    peak: LoadFigures = field(default_factory=LoadFigures)
    """The worst window seen: the highest late share, and separately the highest CPU share."""
    queueing: dict[str, float] | None = None
    """How long responses waited between the socket and their VU (engine/queueing.py), when measured."""

    @property
    def reason(self) -> str:
        """Why the generator is overloaded now (the window's figures), or an empty string."""
        if not self.overloaded:
            return ""
        return self.window.describe(f"the last {self.window_s:g} s")

    @property
    def warning(self) -> str:
        """The live warning: the generator is overloaded now and why, or an empty string."""
        if not self.overloaded:
            return ""
        return f"generator overloaded ({self.reason}): {self.advice}"

    @property
    def advice(self) -> str:
        """What the live figures mean and what to do about them."""
        return ADVICE + _starved_hint(self.window.cpu_share)

    @property
    def run_warning(self) -> str:
        """The whole run's warning for the reports: overloaded at any point, for how long, how badly."""
        if not self.was_overloaded:
            return ""
        peak = self.peak
        worst = f"loop late {peak.late_share * 100:.1f}%"
        if peak.late_share > 0:
            worst += f" by {_ms(peak.late_mean_ms)}"
        return (
            f"latencies include the generator's own delay: it was overloaded for {self.overloaded_s:.1f} s "
            f"of the run (worst {self.window_s:g} s: {worst}; CPU at most {peak.cpu_share * 100:.0f}%); "
            f"run fewer VUs per process{_starved_hint(peak.cpu_share)}"
        )

    def to_dict(self) -> dict[str, object]:
        """The end-of-run figures for the JSON's generator section; `warning` is the whole run's."""
        return {
            "loop_lag_p95_ms": round(self.loop_lag_p95_ms, 3),
            "loop_lag_max_ms": round(self.loop_lag_max_ms, 3),
            "cpu_percent": round(self.cpu_percent_avg, 1),
            "warning": self.run_warning,
            "overloaded": self.was_overloaded,
            "overloaded_s": round(self.overloaded_s, 3),
            "late_percent": round(self.whole_run.late_share * 100, 3),
            "late_mean_ms": round(self.whole_run.late_mean_ms, 3),
            "window_s": self.window_s,
            "late_percent_peak": round(self.peak.late_share * 100, 3),
            "cpu_percent_peak": round(self.peak.cpu_share * 100, 1),
            **({"queueing": dict(self.queueing)} if self.queueing is not None else {}),
        }


class SelfMonitor:
    """Samples how late a sleep of `interval` wakes, and the CPU timer, into a `LoadWindow` and a verdict."""

    def __init__(
        self,
        clock: Clock,
        *,
        interval: float = 0.1,
        window_s: float = WINDOW_S,
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
        self._load = LoadWindow(self._wall_start, self._cpu_start, window_s=window_s)
        self._window = LoadFigures()
        self._overloaded = False
        self._was_overloaded = False
        self._overloaded_s = 0.0
        self._judged_at = self._wall_start
        self._peak_late = LoadFigures()
        self._peak_cpu = 0.0

    def record(self, lag_ms: float) -> None:
        """One sample: the last sleep woke `lag_ms` late, just now."""
        self._lag_now = lag_ms
        self._lag.add(lag_ms)
        wall = self._clock.now()
        cpu = self._cpu_time()
        if wall - self._wall_last >= 1.0:
            self._cpu_now = 100.0 * (cpu - self._cpu_last) / (wall - self._wall_last)
            self._cpu_last, self._wall_last = cpu, wall
        self._load.add_lateness(wall, lag_ms / 1000.0)
        self._load.add_cpu(wall, cpu)
        self._judge(wall)

    def _judge(self, now: float) -> None:
        window = self._load.window(now)
        was = self._overloaded
        self._overloaded = is_overloaded(window, was=was)
        if was or self._overloaded:
            self._overloaded_s += now - self._judged_at
        self._judged_at = now
        self._window = window
        self._was_overloaded |= self._overloaded
        if window.span_s >= MIN_SPAN_S:
            if window.late_share > self._peak_late.late_share:
                self._peak_late = window
            self._peak_cpu = max(self._peak_cpu, window.cpu_share)

    async def run(self) -> None:
        while True:
            before = self._clock.now()
            await anyio.sleep(self._interval)
            self.record(max(0.0, (self._clock.now() - before - self._interval) * 1000.0))

    def health(self) -> GeneratorHealth:
        now = self._clock.now()
        wall = now - self._wall_start
        cpu = self._cpu_time() - self._cpu_start
        return GeneratorHealth(
            loop_lag_p95_ms=self._lag.percentile(95),
            loop_lag_max_ms=self._lag.max if self._lag.count else 0.0,
            loop_lag_now_ms=self._lag_now,
            cpu_percent_avg=100.0 * cpu / wall if wall > 0 else 0.0,
            cpu_percent_now=self._cpu_now,
            window=self._window,
            whole_run=self._load.whole_run(self._judged_at),
            overloaded=self._overloaded,
            was_overloaded=self._was_overloaded,
            overloaded_s=self._overloaded_s,
            window_s=self._load.window_s,
            peak=replace(self._peak_late, cpu_share=self._peak_cpu),
        )
