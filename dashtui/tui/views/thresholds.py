"""Threshold lights: each threshold's state and label, and which endpoints breach a threshold."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from textual.content import Content

from ...metrics.selectors import SelectorError, parse_metric_key
from ...metrics.snapshot import Snapshot
from ...metrics.types import MetricType, ValueType
from ...thresholds.evaluate import threshold_metric_type
from ...thresholds.format import format_number, format_observed, format_rate
from ...thresholds.results import Threshold, ThresholdResult

__all__ = [
    "Light",
    "ThresholdLine",
    "breaching_endpoints",
    "has_samples",
    "light_state",
    "render_thresholds",
    "threshold_lines",
]


class Light(StrEnum):
    """A threshold light's colour: grey while pending, green when passing, red when failing."""

    PENDING = "pending"
    PASS = "pass"
    FAIL = "fail"


def light_state(result: ThresholdResult) -> Light:
    if result.ok is None:
        return Light.PENDING
    return Light.PASS if result.ok else Light.FAIL


@dataclass(frozen=True, slots=True)
class ThresholdLine:
    """One threshold as the lights panel shows it."""

    metric_key: str
    light: Light
    label: str
    """`p(95)=412ms < 3000ms`, or the expression as written while pending."""
    aborted: bool = False
    """This threshold's abortOnFail stopped the run."""


def _contains(snapshot: Snapshot, metric_key: str) -> ValueType:
    """Whether the metric holds times or bytes, read from the snapshot (default until it has samples)."""
    data = snapshot.metrics.get(metric_key)
    if data is None:
        try:
            name, _ = parse_metric_key(metric_key)
        except SelectorError:
            return ValueType.DEFAULT
        data = snapshot.metrics.get(name)
    return data.metric.contains if data is not None else ValueType.DEFAULT


def _format_limit(threshold: Threshold, contains: ValueType) -> str:
    """The limit in the unit the expression means: `3000ms` for a Trend of times, `1.00%` for a Rate."""
    metric_type = threshold_metric_type(threshold)
    if metric_type is MetricType.RATE and threshold.aggregation == "rate":
        return format_rate(threshold.limit)
    if contains is ValueType.TIME and threshold.aggregation not in ("count", "rate"):
        return format_number(threshold.limit) + "ms"
    return format_number(threshold.limit)


def has_samples(snapshot: Snapshot, metric_key: str) -> bool:
    """Whether the metric (or submetric) a threshold judges has any sample: k6 passes one that has none."""
    data = snapshot.metrics.get(metric_key)
    return data is not None and not data.sink.is_empty()


def threshold_lines(
    results: Iterable[ThresholdResult], snapshot: Snapshot, *, aborted_by: str | None = None
) -> tuple[ThresholdLine, ...]:
    """A line per threshold, in the order the engine evaluates them.

    Args:
        results: The latest evaluation.
        snapshot: Tells whether a metric holds times (ms) or rates (%), for the labels.
        aborted_by: `metric: expr` of the threshold whose abortOnFail stopped the run, if any.
    """
    lines: list[ThresholdLine] = []
    for result in results:
        threshold = result.threshold
        light = light_state(result)
        if not has_samples(snapshot, threshold.metric_key):
            light, label = Light.PENDING, f"{threshold.source} · no samples"
        elif light is Light.PENDING or result.observed is None:
            label = threshold.source
        else:
            contains = _contains(snapshot, threshold.metric_key)
            observed = format_observed(result, contains)
            label = f"{observed} {threshold.operator} {_format_limit(threshold, contains)}"
        aborted = aborted_by is not None and aborted_by == f"{threshold.metric_key}: {threshold.source}"
        lines.append(ThresholdLine(threshold.metric_key, light, label, aborted))
    return tuple(lines)


def breaching_endpoints(results: Iterable[ThresholdResult]) -> frozenset[str]:
    """Names of the endpoints a failing threshold selects with `{name:<endpoint>}`."""
    names: set[str] = set()
    for result in results:
        if not result.failed:
            continue
        try:
            _, selector = parse_metric_key(result.threshold.metric_key)
        except SelectorError:
            continue
        names.update(value for key, value in selector if key == "name")
    return frozenset(names)


_LIGHT_STYLE = {Light.PENDING: "$text-muted", Light.PASS: "$success", Light.FAIL: "$error"}
_LIGHT_MARK = {Light.PENDING: "○", Light.PASS: "●", Light.FAIL: "●"}


def render_thresholds(lines: Iterable[ThresholdLine]) -> Content:
    """One line per threshold, so a panel of 7 lines shows 7: `● http_req_duration  p(95)=412ms < 3000ms`.

    The metric key is written once for a run of thresholds on the same key (blank below it).
    """
    listed = list(lines)
    if not listed:
        return Content.styled("no thresholds configured", "$text-muted")
    width = max(len(line.metric_key) for line in listed)
    parts: list[Content] = []
    previous: str | None = None
    for line in listed:
        style = _LIGHT_STYLE[line.light]
        key = line.metric_key if line.metric_key != previous else ""
        previous = line.metric_key
        parts.append(
            Content.assemble(
                (_LIGHT_MARK[line.light], style),
                " ",
                (f"{key:<{width}}", "bold"),
                "  ",
                (line.label, "$error" if line.light is Light.FAIL else ""),
                (" ABORTED THE RUN", "bold $error") if line.aborted else "",
            )
        )
    return Content("\n").join(parts)
