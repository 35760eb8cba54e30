"""The seed's DASHBOARD LOAD TEST RESULTS block: every figure, JavaScript rounding, and the two fixes."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dashtui.report import SummaryOptions, render_dashboard_block

from .test_report_support import (
    INITIAL_LOAD_MS,
    REFRESH_MS,
    generator_extras,
    k6_percentile,
    seed_data,
    seed_run,
)

SEED_ENDPOINTS = ("events", "tickets", "orders", "vip_reservations", "scan_logs")
DASHBOARD_STATS = ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)")


def render(data: dict[str, Any]) -> str:
    return render_dashboard_block(data, vus=20, duration_label="3 minutes", endpoints=SEED_ENDPOINTS)


def field(text: str, section: str, label: str) -> str:
    lines = text.split("\n")
    start = lines.index(section)
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        if line.startswith(f"  {label}:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"{label} not in {section}")


def half_up(value: float) -> int:
    """Math.round from its definition, for the expectations: floor(x + 0.5) on exact decimals."""
    return math.floor(value + 0.5)


def test_frame_and_configuration_lines_match_the_seed() -> None:
    text = render(seed_data(seed_run()))
    lines = text.split("\n")
    rule = "=" * 80
    assert lines[:5] == ["", rule, "                     DASHBOARD LOAD TEST RESULTS", rule, ""]
    assert lines[5:9] == [
        "Configuration:",
        "  Concurrent Viewers: 20 VUs",
        "  Duration:          3 minutes",
        "  Endpoints:         events, tickets, orders, vip_reservations, scan_logs",
    ]
    assert lines[-3:] == ["", rule, ""]
    assert text.endswith(rule + "\n")


def test_an_overloaded_generator_is_said_under_the_title() -> None:
    lines = render(seed_data(seed_run(), extras=generator_extras(overloaded=True))).split("\n")
    assert lines[5].startswith(
        "WARNING: latencies include the generator's own delay: it was overloaded for 1.0 s"
    )
    assert lines[5].endswith("run fewer VUs per process")
    assert lines[6:8] == ["", "Configuration:"]
    calm = seed_data(seed_run(), extras=generator_extras(overloaded=False))
    assert render(calm) == render(seed_data(seed_run()))


def test_every_figure_from_the_data() -> None:
    run = seed_run()
    data = seed_data(run, options=SummaryOptions(summary_trend_stats=DASHBOARD_STATS))
    text = render(data)
    assert field(text, "Load Performance:", "Total API Calls") == str(int(run.api_calls))
    error_percent = run.errors_true / run.errors_total * 100
    assert field(text, "Load Performance:", "Error Rate") == f"{error_percent:.2f}%"
    assert field(text, "Initial Load Times:", "Average") == f"{half_up(sum(INITIAL_LOAD_MS) / 10)}ms"
    assert field(text, "Initial Load Times:", "P95") == f"{half_up(k6_percentile(INITIAL_LOAD_MS, 95))}ms"
    assert field(text, "Initial Load Times:", "P99") == f"{half_up(k6_percentile(INITIAL_LOAD_MS, 99))}ms"
    assert field(text, "Initial Load Times:", "Max") == f"{half_up(max(INITIAL_LOAD_MS))}ms"
    assert field(text, "Refresh Times:", "Average") == f"{half_up(sum(REFRESH_MS) / 10)}ms"
    assert field(text, "Refresh Times:", "P95") == f"{half_up(k6_percentile(REFRESH_MS, 95))}ms"
    assert field(text, "Refresh Times:", "Max") == f"{half_up(max(REFRESH_MS))}ms"


def data_with(metrics: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"metrics": metrics}


def test_math_round_sends_halves_up_where_python_would_round_to_even() -> None:
    data = data_with(
        {
            "initial_load_duration": {
                "type": "trend",
                "contains": "default",
                "values": {"avg": 412.5, "p(95)": 2.5, "p(99)": 1000.5, "max": 0.5},
            },
            "refresh_duration": {
                "type": "trend",
                "contains": "default",
                "values": {"avg": 99.49999999999999, "p(95)": 100.5, "max": 101.5},
            },
        }
    )
    text = render(data)
    assert round(412.5) == 412  # the trap this guards against
    assert field(text, "Initial Load Times:", "Average") == "413ms"
    assert field(text, "Initial Load Times:", "P95") == "3ms"
    assert field(text, "Initial Load Times:", "P99") == "1001ms"
    assert field(text, "Initial Load Times:", "Max") == "1ms"
    assert field(text, "Refresh Times:", "Average") == "99ms"
    assert field(text, "Refresh Times:", "P95") == "101ms"
    assert field(text, "Refresh Times:", "Max") == "102ms"


def test_error_rate_uses_to_fixed_rounding() -> None:
    rate = 0.125 / 100
    assert rate * 100 == 0.125 and f"{rate * 100:.2f}" == "0.12"
    data = data_with({"dashboard_errors": {"type": "rate", "contains": "default", "values": {"rate": rate}}})
    assert field(render(data), "Load Performance:", "Error Rate") == "0.13%"


def test_p99_is_na_when_the_trend_stats_lack_it_instead_of_a_false_zero() -> None:
    text = render(seed_data(seed_run()))
    assert field(text, "Initial Load Times:", "P99") == "n/a"
    assert field(text, "Initial Load Times:", "P95") != "0ms"


def test_missing_metrics_fall_back_to_zero_as_the_seed_does() -> None:
    text = render(data_with({}))
    assert field(text, "Load Performance:", "Total API Calls") == "0"
    assert field(text, "Load Performance:", "Error Rate") == "0.00%"
    assert field(text, "Initial Load Times:", "Average") == "0ms"
    assert field(text, "Refresh Times:", "Max") == "0ms"
    assert field(text, "Initial Load Times:", "P99") == "n/a"


def test_thresholds_list_every_threshold_with_pass_or_fail() -> None:
    data = seed_data(seed_run())
    lines = render(data).split("\n")
    start = lines.index("Thresholds:")
    listed = lines[start + 1 : lines.index("", start)]
    expected = [
        f"  {'PASS' if verdict['ok'] else 'FAIL'} {name}: {source}"
        for name, entry in data["metrics"].items()
        for source, verdict in entry.get("thresholds", {}).items()
    ]
    assert listed == expected
    assert "  FAIL http_req_failed: rate<0.01" in listed
    assert "  PASS initial_load_duration: p(95)<3000" in listed
    assert len(listed) == 5


def test_a_threshold_on_a_metric_without_samples_keeps_k6s_pass_and_says_so() -> None:
    data = seed_data(seed_run())
    data["dashtui"] = {
        "thresholds": [{"metric": "initial_load_duration", "source": "p(95)<3000", "samples": False}]
    }
    assert "  PASS initial_load_duration: p(95)<3000 (no samples)" in render(data).split("\n")


@pytest.mark.parametrize(("count", "shown"), [(60.0, "60"), (7.5, "7.5")])
def test_total_api_calls_prints_as_a_javascript_number(count: float, shown: str) -> None:
    data = data_with({"api_calls": {"type": "counter", "contains": "default", "values": {"count": count}}})
    assert field(render(data), "Load Performance:", "Total API Calls") == shown
