"""k6's number formatting (internal/js/summary.js humanizeValue), worked out by hand from its rules."""

from __future__ import annotations

import pytest

from dashtui.metrics import MetricType, ValueType
from dashtui.thresholds import (
    Threshold,
    ThresholdResult,
    format_bytes,
    format_duration_ms,
    format_number,
    format_observed,
    format_rate,
    format_value,
    observed_label,
    parse_expression,
)

DURATIONS = [
    # ms, k6 text — ns below 1 µs, µs below 1 ms, ms below 1 s, all truncated (never rounded) to 2 decimals
    (0.0, "0s"),
    (0.0005, "500ns"),
    (0.0000019, "1ns"),
    (0.25, "250µs"),
    (0.1234, "123.4µs"),
    (0.99999, "999.99µs"),
    (1.0, "1ms"),
    (412.3567, "412.35ms"),
    (412.35, "412.35ms"),
    (999.999, "999.99ms"),
    (12.5, "12.5ms"),
    (1000.0, "1s"),
    (1500.5, "1.5s"),
    (2345.678, "2.34s"),
    (59999.0, "59.99s"),
    # from a minute on: seconds truncated to whole seconds, then minutes and hours
    (60000.0, "1m0s"),
    (61234.0, "1m1s"),
    (119999.0, "1m59s"),
    (180523.1, "3m0s"),
    (3600000.0, "1h0m0s"),
    (3723000.0, "1h2m3s"),
    (90061000.0, "25h1m1s"),
]


@pytest.mark.parametrize(("ms", "text"), DURATIONS)
def test_format_duration_ms(ms: float, text: str) -> None:
    assert format_duration_ms(ms) == text


@pytest.mark.parametrize(
    ("ms", "unit", "text"),
    [
        (412.3567, "ms", "412.36ms"),  # summaryTimeUnit uses toFixed(2): rounded, zeros kept
        (1.0, "ms", "1.00ms"),
        (1500.0, "s", "1.50s"),
        (0.5, "us", "500.00µs"),
        (412.3567, "", "412.35ms"),
        (412.3567, "minutes", "412.35ms"),  # an unknown unit falls back to the generic form, as in k6
    ],
)
def test_format_duration_ms_with_summary_time_unit(ms: float, unit: str, text: str) -> None:
    assert format_duration_ms(ms, unit) == text


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (9, "9 B"),
        (9.5, "9.5 B"),
        (10, "10 B"),
        (999, "999 B"),
        (1000, "1.0 kB"),  # base 1000, one decimal below 10
        (1234, "1.2 kB"),
        (1250, "1.3 kB"),  # rounded half up
        (2048, "2.0 kB"),
        (45678, "46 kB"),  # no decimal from 10 on
        (12345678, "12 MB"),
        (2.5e9, "2.5 GB"),
    ],
)
def test_format_bytes(n: float, text: str) -> None:
    assert format_bytes(n) == text


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (0.0, "0.00%"),
        (0.0052, "0.52%"),
        (1 / 3, "33.33%"),
        (2 / 3, "66.66%"),  # truncated, not rounded
        (0.99999, "99.99%"),
        (1.0, "100.00%"),
    ],
)
def test_format_rate(rate: float, text: str) -> None:
    assert format_rate(rate) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.2, "1.2"),
        (123.0, "123"),
        (0.0, "0"),
        (1 / 128, "0.007813"),  # 0.0078125: JavaScript's toFixed rounds the tie up
        (2 / 3, "0.666667"),
        (1e-7, "0"),
        (0.000001, "0.000001"),
        (2.0000001, "2"),
        (1234567.891, "1234567.891"),
        (-3.5, "-3.5"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("value", "metric_type", "contains", "text"),
    [
        (0.25, MetricType.RATE, ValueType.DEFAULT, "25.00%"),
        (412.3567, MetricType.TREND, ValueType.TIME, "412.35ms"),
        (1.25, MetricType.TREND, ValueType.DEFAULT, "1.25"),
        (2048.0, MetricType.COUNTER, ValueType.DATA, "2.0 kB"),
        (20.0, MetricType.GAUGE, ValueType.DEFAULT, "20"),
        (1500.0, MetricType.GAUGE, ValueType.TIME, "1.5s"),
    ],
)
def test_format_value(value: float, metric_type: MetricType, contains: ValueType, text: str) -> None:
    assert format_value(value, metric_type, contains) == text


def result(
    source: str, aggregation: str, metric_type: MetricType | None, observed: float | None
) -> ThresholdResult:
    parsed = parse_expression(source)
    assert parsed.aggregation == aggregation
    threshold = Threshold("m", source, aggregation, parsed.operator, parsed.limit, metric_type=metric_type)
    return ThresholdResult(threshold, ok=True, observed=observed)


@pytest.mark.parametrize(
    ("case", "contains", "text"),
    [
        (result("p(95)<3000", "p(95)", MetricType.TREND, 412.3567), ValueType.TIME, "p(95)=412.35ms"),
        (result("p(99.9) < 200", "p(99.9)", MetricType.TREND, 1500.0), ValueType.TIME, "p(99.9)=1.5s"),
        (result("avg<2", "avg", MetricType.TREND, 1.2), ValueType.DEFAULT, "avg=1.2"),
        (result("med<2", "med", MetricType.TREND, 0.0), ValueType.TIME, "med=0s"),
        (result("rate<0.01", "rate", MetricType.RATE, 0.0052), ValueType.DEFAULT, "rate=0.52%"),
        (result("count>100", "count", MetricType.COUNTER, 123.0), ValueType.DEFAULT, "count=123"),
        (result("rate>2", "rate", MetricType.COUNTER, 2.5), ValueType.DEFAULT, "rate=2.5/s"),
        (result("count<1e6", "count", MetricType.COUNTER, 2048.0), ValueType.DATA, "count=2.0 kB"),
        (result("value<=20", "value", MetricType.GAUGE, 20.0), ValueType.DEFAULT, "value=20"),
        (result("rate<0.01", "rate", MetricType.RATE, None), ValueType.DEFAULT, "rate=n/a"),
        (result("rate<0.01", "rate", None, 0.5), ValueType.DEFAULT, "rate=50.00%"),
    ],
)
def test_format_observed(case: ThresholdResult, contains: ValueType, text: str) -> None:
    assert format_observed(case, contains) == text


def test_format_observed_with_summary_time_unit() -> None:
    case = result("p(95)<3000", "p(95)", MetricType.TREND, 412.3567)
    assert format_observed(case, ValueType.TIME, time_unit="ms") == "p(95)=412.36ms"


@pytest.mark.parametrize(
    ("source", "operator", "label"),
    [
        ("p(95)<3000", "<", "p(95)"),
        ("  avg >= 3", ">=", "avg"),
        ("p(99.0)<=1", "<=", "p(99.0)"),
        ("rate!=0", "!=", "rate"),
        ("count===1", "===", "count"),
    ],
)
def test_observed_label_is_the_aggregation_as_written(source: str, operator: str, label: str) -> None:
    assert observed_label(Threshold("m", source, "x", operator, 0.0)) == label
