"""The whole run's time series, downsampled to a bounded number of points, for the HTML report.

The live windows keep only the last 15 minutes at 1 s. Here every closed 1 s window is folded in; when the
series is full, neighbouring points are merged pairwise and the point width doubles, so memory is bounded
(`limit` points) and a run of any length is covered from its first second to its last.
"""

from __future__ import annotations

from dataclasses import dataclass

from .snapshot import WindowStats

__all__ = ["SERIES_LIMIT", "RunSeries", "SeriesPoint"]

SERIES_LIMIT = 1800
"""Points kept: 30 minutes at 1 s; a longer run is shown at 2 s, 4 s, … per point."""


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """`width` seconds of the run from second `start`: counts summed, latencies the worst window's."""

    start: int
    width: int
    requests: int
    failed: int
    p50: float
    p95: float
    p99: float
    vus: float
    iterations: int

    @property
    def rate(self) -> float:
        """Requests per second over the point's width."""
        return self.requests / self.width if self.width else 0.0

    @property
    def error_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0

    def merge(self, later: SeriesPoint) -> SeriesPoint:
        """This point and the next as one; percentiles cannot be merged exactly, so the larger is kept."""
        return SeriesPoint(
            start=self.start,
            width=self.width + later.width,
            requests=self.requests + later.requests,
            failed=self.failed + later.failed,
            p50=max(self.p50, later.p50),
            p95=max(self.p95, later.p95),
            p99=max(self.p99, later.p99),
            vus=max(self.vus, later.vus),
            iterations=self.iterations + later.iterations,
        )


class RunSeries:
    """Closed 1 s windows, folded into at most `limit` points of equal width."""

    def __init__(self, limit: int = SERIES_LIMIT) -> None:
        if limit < 2:
            raise ValueError(f"RunSeries limit {limit}: expected at least 2 points")
        self.limit = limit
        self.width = 1
        self._points: list[SeriesPoint] = []
        self._pending: SeriesPoint | None = None
        self._next = 0

    def add(self, window: WindowStats) -> None:
        """Fold the next closed second in; seconds skipped since the previous one count as empty."""
        if window.index < self._next:
            return
        while self._next < window.index:
            self._add(SeriesPoint(self._next, 1, 0, 0, 0.0, 0.0, 0.0, 0.0, 0))
        self._add(
            SeriesPoint(
                start=window.index,
                width=1,
                requests=window.requests,
                failed=window.failed,
                p50=window.p50,
                p95=window.p95,
                p99=window.p99,
                vus=window.vus,
                iterations=window.iterations,
            )
        )

    def _add(self, point: SeriesPoint) -> None:
        self._next = point.start + 1
        pending = point if self._pending is None else self._pending.merge(point)
        if pending.width < self.width:
            self._pending = pending
            return
        self._pending = None
        self._points.append(pending)
        if len(self._points) >= self.limit:
            pairs = zip(self._points[0::2], self._points[1::2], strict=False)
            merged = [a.merge(b) for a, b in pairs]
            leftover = self._points[-1] if len(self._points) % 2 else None
            self._points = merged
            self.width *= 2
            self._pending = leftover

    def copy(self) -> RunSeries:
        other = RunSeries(self.limit)
        other.width, other._points, other._pending, other._next = (
            self.width,
            list(self._points),
            self._pending,
            self._next,
        )
        return other

    def points(self) -> tuple[SeriesPoint, ...]:
        """The series so far, the last partial point included."""
        tail = (self._pending,) if self._pending is not None else ()
        return (*self._points, *tail)
