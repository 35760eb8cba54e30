"""Time series for the sparklines and the latency chart, and the latency histogram, from a snapshot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...metrics.digest import TrendDigest
from ...metrics.snapshot import WindowStats

__all__ = [
    "CHART_MIN_SPAN",
    "Histogram",
    "LatencySeries",
    "SparkSeries",
    "latency_histogram",
    "latency_series",
    "spark_series",
    "whole_counts",
]

CHART_MIN_SPAN = 10.0
"""The latency chart's x axis spans at least this many seconds, from the first second shown."""

SPARK_SECONDS = 300
"""The sparklines show the last five minutes."""


@dataclass(frozen=True, slots=True)
class SparkSeries:
    """One value per closed second for each sparkline, oldest first."""

    rps: tuple[float, ...]
    p95: tuple[float, ...]
    error_rate: tuple[float, ...]
    vus: tuple[float, ...]


def spark_series(windows: Sequence[WindowStats], limit: int = SPARK_SECONDS) -> SparkSeries:
    """The last `limit` seconds of requests/s, p95 (ms), error rate (0–1) and active VUs."""
    recent = windows[-limit:] if limit > 0 else ()
    return SparkSeries(
        rps=tuple(float(w.requests) for w in recent),
        p95=tuple(w.p95 for w in recent),
        error_rate=tuple(w.error_rate for w in recent),
        vus=tuple(w.vus for w in recent),
    )


@dataclass(frozen=True, slots=True)
class LatencySeries:
    """p50/p95/p99 per second, for the seconds that had requests. `seconds` is the x axis."""

    seconds: tuple[float, ...]
    p50: tuple[float, ...]
    p95: tuple[float, ...]
    p99: tuple[float, ...]

    def x_range(self) -> tuple[float, float]:
        """The x axis: seconds into the run, never before 0 and never narrower than `CHART_MIN_SPAN`."""
        if not self.seconds:
            return (0.0, CHART_MIN_SPAN)
        first = max(0.0, self.seconds[0])
        return (first, max(self.seconds[-1], first + CHART_MIN_SPAN))


def latency_series(windows: Sequence[WindowStats], limit: int = SPARK_SECONDS) -> LatencySeries:
    """The latency percentiles of the last `limit` seconds; seconds without requests are left out."""
    recent = [w for w in windows[-limit:] if w.requests] if limit > 0 else []
    return LatencySeries(
        seconds=tuple(float(w.index) for w in recent),
        p50=tuple(w.p50 for w in recent),
        p95=tuple(w.p95 for w in recent),
        p99=tuple(w.p99 for w in recent),
    )


@dataclass(frozen=True, slots=True)
class Histogram:
    """Bins of equal width over [low, high]; `counts[i]` is the (estimated) number of samples in bin i."""

    low: float
    high: float
    counts: tuple[int, ...]
    """Whole samples per bin; they add up to the digest's count."""

    @property
    def width(self) -> float:
        return (self.high - self.low) / len(self.counts) if self.counts else 0.0

    def centres(self) -> tuple[float, ...]:
        return tuple(self.low + (i + 0.5) * self.width for i in range(len(self.counts)))


def latency_histogram(digest: TrendDigest, *, bins: int = 20, quantiles: int = 100) -> Histogram:
    """The distribution of a Trend, estimated from `quantiles` evenly spaced percentiles.

    `TrendDigest` answers percentiles, not bucket counts; each of the `quantiles` points stands for
    `count / quantiles` samples, which is exact enough for a terminal-sized chart and costs the same
    for an exact digest and a bucketed one. The range stops at p(99.5) so a lone outlier does not
    squash every other bin into one column.
    """
    if digest.count == 0 or bins <= 0:
        return Histogram(0.0, 0.0, ())
    low = digest.min
    high = max(digest.percentile(99.5), low)
    if high <= low:
        return Histogram(low, low, (digest.count,) + (0,) * (bins - 1))
    width = (high - low) / bins
    weight = digest.count / quantiles
    shares = [0.0] * bins
    for k in range(quantiles):
        value = digest.percentile(100.0 * (k + 0.5) / quantiles)
        index = min(bins - 1, max(0, int((value - low) / width)))
        shares[index] += weight
    return Histogram(low, high, whole_counts(shares, digest.count))


def whole_counts(shares: Sequence[float], total: int) -> tuple[int, ...]:
    """Estimated shares as whole samples that add up to `total` (largest remainders get the leftovers)."""
    floors = [int(share) for share in shares]
    left = total - sum(floors)
    by_remainder = sorted(range(len(shares)), key=lambda i: (floors[i] - shares[i], i))
    for i in by_remainder[: max(0, left)]:
        floors[i] += 1
    return tuple(floors)
