"""Two runs side by side: per metric (and per endpoint) values with deltas, and rules that fail a regression.

Reads handleSummary JSON as dashtui writes it and as k6 writes it (k6's default stats have `med` and no
`p(99)`). A rule is `METRIC=STAT+N%` or `METRIC=STAT+X` (the new value may exceed the base by at most N% of
it, or by X), or with `-` for a floor (`http_reqs=rate-10%`); the last `=` separates, since selectors contain
colons. A stat that either file lacks is reported and skipped (the caller decides whether that is an error).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..metrics.format import format_duration, humanize_value
from ..metrics.selectors import SelectorError, parse_metric_key
from .k6json import metric_sort_key
from .view import EndpointRow, SummaryView

__all__ = [
    "CompareError",
    "Comparison",
    "Row",
    "Rule",
    "RuleResult",
    "compare",
    "load_summary",
    "parse_rule",
    "render_comparison",
]

_STAT = r"(?:avg|min|med|max|count|rate|value|p\(\d+(?:\.\d+)?\)|p\d+(?:\.\d+)?)"
_RULE = re.compile(rf"^(?P<stat>{_STAT})\s*(?P<sign>[+-])\s*(?P<amount>\d+(?:\.\d+)?(?:e-?\d+)?)(?P<pct>%?)$")
_TREND_SHOWN = ("avg", "med", "p(95)", "p(99)", "max")
_ENDPOINT_METRICS = {"http_req_duration": "duration", "http_reqs": "count", "http_req_failed": "rate"}


class CompareError(ValueError):
    """Input that cannot be compared: an unreadable file or a malformed rule. One line, exit 104."""


def _stat_name(stat: str) -> str:
    """`p95` → `p(95)`; `p(50)` stays (looked up as `med` when a file has no `p(50)`)."""
    short = re.fullmatch(r"p(\d+(?:\.\d+)?)", stat)
    return f"p({short.group(1)})" if short else stat


@dataclass(frozen=True, slots=True)
class Rule:
    """`metric=stat±amount[%]`: how far the new run's `stat` may move from the base run's."""

    text: str
    metric: str
    stat: str
    sign: int
    amount: float
    percent: bool

    def limit(self, base: float) -> float:
        step = base * self.amount / 100.0 if self.percent else self.amount
        return base + self.sign * step

    def holds(self, base: float, new: float) -> bool:
        limit = self.limit(base)
        return new <= limit if self.sign > 0 else new >= limit


def parse_rule(text: str) -> Rule:
    """A `--fail-on` rule, or CompareError saying what was expected."""
    metric, sep, rest = text.rpartition("=")
    expected = "expected METRIC=STAT+N% or METRIC=STAT+X, e.g. http_req_duration=p(95)+10%"
    if not sep or not metric.strip():
        raise CompareError(f"--fail-on {text!r}: {expected}")
    match = _RULE.match(rest.strip())
    if match is None:
        raise CompareError(f"--fail-on {text!r}: {rest.strip()!r} is not STAT+N% or STAT+X; {expected}")
    metric = metric.strip()
    try:
        parse_metric_key(metric)
    except SelectorError as exc:
        raise CompareError(f"--fail-on {text!r}: {exc}") from None
    return Rule(
        text=text,
        metric=metric,
        stat=_stat_name(match.group("stat")),
        sign=1 if match.group("sign") == "+" else -1,
        amount=float(match.group("amount")),
        percent=bool(match.group("pct")),
    )


def load_summary(path: Path) -> dict[str, Any]:
    """A handleSummary JSON file (dashtui's or k6's), or CompareError naming the file and the problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CompareError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    except UnicodeDecodeError:
        raise CompareError(f"{path}: not UTF-8 text; expected a handleSummary JSON file") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CompareError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise CompareError(
            f'{path}: no "metrics" object; expected handleSummary JSON (dashtui --out, k6 handleSummary)'
        )
    return data


@dataclass(frozen=True, slots=True)
class Row:
    """One value in both runs (None where a run lacks it)."""

    key: str
    stat: str
    base: float | None
    new: float | None
    metric_type: str
    contains: str

    @property
    def delta(self) -> float | None:
        return None if self.base is None or self.new is None else self.new - self.base

    @property
    def change(self) -> float | None:
        """Relative change; None when undefined (a zero base)."""
        delta = self.delta
        if delta is None or self.base is None or self.base == 0:
            return None
        return delta / abs(self.base)


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: Rule
    base: float | None
    new: float | None
    ok: bool | None
    """None when a run lacks the stat (skipped)."""
    missing: str = ""


@dataclass(frozen=True, slots=True)
class Comparison:
    base_name: str
    new_name: str
    metrics: tuple[Row, ...]
    endpoints: tuple[Row, ...]
    rules: tuple[RuleResult, ...]

    @property
    def failed(self) -> bool:
        return any(r.ok is False for r in self.rules)

    @property
    def missing(self) -> tuple[RuleResult, ...]:
        return tuple(r for r in self.rules if r.ok is None)


def _metric_value(view: SummaryView, key: str, stat: str) -> float | None:
    value = view.value(key, stat)
    if value is None and stat == "p(50)":
        value = view.value(key, "med")
    if value is None and stat == "med":
        value = view.value(key, "p(50)")
    if value is None:
        value = _endpoint_value(view, key, stat)
    return value


def _endpoint_value(view: SummaryView, key: str, stat: str) -> float | None:
    """`http_req_duration{name:X}` and friends from the endpoint table when the file has no such submetric."""
    try:
        name, selector = parse_metric_key(key)
    except SelectorError:
        return None
    field = _ENDPOINT_METRICS.get(name)
    if field is None or len(selector) != 1 or selector[0][0] != "name":
        return None
    endpoint = next((e for e in view.endpoints() if e.name == selector[0][1]), None)
    if endpoint is None:
        return None
    return _endpoint_stat(endpoint, field, stat)


def _endpoint_stat(endpoint: EndpointRow, field: str, stat: str) -> float | None:
    if field == "count":
        return float(endpoint.requests) if stat == "count" else None
    if field == "rate":
        return endpoint.error_rate if stat == "rate" else None
    key = "med" if stat == "p(50)" else stat
    return endpoint.duration.get(key)


def _shown_stats(metric: Mapping[str, Any]) -> list[str]:
    values = metric.get("values")
    if not isinstance(values, Mapping):
        return []
    if metric.get("type") == "trend":
        return [s for s in _TREND_SHOWN if s in values]
    return [s for s in ("count", "rate", "value") if s in values]


def _kind(view: SummaryView, other: SummaryView, key: str) -> tuple[str, str]:
    metric = view.metrics.get(key) or other.metrics.get(key) or {}
    return str(metric.get("type", "")), str(metric.get("contains", "default"))


def compare(
    base: Mapping[str, Any],
    new: Mapping[str, Any],
    rules: tuple[Rule, ...] = (),
    *,
    base_name: str = "base",
    new_name: str = "new",
) -> Comparison:
    """Every metric both files have, every endpoint either has, and each rule's verdict."""
    old_view, new_view = SummaryView(base), SummaryView(new)
    rows: list[Row] = []
    keys = sorted(set(old_view.metrics) | set(new_view.metrics), key=metric_sort_key)
    for key in keys:
        metric_type, contains = _kind(old_view, new_view, key)
        stats: list[str] = []
        for view in (old_view, new_view):
            for stat in _shown_stats(view.metrics.get(key) or {}):
                if stat not in stats:
                    stats.append(stat)
        for stat in stats:
            rows.append(
                Row(key, stat, old_view.value(key, stat), new_view.value(key, stat), metric_type, contains)
            )
    endpoint_rows: list[Row] = []
    old_endpoints = {e.name: e for e in old_view.endpoints()}
    new_endpoints = {e.name: e for e in new_view.endpoints()}
    for name in list(dict.fromkeys([*old_endpoints, *new_endpoints])):
        a, b = old_endpoints.get(name), new_endpoints.get(name)
        for label, field, stat, metric_type, contains in (
            ("requests", "count", "count", "counter", "default"),
            ("errors", "rate", "rate", "rate", "default"),
            ("p50", "duration", "med", "trend", "time"),
            ("p95", "duration", "p(95)", "trend", "time"),
            ("p99", "duration", "p(99)", "trend", "time"),
        ):
            endpoint_rows.append(
                Row(
                    name,
                    label,
                    _endpoint_stat(a, field, stat) if a else None,
                    _endpoint_stat(b, field, stat) if b else None,
                    metric_type,
                    contains,
                )
            )
    results: list[RuleResult] = []
    for rule in rules:
        old_value = _metric_value(old_view, rule.metric, rule.stat)
        new_value = _metric_value(new_view, rule.metric, rule.stat)
        lacking = [n for n, v in ((base_name, old_value), (new_name, new_value)) if v is None]
        if lacking:
            results.append(
                RuleResult(
                    rule,
                    old_value,
                    new_value,
                    None,
                    f"{rule.stat} of {rule.metric} not in {' nor '.join(lacking)}",
                )
            )
            continue
        assert old_value is not None and new_value is not None
        results.append(RuleResult(rule, old_value, new_value, rule.holds(old_value, new_value)))
    return Comparison(base_name, new_name, tuple(rows), tuple(endpoint_rows), tuple(results))


def _value_text(value: float | None, row_type: str, contains: str) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return humanize_value(value, row_type, contains)


def _delta_text(row: Row) -> str:
    delta = row.delta
    if delta is None:
        return "—"
    sign = "+" if delta >= 0 else "-"
    if row.metric_type == "rate":
        absolute = f"{sign}{abs(delta) * 100:.2f} pp"
    elif row.contains == "time":
        absolute = sign + format_duration(abs(delta))
    else:
        absolute = sign + humanize_value(abs(delta), "counter", row.contains)
    change = row.change
    return absolute if change is None else f"{absolute} ({change * 100:+.1f}%)"


def _rule_line(result: RuleResult, rows: Mapping[str, tuple[str, str]]) -> tuple[str, str]:
    rule = result.rule
    metric_type, contains = rows.get(
        rule.metric, ("trend", "time" if "duration" in rule.metric else "default")
    )
    verdict = "SKIP" if result.ok is None else ("PASS" if result.ok else "FAIL")
    if result.ok is None:
        return verdict, f"{rule.text}: {result.missing}"
    assert result.base is not None and result.new is not None
    row = Row(rule.metric, rule.stat, result.base, result.new, metric_type, contains)
    limit = _value_text(rule.limit(result.base), metric_type, contains)
    return verdict, (
        f"{rule.text}: {_value_text(result.base, metric_type, contains)} → "
        f"{_value_text(result.new, metric_type, contains)} ({_delta_text(row)}; limit {limit})"
    )


def _table_rows(rows: tuple[Row, ...]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            r.key,
            r.stat,
            _value_text(r.base, r.metric_type, r.contains),
            _value_text(r.new, r.metric_type, r.contains),
            _delta_text(r),
        )
        for r in rows
    ]


def _text_table(header: tuple[str, ...], rows: list[tuple[str, str, str, str, str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in (header, *rows)
    ]


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _md_table(header: tuple[str, ...], rows: list[tuple[str, str, str, str, str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]


def render_comparison(comparison: Comparison, *, markdown: bool = False) -> str:
    """The comparison as plain text (aligned columns) or GitHub-flavoured Markdown."""
    header = ("metric", "stat", comparison.base_name, comparison.new_name, "delta")
    table = _md_table if markdown else _text_table
    kinds = {r.key: (r.metric_type, r.contains) for r in comparison.metrics}
    lines: list[str] = []
    if markdown:
        lines += [f"## dashtui compare: `{comparison.base_name}` → `{comparison.new_name}`", ""]
    else:
        lines += [f"dashtui compare: {comparison.base_name} → {comparison.new_name}", ""]
    if comparison.rules:
        lines.append("### Rules" if markdown else "Rules:")
        if markdown:
            lines.append("")
        for result in comparison.rules:
            verdict, text = _rule_line(result, kinds)
            mark = {"PASS": "✅", "FAIL": "❌", "SKIP": "➖"}[verdict]
            lines.append(f"- {mark} {verdict} {_md_cell(text)}" if markdown else f"  {verdict} {text}")
        lines.append("")
    lines.append("### Metrics" if markdown else "Metrics:")
    if markdown:
        lines.append("")
    lines += table(header, _table_rows(comparison.metrics))
    if comparison.endpoints:
        lines += ["", "### Endpoints" if markdown else "Endpoints:"]
        if markdown:
            lines.append("")
        endpoint_header = ("endpoint", "stat", comparison.base_name, comparison.new_name, "delta")
        lines += table(endpoint_header, _table_rows(comparison.endpoints))
    return "\n".join(lines) + "\n"
