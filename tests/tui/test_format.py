"""Console number formatting: short, unit-aware cells."""

from __future__ import annotations

import math

import pytest

from dashtui.tui.format import fmt_clock, fmt_count, fmt_ms, fmt_percent, fmt_rate


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0.0, "0ms"),
        (-3.0, "0ms"),
        (math.nan, "0ms"),
        (0.0004, "<1µs"),
        (0.85, "850µs"),
        (4.123, "4.12ms"),
        (9.999, "10.0ms"),
        (41.23, "41.2ms"),
        (412.3, "412ms"),
        (999.7, "1.00s"),
        (1234.0, "1.23s"),
        (12_345.0, "12.3s"),
        (125_000.0, "2m05s"),
    ],
)
def test_fmt_ms_keeps_three_figures_and_switches_units(ms: float, text: str) -> None:
    assert fmt_ms(ms) == text


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "0s"), (42.9, "42s"), (185, "3m05s"), (3723, "1h02m03s"), (-5, "0s")]
)
def test_fmt_clock(seconds: float, text: str) -> None:
    assert fmt_clock(seconds) == text


@pytest.mark.parametrize(
    ("fraction", "text"), [(0.0, "0%"), (0.0052, "0.52%"), (0.125, "12.5%"), (1.0, "100%")]
)
def test_fmt_percent(fraction: float, text: str) -> None:
    assert fmt_percent(fraction) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (0, "0"),
        (0.001, "<0.01"),
        (0.4, "0.40"),
        (4.5, "4.5"),
        (123.4, "123"),
        (1234, "1.2k"),
        (23_456, "23k"),
    ],
)
def test_fmt_rate(rate: float, text: str) -> None:
    assert fmt_rate(rate) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [(987, "987"), (12_345, "12,345"), (123_456, "123.5k"), (999_999, "1.00M"), (12_345_678, "12.3M")],
)
def test_fmt_count_fits_six_cells(count: int, text: str) -> None:
    assert fmt_count(count) == text
    assert len(text) <= 6
