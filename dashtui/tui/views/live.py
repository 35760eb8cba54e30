"""Everything the main screen shows at one refresh, computed from one snapshot, progress and results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...engine.control import Progress, RunInfo
from ...metrics.snapshot import Snapshot
from ...thresholds.results import ThresholdResult
from .endpoints import EndpointRow, endpoint_rows
from .realtime import RealtimeView, realtime_view
from .series import SparkSeries, spark_series
from .tables import CheckRow, FailureRow, GroupRow, check_rows, failure_rows, group_rows
from .thresholds import ThresholdLine, breaching_endpoints, threshold_lines

__all__ = ["LiveView", "build_live_view"]


@dataclass(frozen=True, slots=True)
class LiveView:
    """One frame of the console. Charts are drawn from `snapshot` only when `window_mark` moves."""

    info: RunInfo
    progress: Progress
    snapshot: Snapshot
    sparks: SparkSeries
    endpoints: tuple[EndpointRow, ...]
    groups: tuple[GroupRow, ...]
    thresholds: tuple[ThresholdLine, ...]
    checks: tuple[CheckRow, ...]
    failures: tuple[FailureRow, ...]
    realtime: RealtimeView | None
    window_mark: int
    """Index of the newest closed window (-1 before the first): charts redraw when it changes."""


def build_live_view(
    info: RunInfo, snapshot: Snapshot, progress: Progress, results: Sequence[ThresholdResult]
) -> LiveView:
    breaching = breaching_endpoints(results)
    return LiveView(
        info=info,
        progress=progress,
        snapshot=snapshot,
        sparks=spark_series(snapshot.windows),
        endpoints=endpoint_rows(snapshot, breaching),
        groups=group_rows(snapshot),
        thresholds=threshold_lines(results, snapshot, aborted_by=progress.status.aborted_by_threshold),
        checks=check_rows(snapshot),
        failures=failure_rows(snapshot),
        realtime=realtime_view(snapshot),
        window_mark=snapshot.windows[-1].index if snapshot.windows else -1,
    )
