"""Everything the main screen shows at one refresh, computed from one snapshot, progress and results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from ...metrics.snapshot import CheckStats, Snapshot
from ...run.protocol import Progress, RunInfo
from ...thresholds.results import ThresholdResult
from .endpoints import RATE_SECONDS, EndpointRow, endpoint_rows
from .realtime import RealtimeView, realtime_view
from .series import SparkSeries, spark_series
from .tables import FailureRow, GroupRow, check_rows, failure_rows, group_rows
from .thresholds import ThresholdLine, breaching_endpoints, threshold_lines

__all__ = ["Headline", "LiveView", "build_live_view", "headline"]


@dataclass(frozen=True, slots=True)
class Headline:
    """The figures above the sparklines, in the same windows as the endpoint table's columns."""

    rps: float
    """Requests per second over the last `RATE_SECONDS` closed seconds."""
    error_rate: float
    """Failed requests over the same seconds, 0–1."""
    p95: float | None
    """http_req_duration p(95) over the whole run, as the threshold and table see it; None: no samples."""


def headline(snapshot: Snapshot, rate_seconds: int = RATE_SECONDS) -> Headline:
    recent = snapshot.windows[-rate_seconds:] if rate_seconds > 0 else ()
    requests = sum(w.requests for w in recent)
    digest = snapshot.trend("http_req_duration")
    return Headline(
        rps=requests / len(recent) if recent else 0.0,
        error_rate=sum(w.failed for w in recent) / requests if requests else 0.0,
        p95=digest.percentile(95) if digest is not None and digest.count else None,
    )


@dataclass(frozen=True)
class LiveView:
    """One frame of the console.

    The derived parts are computed on first use, so a frame that only redraws the header and the
    lights does not pay for percentiles of every endpoint.
    """

    info: RunInfo
    progress: Progress
    snapshot: Snapshot
    results: tuple[ThresholdResult, ...]

    @property
    def window_mark(self) -> int:
        """Index of the newest closed window (-1 before the first): per-second panels redraw when it moves."""
        return self.snapshot.windows[-1].index if self.snapshot.windows else -1

    @cached_property
    def sparks(self) -> SparkSeries:
        return spark_series(self.snapshot.windows)

    @cached_property
    def headline(self) -> Headline:
        return headline(self.snapshot)

    @cached_property
    def endpoints(self) -> tuple[EndpointRow, ...]:
        return endpoint_rows(self.snapshot, breaching_endpoints(self.results))

    @cached_property
    def endpoint_shape(self) -> tuple[tuple[str, bool], ...]:
        """Endpoint names with their breach flags: when this changes the table must change at once."""
        breaching = breaching_endpoints(self.results)
        return tuple((name, name in breaching) for name in self.snapshot.endpoints)

    @cached_property
    def groups(self) -> tuple[GroupRow, ...]:
        return group_rows(self.snapshot)

    @cached_property
    def thresholds(self) -> tuple[ThresholdLine, ...]:
        return threshold_lines(
            self.results, self.snapshot, aborted_by=self.progress.status.aborted_by_threshold
        )

    @cached_property
    def checks(self) -> tuple[CheckStats, ...]:
        return check_rows(self.snapshot)

    @cached_property
    def failures(self) -> tuple[FailureRow, ...]:
        return failure_rows(self.snapshot)

    @cached_property
    def realtime(self) -> RealtimeView | None:
        return realtime_view(self.snapshot)


def build_live_view(
    info: RunInfo, snapshot: Snapshot, progress: Progress, results: Sequence[ThresholdResult]
) -> LiveView:
    return LiveView(info=info, progress=progress, snapshot=snapshot, results=tuple(results))
