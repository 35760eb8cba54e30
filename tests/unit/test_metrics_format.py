"""Number formats as k6's JavaScript prints them: toFixed, Math.round, String(n), durations, bytes, rates."""

from __future__ import annotations

import pytest

from dashtui.metrics.format import (
    format_bytes,
    format_duration,
    format_plain,
    format_rate_percent,
    humanize_value,
    js_number,
    js_round,
    js_to_fixed,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (412.0, "412"),
        (412.35, "412.35"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1e-5, "0.00001"),
        (1e-7, "1e-7"),
        (1.5e-7, "1.5e-7"),
        (1e21, "1e+21"),
        (2.0**60, "1152921504606847000"),
        (float("nan"), "NaN"),
        (float("-inf"), "-Infinity"),
    ],
)
def test_js_number_is_javascripts_string_conversion(value: float, text: str) -> None:
    assert js_number(value) == text


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (0.125, 2, "0.13"),  # exact binary tie: JS rounds up, Python's format gives 0.12
        (2.5, 0, "3"),  # Python: 2
        (1.005, 2, "1.00"),  # 1.005 is 1.00499999999999989… in binary
        (-0.001, 2, "-0.00"),
        (-0.0, 2, "0.00"),
        (12.5, 2, "12.50"),
        (1e21, 2, "1e+21"),
    ],
)
def test_js_to_fixed_rounds_the_exact_value_half_away_from_zero(value: float, digits: int, text: str) -> None:
    assert js_to_fixed(value, digits) == text


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (2.5, 3),
        (412.5, 413),
        (0.5, 1),
        (-2.5, -2),
        (-0.5, 0),
        (1.4999, 1),
        (0.49999999999999994, 0),
        (7.0, 7),
    ],
)
def test_js_round_rounds_halves_up_not_to_even(value: float, rounded: int) -> None:
    assert js_round(value) == rounded


def test_js_round_refuses_non_finite_values() -> None:
    with pytest.raises(ValueError, match="cannot round"):
        js_round(float("nan"))


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0.0, "0s"),
        (0.0005, "500ns"),
        (0.85, "850µs"),
        (0.0123456, "12.34µs"),
        (412.356, "412.35ms"),  # truncated, not rounded
        (412.0, "412ms"),
        (999.999, "999.99ms"),
        (1200.0, "1.2s"),
        (1234.5, "1.23s"),
        (59999.999, "59.99s"),
        (60000.0, "1m0s"),
        (61234.5, "1m1s"),  # seconds lose their decimals past a minute
        (3723000.0, "1h2m3s"),
    ],
)
def test_durations_as_k6_humanizes_them(ms: float, text: str) -> None:
    assert format_duration(ms) == text


@pytest.mark.parametrize(
    ("ms", "unit", "text"),
    [(412.356, "ms", "412.36ms"), (1234.5, "s", "1.23s"), (0.85, "us", "850.00µs")],
)
def test_summary_time_unit_fixes_the_unit_with_two_rounded_decimals(ms: float, unit: str, text: str) -> None:
    assert format_duration(ms, unit) == text


@pytest.mark.parametrize(
    ("count", "text"),
    [
        (0.0, "0 B"),
        (5.0, "5 B"),
        (999.0, "999 B"),
        (1234.0, "1.2 kB"),
        (1250.0, "1.3 kB"),
        (56789.0, "57 kB"),
        (999960.0, "1000 kB"),
        (1e6, "1.0 MB"),
        (3.4e9, "3.4 GB"),
    ],
)
def test_bytes_in_base_1000(count: float, text: str) -> None:
    assert format_bytes(count) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [(0.0, "0.00%"), (1.0, "100.00%"), (0.99999, "99.99%"), (1 / 3, "33.33%"), (2 / 3, "66.66%")],
)
def test_rates_are_truncated_to_two_decimals(rate: float, text: str) -> None:
    assert format_rate_percent(rate) == text


def test_plain_numbers_keep_six_decimals_without_trailing_zeros() -> None:
    assert format_plain(2 / 3) == "0.666667"
    assert format_plain(40.0) == "40"
    assert format_plain(1.5) == "1.5"


def test_humanize_value_chooses_by_type_then_contents() -> None:
    assert humanize_value(0.5, "rate", "default") == "50.00%"
    assert humanize_value(1234.0, "counter", "data") == "1.2 kB"
    assert humanize_value(1234.0, "trend", "time") == "1.23s"
    assert humanize_value(1234.0, "trend", "time", "ms") == "1234.00ms"
    assert humanize_value(1234.0, "trend", "default") == "1234"
