"""Compact number formatting for console cells: durations, rates, counts and clock times."""

from __future__ import annotations

import math

__all__ = ["fmt_clock", "fmt_count", "fmt_ms", "fmt_percent", "fmt_rate"]


def _three_figures(value: float) -> str:
    """`value` with three significant figures and no trailing zeros beyond them (4.12, 41.2, 412)."""
    value = float(f"{value:.3g}")
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_ms(value: float) -> str:
    """A duration in milliseconds as a short string: `850µs`, `4.12ms`, `412ms`, `1.23s`, `2m03s`."""
    if not math.isfinite(value) or value <= 0:
        return "0ms"
    if value < 1:
        micros = value * 1000
        return f"{micros:.0f}µs" if micros >= 1 else "<1µs"
    if value < 999.5:
        return _three_figures(value) + "ms"
    seconds = value / 1000
    if seconds < 59.95:
        return _three_figures(seconds) + "s"
    return fmt_clock(seconds)


def fmt_clock(seconds: float) -> str:
    """Elapsed seconds as `42s`, `3m05s` or `1h02m03s` (whole seconds, rounded down)."""
    total = max(0, int(seconds)) if math.isfinite(seconds) else 0
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


def fmt_percent(fraction: float) -> str:
    """A 0–1 fraction as a percentage: `0%`, `0.52%`, `12.5%`, `100%`."""
    if not math.isfinite(fraction) or fraction <= 0:
        return "0%"
    percent = fraction * 100
    if percent >= 99.995 and fraction >= 1:
        return "100%"
    if percent >= 10:
        return f"{percent:.1f}%"
    return f"{percent:.2f}%"


def fmt_rate(per_second: float) -> str:
    """Events per second: `0`, `0.40`, `4.5`, `123`, `1.2k` (a rate under 1 keeps two decimals)."""
    if not math.isfinite(per_second) or per_second <= 0:
        return "0"
    if per_second < 0.005:
        return "<0.01"
    if per_second < 1:
        return f"{per_second:.2f}"
    if per_second >= 10_000:
        return f"{per_second / 1000:.0f}k"
    if per_second >= 1000:
        return f"{per_second / 1000:.1f}k"
    if per_second >= 100:
        return f"{per_second:.0f}"
    return f"{per_second:.1f}"


def fmt_count(count: float) -> str:
    """A count that fits six cells: `987`, `12,345`, `123.4k`, `1.23M`."""
    if not math.isfinite(count):
        return "0"
    whole = int(count)
    size = abs(whole)
    if size >= 100_000_000:
        return f"{whole / 1_000_000:.0f}M"
    if size >= 10_000_000:
        return f"{whole / 1_000_000:.1f}M"
    if size >= 999_950:
        return f"{whole / 1_000_000:.2f}M"
    if size >= 100_000:
        return f"{whole / 1000:.1f}k"
    return f"{whole:,}"
