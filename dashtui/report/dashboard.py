"""The seed's "DASHBOARD LOAD TEST RESULTS" block, with every figure it prints — and its two bugs fixed.

The seed's `handleSummary` formats with JavaScript (`Math.round`, `toFixed(2)`), reproduced here digit for
digit (`format.js_round`, `format.js_to_fixed`). Under real k6 v2.2.0 it misbehaves twice (DESIGN.md,
"Fidelity to k6"): its Thresholds list reads `data.thresholds`, which k6 does not provide, so it prints
nothing; and its P99 reads `values['p(99)']`, absent from k6's default summaryTrendStats, so it prints a false
`0ms`. Here the Thresholds list shows every threshold with PASS/FAIL from `data.metrics[name].thresholds`,
and P99 prints the real figure when `p(99)` is among the values, `n/a` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..metrics.format import js_number, js_round, js_to_fixed
from .k6json import generator_warning

__all__ = ["render_dashboard_block"]

_RULE = "=" * 80


def _value(data: Mapping[str, Any], metric: str, key: str) -> float | None:
    entry = data.get("metrics", {}).get(metric)
    if not isinstance(entry, Mapping):
        return None
    value = entry.get("values", {}).get(key)
    return float(value) if isinstance(value, (int, float)) else None


def _or_zero(value: float | None) -> float:
    """JavaScript's `x || 0`: undefined, 0 and NaN all become 0."""
    return value if value is not None and value == value else 0.0


def _ms(data: Mapping[str, Any], metric: str, key: str) -> str:
    return f"{js_round(_or_zero(_value(data, metric, key)))}ms"


def _p99(data: Mapping[str, Any], metric: str) -> str:
    value = _value(data, metric, "p(99)")
    return "n/a" if value is None else f"{js_round(value)}ms"


def _unmeasured(data: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(metric, expression) of the thresholds whose metric saw no sample (dashtui's own section says)."""
    own = data.get("dashtui")
    entries = own.get("thresholds") if isinstance(own, Mapping) else None
    if not isinstance(entries, list):
        return set()
    return {
        (str(e.get("metric")), str(e.get("source")))
        for e in entries
        if isinstance(e, Mapping) and e.get("samples") is False
    }


def _threshold_lines(data: Mapping[str, Any]) -> list[str]:
    """`  PASS name: expr`; k6 passes a threshold on a metric with no samples, so the block says so."""
    unmeasured = _unmeasured(data)
    lines: list[str] = []
    for name, entry in data.get("metrics", {}).items():
        for source, verdict in (entry.get("thresholds") or {}).items():
            note = " (no samples)" if (name, source) in unmeasured else ""
            lines.append(f"  {'PASS' if verdict.get('ok') else 'FAIL'} {name}: {source}{note}")
    return lines


def render_dashboard_block(
    data: Mapping[str, Any], *, vus: int, duration_label: str, endpoints: Sequence[str]
) -> str:
    """The seed's block for handleSummary `data`, as the seed would print it if k6 gave it what it reads.

    `duration_label` is printed as given (the seed prints "3 minutes"); `endpoints` are joined with ", ".
    dashtui adds a line under the title when the generator was overloaded: the latencies include its delay.
    """
    api_calls = _or_zero(_value(data, "api_calls", "count"))
    error_rate = _or_zero(_value(data, "dashboard_errors", "rate"))
    lines = [
        "",
        _RULE,
        "                     DASHBOARD LOAD TEST RESULTS",
        _RULE,
        "",
        *([f"WARNING: {warning}", ""] if (warning := generator_warning(data)) else []),
        "Configuration:",
        f"  Concurrent Viewers: {vus} VUs",
        f"  Duration:          {duration_label}",
        f"  Endpoints:         {', '.join(endpoints)}",
        "",
        "Load Performance:",
        f"  Total API Calls:   {js_number(api_calls)}",
        f"  Error Rate:        {js_to_fixed(error_rate * 100, 2)}%",
        "",
        "Initial Load Times:",
        f"  Average:           {_ms(data, 'initial_load_duration', 'avg')}",
        f"  P95:               {_ms(data, 'initial_load_duration', 'p(95)')}",
        f"  P99:               {_p99(data, 'initial_load_duration')}",
        f"  Max:               {_ms(data, 'initial_load_duration', 'max')}",
        "",
        "Refresh Times:",
        f"  Average:           {_ms(data, 'refresh_duration', 'avg')}",
        f"  P95:               {_ms(data, 'refresh_duration', 'p(95)')}",
        f"  Max:               {_ms(data, 'refresh_duration', 'max')}",
        "",
        "Thresholds:",
        "\n".join(_threshold_lines(data)),
        "",
        _RULE,
        "",
    ]
    return "\n".join(lines)
