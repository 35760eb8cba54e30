"""Thresholds: k6's grammar, start-up validation, live and final evaluation, abortOnFail, formatting."""

from __future__ import annotations

from .compile import (
    ALLOWED_AGGREGATIONS,
    ThresholdConfig,
    aggregation_allowed,
    compile_thresholds,
    submetric_keys,
)
from .errors import ThresholdConfigError, ThresholdError
from .evaluate import COMPARISONS, evaluate, evaluate_one, observe, threshold_metric_type
from .format import (
    format_bytes,
    format_duration_ms,
    format_number,
    format_observed,
    format_rate,
    format_value,
    observed_label,
)
from .monitor import DEFAULT_INTERVAL, ThresholdMonitor
from .parser import AGGREGATIONS, OPERATORS, ParsedExpression, format_percentile, parse_expression
from .results import Threshold, ThresholdResult

__all__ = [
    "AGGREGATIONS",
    "ALLOWED_AGGREGATIONS",
    "COMPARISONS",
    "DEFAULT_INTERVAL",
    "OPERATORS",
    "ParsedExpression",
    "Threshold",
    "ThresholdConfig",
    "ThresholdConfigError",
    "ThresholdError",
    "ThresholdMonitor",
    "ThresholdResult",
    "aggregation_allowed",
    "compile_thresholds",
    "evaluate",
    "evaluate_one",
    "format_bytes",
    "format_duration_ms",
    "format_number",
    "format_observed",
    "format_percentile",
    "format_rate",
    "format_value",
    "observe",
    "observed_label",
    "parse_expression",
    "submetric_keys",
    "threshold_metric_type",
]
