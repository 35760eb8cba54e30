"""Number formatting as k6's JavaScript summary prints metric values (report, thresholds, console).

k6's summaries are JavaScript (`internal/js/summary.js`, the seed's `handleSummary`), so their figures follow
JavaScript's rules, which differ from Python's in ways that change printed digits:
`Number.prototype.toFixed` rounds the exact binary value half away from zero (Python's `format` rounds half
to even), `Math.round` rounds half towards +infinity (Python's `round` is banker's rounding), and
`String(1.0)` is `"1"`, not `"1.0"`. The helpers here reproduce those rules; the humanizers on top of them
reproduce k6's duration, byte and percentage formats (durations truncated to 2 decimals, bytes in base 1000).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "format_bytes",
    "format_duration",
    "format_plain",
    "format_rate_percent",
    "humanize_value",
    "js_number",
    "js_round",
    "js_to_fixed",
]

_TIME_UNITS: dict[str, tuple[str, float]] = {"s": ("s", 0.001), "ms": ("ms", 1.0), "us": ("µs", 1000.0)}
_BYTE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def js_number(value: float) -> str:
    """`String(value)` in JavaScript: shortest round-trip digits, no `.0`, exponent outside [1e-6, 1e21)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-6 <= magnitude < 1e21:
        text = format(Decimal(repr(value)), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, _, exponent = repr(value).partition("e")
    if mantissa.endswith(".0"):
        mantissa = mantissa[:-2]
    exp = int(exponent)
    return f"{mantissa}e{'+' if exp > 0 else '-'}{abs(exp)}"


def js_to_fixed(value: float, digits: int) -> str:
    """`value.toFixed(digits)`: the exact binary value rounded half away from zero."""
    if not math.isfinite(value):
        return js_number(value)
    if abs(value) >= 1e21:
        return js_number(value)
    if value == 0:
        value = 0.0
    quantum = Decimal(1).scaleb(-digits)
    return format(Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP), "f")


def js_round(value: float) -> int:
    """`Math.round(value)`: the nearest integer, halves rounded towards +infinity (2.5 → 3, -2.5 → -2)."""
    if not math.isfinite(value):
        raise ValueError(f"cannot round {value!r} to an integer")
    floor = math.floor(value)
    return floor + 1 if value - floor >= 0.5 else floor


def _trunc_to(value: float, digits: int) -> float:
    mult = 10.0**digits
    return math.trunc(mult * value) / mult


def _fixed_no_trailing_zeros(value: float, digits: int) -> str:
    return js_number(float(js_to_fixed(value, digits)))


def _trunc_no_trailing_zeros(value: float, digits: int) -> str:
    return _fixed_no_trailing_zeros(_trunc_to(value, digits), digits)


def format_duration(ms: float, time_unit: str = "") -> str:
    """A duration given in milliseconds, as k6 prints it: `850µs`, `412.35ms`, `1.2s`, `1m30s`, `1h2m3s`.

    With `summaryTimeUnit` set to `s`, `ms` or `us`, every duration is printed in that unit with 2 decimals.
    """
    unit = _TIME_UNITS.get(time_unit)
    if unit is not None:
        name, coef = unit
        return js_to_fixed(ms * coef, 2) + name
    if ms == 0:
        return "0s"
    if ms < 0.001:
        return js_number(float(math.trunc(ms * 1_000_000))) + "ns"
    if ms < 1:
        return _trunc_no_trailing_zeros(ms * 1000, 2) + "µs"
    if ms < 1000:
        return _trunc_no_trailing_zeros(ms, 2) + "ms"
    text = _trunc_no_trailing_zeros(math.fmod(ms, 60000) / 1000, 0 if ms > 60000 else 2) + "s"
    minutes = math.trunc(ms / 60000)
    if minutes < 1:
        return text
    text = f"{minutes % 60}m{text}"
    hours = math.trunc(minutes / 60)
    if hours < 1:
        return text
    return f"{hours}h{text}"


def format_bytes(count: float) -> str:
    """A byte count in base 1000, one decimal under 10 units: `5 B`, `1.2 kB`, `57 kB`, `3.4 MB`."""
    if count < 10:
        return js_number(count) + " B"
    exponent = math.floor(math.log(count) / math.log(1000))
    value = math.floor((count / 1000**exponent) * 10 + 0.5) / 10
    return js_to_fixed(value, 1 if value < 10 else 0) + " " + _BYTE_UNITS[min(exponent, len(_BYTE_UNITS) - 1)]


def format_rate_percent(rate: float) -> str:
    """A Rate as a percentage truncated (not rounded) to 2 decimals: 0.99999 → `99.99%`."""
    return js_to_fixed(math.trunc(rate * 100 * 100) / 100, 2) + "%"


def format_plain(value: float) -> str:
    """A plain number with at most 6 decimals and no trailing zeros (k6's `toFixedNoTrailingZeros`)."""
    return _fixed_no_trailing_zeros(value, 6)


def humanize_value(value: float, metric_type: str, contains: str, time_unit: str = "") -> str:
    """One metric value as k6's summary prints it, by the metric's type and what it contains."""
    if metric_type == "rate":
        return format_rate_percent(value)
    if contains == "data":
        return format_bytes(value)
    if contains == "time":
        return format_duration(value, time_unit)
    return format_plain(value)
