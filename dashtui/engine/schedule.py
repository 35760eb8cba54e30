"""Pure schedule arithmetic for k6's executors: VU targets over time and arrival-rate start times."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Protocol

__all__ = ["StageLike", "arrival_offsets", "ramping_vus_target", "stages_duration"]


class StageLike(Protocol):
    @property
    def duration(self) -> float: ...

    @property
    def target(self) -> int: ...


def stages_duration(stages: Sequence[StageLike]) -> float:
    return sum(stage.duration for stage in stages)


def ramping_vus_target(start_vus: int, stages: Sequence[StageLike], t: float) -> int:
    """VUs a ramping-vus executor runs at `t` seconds, as k6 steps them.

    Within a stage going from `a` to `b` over `D` seconds, k6 changes the count one VU at a time at
    `i·D/|b−a|` (i = 1…|b−a|), so the count is `a + sign·floor(|b−a|·t/D)` (k6 ramping_vus.go).
    """
    current = start_vus
    elapsed = 0.0
    for stage in stages:
        if t < elapsed + stage.duration:
            diff = stage.target - current
            if diff == 0 or stage.duration <= 0:
                return current
            steps = math.floor(abs(diff) * (t - elapsed) / stage.duration + 1e-9)
            return current + (steps if diff > 0 else -steps)
        current = stage.target
        elapsed += stage.duration
    return current


def arrival_offsets(
    start_rate: float,
    stages: Sequence[StageLike],
    time_unit: float,
    items: Iterator[int] | None = None,
    *,
    first_at_zero: bool = True,
) -> Iterator[float]:
    """Seconds from the executor's start at which iterations begin, for a piecewise-linear rate.

    The rate (iterations per `time_unit`) moves linearly across each stage. With `first_at_zero`
    (k6's constant-arrival-rate: iteration k at k·period), iteration k = 0, 1, 2… starts when the
    integral of the rate reaches k, before the end. Without it (k6's ramping-arrival-rate `cal`),
    iteration k starts when the integral reaches k + 1, the end included.
    `items`, increasing, picks which k to yield (an execution segment's stripe, as k6's `cal` walks
    its striped offsets); the offset of each k is the one the whole run gives it.
    """
    origin = 0 if first_at_zero else 1
    slack = -1e-9 if first_at_zero else 1e-9
    numbers = items if items is not None else itertools.count()
    per_second = 1.0 / time_unit
    base_time = 0.0
    base_count = 0.0
    current = start_rate * per_second
    k = next(numbers, -1)
    for stage in stages:
        duration = stage.duration
        target = stage.target * per_second
        slope = (target - current) / duration if duration > 0 else 0.0
        stage_count = (current + target) / 2.0 * duration
        while k >= 0 and k + origin < base_count + stage_count + slack:
            need = k + origin - base_count
            if abs(slope) < 1e-12:
                offset = need / current if current > 0 else duration
            else:
                a, b = slope / 2.0, current
                disc = max(0.0, b * b + 4.0 * a * need)
                offset = (-b + math.sqrt(disc)) / (2.0 * a)
            if offset > duration:
                break
            yield base_time + max(0.0, offset)
            k = next(numbers, -1)
        base_time += duration
        base_count += stage_count
        current = target
