"""What thresholds are and what evaluating one gives: the contract between thresholds, report and console."""

from __future__ import annotations

from dataclasses import dataclass

from ..metrics.types import MetricType

__all__ = ["Threshold", "ThresholdResult"]


@dataclass(frozen=True, slots=True)
class Threshold:
    """One threshold expression on one metric or submetric, as configured."""

    metric_key: str
    """`http_req_duration` or `http_req_duration{group:::initial_load}`, exactly as written."""
    source: str
    """The expression as written: `p(95)<3000`."""
    aggregation: str
    """`avg`, `min`, `max`, `med`, `count`, `rate`, `value` or `p(N)`."""
    operator: str
    """One of `<`, `<=`, `>`, `>=`, `==`, `===`, `!=`."""
    limit: float
    abort_on_fail: bool = False
    delay_abort_eval: float = 0.0
    """Seconds into the run before an abortOnFail may fire."""
    metric_type: MetricType | None = None
    """The type of the metric the key names, set by `compile_thresholds`; the final evaluation of a metric
    that saw no samples depends on it (an empty Counter's `rate` is 0, an empty Rate's `rate` is absent)."""


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """A threshold at one evaluation. `ok` is None while nothing was measured for it yet (pending)."""

    threshold: Threshold
    ok: bool | None
    observed: float | None
    """The aggregation's value, or None when the metric has no such value yet (k6 counts that as a pass)."""

    @property
    def failed(self) -> bool:
        return self.ok is False
