"""k6 duration values (`lib/types` ParseExtendedDuration) for `delayAbortEval`, in seconds."""

from __future__ import annotations

import math
import re

__all__ = ["parse_duration"]

_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_BARE_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_DAYS = re.compile(r"(\d+)d")
EXAMPLES = "e.g. '10s', '1m30s', '500ms' or '1d2h'"


def _go_duration(text: str) -> float | None:
    """Seconds in a Go duration body (`1h2m3.5s`), or None when it is not one."""
    if text == "0":
        return 0.0
    total, position = 0.0, 0
    while position < len(text):
        part = _PART.match(text, position)
        if part is None:
            return None
        total += float(part.group(1)) * _UNIT_SECONDS[part.group(2)]
        position = part.end()
    return total if position else None


def parse_duration(value: object) -> float:
    """Seconds in a k6 duration: `"1m30s"`, `"1d12h"`; a bare number (or numeric string) is milliseconds.

    Raises ValueError naming what was found and what a duration looks like. Negative durations are
    rejected: no delay can be negative.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{value!r} is not a duration; expected a string, {EXAMPLES}")
    if isinstance(value, int | float):
        seconds = float(value) / 1000.0
    else:
        text = value.strip()
        if _BARE_NUMBER.fullmatch(text):
            seconds = float(text) / 1000.0
        else:
            sign = -1.0 if text.startswith("-") else 1.0
            body = text[1:] if text[:1] in "+-" else text
            days = _DAYS.match(body)
            rest = body[days.end() :] if days else body
            parsed = _go_duration(rest) if rest else (0.0 if days else None)
            if parsed is None:
                raise ValueError(f"'{value}' is not a duration; expected {EXAMPLES}")
            seconds = sign * ((int(days.group(1)) * 86400.0 if days else 0.0) + parsed)
    if not math.isfinite(seconds):
        raise ValueError(f"'{value}' is not a duration; expected {EXAMPLES}")
    if seconds < 0:
        raise ValueError(f"'{value}' is negative; expected a duration of zero or more, {EXAMPLES}")
    return seconds
