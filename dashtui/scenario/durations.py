"""k6 durations: parse '3m', '1m30s', '500ms' or a number of seconds; format them as k6 prints them."""

from __future__ import annotations

import math
import re

from .errors import SpecError

__all__ = ["DURATION_EXPECTED", "format_duration", "parse_duration", "parse_duration_ms"]

DURATION_EXPECTED = "a number of seconds or a k6 duration such as '3m', '90s', '1m30s', '500ms'"

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
    "d": 86400.0,
}
# Go's time.ParseDuration grammar (which k6 uses), plus k6's extra 'd' unit: one or more
# "<decimal><unit>" parts with no spaces, e.g. "1h2m3.5s".
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h|d)")
_NUMBER = re.compile(r"[+]?(\d+(?:\.\d*)?|\.\d+)")


def _not_a_duration(value: object) -> SpecError:
    shown = repr(value) if isinstance(value, str) else str(value)
    return SpecError(f"{shown} is not a duration", found=shown, expected=DURATION_EXPECTED)


def parse_duration(value: object) -> float:
    """Seconds from a k6 duration string ('3m', '1m30s', '500ms', '2h', '1.5s') or a number of seconds.

    A bare number (or a numeric string, as an interpolated `${VAR}` yields) counts as seconds, as in
    k6's `sleep(5)`. Negative, infinite and NaN values are rejected.
    """
    if isinstance(value, bool):
        raise _not_a_duration(value)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = _parse_text(value)
    else:
        raise _not_a_duration(value)
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise _not_a_duration(value)
    return seconds


def parse_duration_ms(value: object) -> float:
    """Milliseconds for limits written in ms: a bare number is ms ('below = 3000'), a string a k6 duration."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        if math.isnan(value) or math.isinf(value) or value < 0:
            raise SpecError(
                f"{value} is not a duration",
                found=str(value),
                expected="a number of milliseconds or a k6 duration such as '3s' or '500ms'",
            )
        return float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value.strip())
    return parse_duration(value) * 1000.0


def _parse_text(text: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise _not_a_duration(text)
    if _NUMBER.fullmatch(stripped):
        return float(stripped)
    if stripped == "0":
        return 0.0
    total = 0.0
    pos = 0
    while pos < len(stripped):
        match = _PART.match(stripped, pos)
        if match is None:
            raise _not_a_duration(text)
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    return total


def format_duration(seconds: float) -> str:
    """k6's (Go's) rendering of a duration: '3m0s', '1h0m0s', '1m30s', '500ms', '1.5s', '0s'."""
    if seconds <= 0:
        return "0s"
    if seconds < 1:
        ms = seconds * 1000
        return f"{_trim(ms)}ms" if ms >= 1 else f"{_trim(ms * 1000)}µs"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    secs = round(secs, 6)
    if secs >= 60:
        minutes, secs = minutes + 1, secs - 60
    if minutes >= 60:
        hours, minutes = hours + 1, minutes - 60
    if hours:
        return f"{int(hours)}h{int(minutes)}m{_trim(secs)}s"
    if minutes:
        return f"{int(minutes)}m{_trim(secs)}s"
    return f"{_trim(secs)}s"


def _trim(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"
