"""Pure view models and renderers: what the console shows, computed without a running app."""

from __future__ import annotations

from .endpoints import COLUMNS, RATE_SECONDS, Column, EndpointRow, endpoint_rows, sort_order
from .header import Health, RunState, health_level, progress_bar, render_header, run_state
from .live import LiveView, build_live_view
from .realtime import RealtimeView, realtime_view, render_realtime
from .series import (
    Histogram,
    LatencySeries,
    SparkSeries,
    latency_histogram,
    latency_series,
    spark_series,
)
from .tables import (
    FailureRow,
    GroupRow,
    check_rows,
    failure_rows,
    group_label,
    group_rows,
    render_checks,
    render_failures,
    render_groups,
)
from .thresholds import (
    Light,
    ThresholdLine,
    breaching_endpoints,
    light_state,
    render_thresholds,
    threshold_lines,
)

__all__ = [
    "COLUMNS",
    "Column",
    "EndpointRow",
    "FailureRow",
    "GroupRow",
    "Health",
    "Histogram",
    "LatencySeries",
    "Light",
    "LiveView",
    "RATE_SECONDS",
    "RealtimeView",
    "RunState",
    "SparkSeries",
    "ThresholdLine",
    "breaching_endpoints",
    "build_live_view",
    "check_rows",
    "endpoint_rows",
    "failure_rows",
    "group_label",
    "group_rows",
    "health_level",
    "latency_histogram",
    "latency_series",
    "light_state",
    "progress_bar",
    "realtime_view",
    "render_checks",
    "render_failures",
    "render_groups",
    "render_header",
    "render_realtime",
    "render_thresholds",
    "run_state",
    "sort_order",
    "spark_series",
    "threshold_lines",
]
