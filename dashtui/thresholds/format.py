"""k6's number formatting for summaries and consoles (k6 `internal/js/summary.js` humanizeValue).

Durations are milliseconds shown in ns/µs/ms/s/m/h truncated to 2 decimals, bytes use base-1000 units,
Rate metrics are percentages truncated to 2 decimals, other numbers keep up to 6 decimals. The helpers
reproduce JavaScript's `toFixed` (half away from zero on the exact binary value) and `Number#toString`
so the digits match k6's.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from ..metrics.types import MetricType, ValueType
from .evaluate import threshold_metric_type
from .results import Threshold, ThresholdResult

__all__ = [
    "format_bytes",
    "format_duration_ms",
    "format_number",
    "format_observed",
    "format_rate",
    "format_value",
    "observed_label",
]

_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_TIME_UNITS = {"s": ("s", 0.001), "ms": ("ms", 1.0), "us": ("\u00b5s", 1000.0)}
MISSING = "n/a"
"""Shown for an aggregation the metric has no value for (a Rate without samples)."""


def _js_string(value: float) -> str:
    """JavaScript's `String(number)`: shortest digits, positional from 1e-6 up to 1e21."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    if 1e-6 <= abs(value) < 1e21:
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    mantissa, _, exponent = repr(value).partition("e")
    power = int(exponent)
    return f"{mantissa}e{'+' if power >= 0 else '-'}{abs(power)}"


def _to_fixed(value: float, digits: int) -> str:
    """JavaScript's `Number#toFixed(digits)`."""
    if not math.isfinite(value) or abs(value) >= 1e21:
        return _js_string(value)
    if value == 0:
        value = 0.0
    quantum = Decimal(1).scaleb(-digits)
    return format(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP), "f")


def _fixed_no_trailing_zeros(value: float, digits: int) -> str:
    return _js_string(float(_to_fixed(value, digits)))


def _fixed_truncated(value: float, digits: int) -> str:
    scale = 10**digits
    return _fixed_no_trailing_zeros(math.trunc(scale * value) / scale, digits)


def format_number(value: float) -> str:
    """A plain number as k6 shows it: up to 6 decimals, no trailing zeros (`1.2`, `123`)."""
    return _fixed_no_trailing_zeros(value, 6)


def format_duration_ms(ms: float, time_unit: str = "") -> str:
    """A duration in milliseconds as k6 shows it: `412.35ms`, `1.5s`, `2m3s`, `1h0m0s`, `850µs`.

    `time_unit` is k6's `summaryTimeUnit` (`s`, `ms` or `us`): a fixed unit with 2 decimals.
    """
    fixed = _TIME_UNITS.get(time_unit)
    if fixed is not None:
        unit, coefficient = fixed
        return _to_fixed(ms * coefficient, 2) + unit
    if ms == 0:
        return "0s"
    if ms < 0.001:
        return f"{math.trunc(ms * 1_000_000)}ns"
    if ms < 1:
        return _fixed_truncated(ms * 1000, 2) + "\u00b5s"
    if ms < 1000:
        return _fixed_truncated(ms, 2) + "ms"
    text = _fixed_truncated(math.fmod(ms, 60000) / 1000, 0 if ms > 60000 else 2) + "s"
    minutes = math.trunc(ms / 60000)
    if minutes < 1:
        return text
    text = f"{minutes % 60}m{text}"
    hours = math.trunc(minutes / 60)
    if hours < 1:
        return text
    return f"{hours}h{text}"


def format_bytes(n: float) -> str:
    """A byte count as k6 shows it, base 1000: `512 B`, `1.5 kB`, `23 MB`."""
    if n < 10:
        return f"{_js_string(float(n))} B"
    exponent = min(math.floor(math.log(n) / math.log(1000)), len(_BYTE_UNITS) - 1)
    value = math.floor(n / 1000**exponent * 10 + 0.5) / 10
    return f"{_to_fixed(value, 1 if value < 10 else 0)} {_BYTE_UNITS[exponent]}"


def format_rate(rate: float) -> str:
    """A Rate metric's share as k6 shows it: a percentage truncated to 2 decimals, `0.52%`."""
    return _to_fixed(math.trunc(rate * 100 * 100) / 100, 2) + "%"


def format_value(value: float, metric_type: MetricType, contains: ValueType, time_unit: str = "") -> str:
    """One value of a metric, by its type and unit, as k6's summary shows it (without a `/s` suffix)."""
    if metric_type is MetricType.RATE:
        return format_rate(value)
    if contains is ValueType.DATA:
        return format_bytes(value)
    if contains is ValueType.TIME:
        return format_duration_ms(value, time_unit)
    return format_number(value)


def observed_label(threshold: Threshold) -> str:
    """The aggregation as written in the expression (`p(95)`, `p(99.0)`), to label the observed value.

    k6's summary cuts the source at its first `=`, `>` or `<`, which labels `rate!=0` as `rate!`; this
    cuts at the operator the parser found, which gives the same label for every other operator.
    """
    return threshold.source.partition(threshold.operator)[0].strip()


def format_observed(result: ThresholdResult, contains: ValueType, *, time_unit: str = "") -> str:
    """The observed value next to a threshold, as k6 prints it: `p(95)=412.35ms`, `rate=0.52%`.

    A Counter's `rate` gets k6's `/s` suffix; an aggregation without a value shows `n/a`.
    """
    threshold = result.threshold
    label = observed_label(threshold)
    if result.observed is None:
        return f"{label}={MISSING}"
    metric_type = threshold_metric_type(threshold)
    text = format_value(result.observed, metric_type, contains, time_unit)
    if metric_type is MetricType.COUNTER and threshold.aggregation == "rate":
        text += "/s"
    return f"{label}={text}"
