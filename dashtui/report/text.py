"""k6's end-of-test summary text (v1+ "compact" layout), rendered from the handleSummary data object.

Layout as k6 v2.2.0 prints it (`internal/js/summary.js`, with the report built by
`internal/output/summary/data.go`): `█ THRESHOLDS` first — each metric with thresholds, then one line per
threshold, `✓ 'p(95)<3000' p(95)=412.35ms` — then `█ TOTAL RESULTS`: checks_total / checks_succeeded /
checks_failed, the checks (`✓ name`, or `✗ name` with `↳  50% — ✓ 45 / ✗ 45`), then the metrics in blocks
CUSTOM, HTTP, EXECUTION, NETWORK (…), each name followed by a dot leader up to the colon; submetrics are
listed under their parent as `{ tag:value }`. Compact mode leaves out checks, group_duration and the
http_req_* phase timings, as k6 does. Alignment, padding (trailing spaces included) and colours follow k6.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..metrics.format import format_duration, humanize_value, js_number
from .k6json import EXTRAS_KEY, generator_warning

__all__ = ["render_summary"]

_SUCCESS, _FAIL, _TITLE, _SUBTITLE = "✓", "✗", "█", "↳"
_COLORS = {"red": "31", "green": "32", "yellow": "33", "cyan": "36", "white": "37"}
_STYLES = {"bold": "1", "faint": "2"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[@-~]")
_SKIPPED_IN_COMPACT = (
    "checks",
    "group_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_receiving",
    "http_req_sending",
    "http_req_tls_handshaking",
    "http_req_waiting",
)
_HTTP = (
    "http_reqs",
    "http_req_failed",
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
)
_EXECUTION = ("vus", "vus_max", "iterations", "iteration_duration", "dropped_iterations")
_NETWORK = ("data_sent", "data_received")
_SECTION_ORDER = ("http", "execution", "network", "browser", "webvitals", "grpc", "websocket", "custom")


def _section_of(name: str) -> str | None:
    """The TOTAL RESULTS block a metric is listed in; k6 matches these names as prefixes."""
    if name.startswith(_SKIPPED_IN_COMPACT):
        return None
    if name.startswith(_HTTP):
        return "http"
    if name.startswith(_EXECUTION):
        return "execution"
    if name.startswith(_NETWORK):
        return "network"
    if name.startswith("browser_web_vital_"):
        return "webvitals"
    if name.startswith("browser_"):
        return "browser"
    if name.startswith("grpc_"):
        return "grpc"
    if name.startswith("ws_"):
        return "websocket"
    return "custom"


@dataclass(frozen=True, slots=True)
class _Formatter:
    color: bool

    def decorate(self, text: str, color: str, *styles: str) -> str:
        if not self.color:
            return text
        codes = ";".join([*(_STYLES[s] for s in styles), _COLORS.get(color, _COLORS["white"])])
        return f"\x1b[{codes}m{text}\x1b[0m"

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text


@dataclass(frozen=True, slots=True)
class _Context:
    """Indentation: two spaces per level, one level more than the base by default."""

    base: int = 0

    def pad(self, level: int = 1) -> str:
        return " " * ((self.base + level) * 2)

    def indent(self, text: str, level: int = 1) -> str:
        return self.pad(level) + text

    def deeper(self, by: int = 1) -> _Context:
        return _Context(self.base + by)


def _width(text: str) -> int:
    """Display width as k6 counts it: characters after NFKC, ANSI escapes excluded."""
    return len(unicodedata.normalize("NFKC", _ANSI.sub("", text)))


def _collation_key(text: str) -> tuple[tuple[int, int], ...]:
    """An approximation of JavaScript's `localeCompare` for metric names.

    Unicode collation puts punctuation before digits before letters and compares letters case-insensitively
    first (lower case first on a tie), unlike plain code-point order.
    """
    primary = tuple(
        (2, ord(c.lower())) if c.isalpha() else (1, ord(c)) if c.isdigit() else (0, ord(c)) for c in text
    )
    tertiary = tuple((3, 0 if c.islower() or not c.isalpha() else 1) for c in text)
    return primary + ((-1, 0),) + tertiary


def _sort_metric_names(names: Sequence[str]) -> list[str]:
    def key(name: str) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
        parent = name.split("{", 1)[0]
        return _collation_key(parent), _collation_key(name[len(parent) :])

    return sorted(names, key=key)


def _display_name(name: str) -> str:
    brace = name.find("{")
    if brace >= 0:
        return "  { " + name[brace + 1 : -1] + " }"
    return name


@dataclass(slots=True)
class _Info:
    """Widths and formatted values of a set of metrics, computed once for consistent alignment."""

    max_name_width: int = 0
    trend_stats: tuple[str, ...] = ()
    trend_cols: dict[str, list[str]] = field(default_factory=dict)
    trend_keys: dict[str, dict[str, str]] = field(default_factory=dict)
    trend_col_widths: list[int] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    extras: dict[str, list[str]] = field(default_factory=dict)
    max_value_width: int = 0
    extra_widths: list[int] = field(default_factory=list)


def _humanize(value: float, metric: Mapping[str, Any], time_unit: str) -> str:
    return humanize_value(value, metric["type"], metric["contains"], time_unit)


def _non_trend_values(metric: Mapping[str, Any], time_unit: str) -> list[str]:
    values = metric["values"]
    kind = metric["type"]
    if kind == "counter":
        return [
            _humanize(values["count"], metric, time_unit),
            _humanize(values["rate"], metric, time_unit) + "/s",
        ]
    if kind == "gauge":
        return [
            _humanize(values["value"], metric, time_unit),
            "min=" + _humanize(values["min"], metric, time_unit),
            "max=" + _humanize(values["max"], metric, time_unit),
        ]
    if kind == "rate":
        passes, fails = values["passes"], values["fails"]
        return [
            _humanize(values["rate"], metric, time_unit),
            f"{js_number(passes)} out of {js_number(passes + fails)}",
        ]
    return ["[no data]"]


def _trend_value(value: float | None, stat: str, metric: Mapping[str, Any], time_unit: str) -> str:
    if value is None:
        return "n/a"
    if stat == "count":
        return js_number(value)
    return _humanize(value, metric, time_unit)


def _compute_info(
    metrics: Mapping[str, Mapping[str, Any]], ctx: _Context, stats: tuple[str, ...], time_unit: str
) -> _Info:
    info = _Info(trend_stats=stats, trend_col_widths=[0] * len(stats))
    for name in _sort_metric_names(list(metrics)):
        metric = metrics[name]
        info.max_name_width = max(info.max_name_width, _width(ctx.indent(name + _display_name(name))))
        values = metric["values"]
        if metric["type"] == "trend":
            cols = [_trend_value(values.get(stat), stat, metric, time_unit) for stat in stats]
            for i, col in enumerate(cols):
                info.trend_col_widths[i] = max(info.trend_col_widths[i], _width(col))
            info.trend_cols[name] = cols
            info.trend_keys[name] = {
                key: _trend_value(value, key, metric, time_unit)
                for key, value in values.items()
                if key not in stats
            }
            continue
        shown = _non_trend_values(metric, time_unit)
        info.values[name] = shown[0]
        info.max_value_width = max(info.max_value_width, _width(shown[0]))
        info.extras[name] = shown[1:]
        for i, extra in enumerate(shown[1:]):
            if i >= len(info.extra_widths):
                info.extra_widths.append(_width(extra))
            else:
                info.extra_widths[i] = max(info.extra_widths[i], _width(extra))
    return info


def _trend_data(name: str, info: _Info, fmt: _Formatter) -> str:
    cols = info.trend_cols[name]
    return " ".join(
        f"{info.trend_stats[i]}={fmt.decorate(col, 'cyan')}" + " " * (info.trend_col_widths[i] - _width(col))
        for i, col in enumerate(cols)
    )


def _non_trend_data(name: str, info: _Info, fmt: _Formatter) -> str:
    value = info.values[name]
    extras = info.extras.get(name, [])
    text = fmt.decorate(value, "cyan") + " " * (info.max_value_width - _width(value))
    if len(extras) == 1:
        text += " " + fmt.decorate(extras[0], "cyan", "faint")
    elif extras:
        text += " " + " ".join(
            fmt.decorate(extra, "cyan", "faint") + " " * (info.extra_widths[i] - _width(extra))
            for i, extra in enumerate(extras)
        )
    return text


def _metric_line(name: str, metric: Mapping[str, Any], info: _Info, fmt: _Formatter, ctx: _Context) -> str:
    shown = _display_name(name)
    dots = info.max_name_width - _width(shown) - _width(ctx.pad()) + 3
    dotted = shown + fmt.decorate("." * dots + ":", "white", "faint")
    data = _trend_data(name, info, fmt) if metric["type"] == "trend" else _non_trend_data(name, info, fmt)
    return ctx.indent(dotted + " " + data)


def _title(title: str, fmt: _Formatter, ctx: _Context) -> str:
    return ctx.indent(f"{_TITLE} {fmt.bold(title)} \n")


def _threshold_aggregation(source: str) -> str:
    return re.split(r"[=><]", source, maxsplit=1)[0].strip()


def _threshold_value(metric: Mapping[str, Any], name: str, source: str, info: _Info, fmt: _Formatter) -> str:
    aggregation = _threshold_aggregation(source)
    kind = metric["type"]
    if kind == "trend":
        if aggregation in info.trend_stats:
            value = info.trend_cols[name][info.trend_stats.index(aggregation)]
        else:
            value = info.trend_keys[name].get(aggregation, "n/a")
    elif kind == "counter":
        value = info.values[name] if aggregation == "count" else info.extras[name][0]
    else:
        value = info.values[name]
    return fmt.decorate(aggregation, "white") + "=" + fmt.decorate(value, "cyan")


def _threshold_metrics(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The metrics that have thresholds, with any aggregation a threshold uses added to a Trend's values.

    k6 adds the percentile a threshold uses when it is not one of `summaryTrendStats` (data.go,
    summaryThresholds), so `p(99)<1500` shows `p(99)=…` even with the default stats.
    """
    observed: dict[tuple[str, str], float] = {}
    for entry in data.get(EXTRAS_KEY, {}).get("thresholds", []):
        if entry.get("observed") is not None:
            observed[(entry["metric"], entry["source"])] = entry["observed"]
    chosen: dict[str, dict[str, Any]] = {}
    for name, metric in data["metrics"].items():
        thresholds = metric.get("thresholds")
        if not thresholds:
            continue
        values = dict(metric["values"])
        if metric["type"] == "trend":
            for source in thresholds:
                aggregation = _threshold_aggregation(source)
                if aggregation not in values and (name, source) in observed:
                    values[aggregation] = observed[(name, source)]
        chosen[name] = {**metric, "values": values}
    return chosen


def _render_thresholds(
    data: Mapping[str, Any], fmt: _Formatter, stats: tuple[str, ...], time_unit: str
) -> list[str]:
    metrics = _threshold_metrics(data)
    if not metrics:
        return []
    ctx = _Context().deeper()
    info = _compute_info(metrics, ctx, stats, time_unit)
    lines: list[str] = []
    for name in _sort_metric_names(list(metrics)):
        parent = name.split("{", 1)[0]
        nested = len(name) > len(parent) and parent in metrics
        inner = ctx.deeper() if nested else ctx
        lines.append(inner.indent(name[len(parent) :] if nested else name))
        metric = metrics[name]
        for source, verdict in metric["thresholds"].items():
            mark = fmt.decorate(_SUCCESS, "green") if verdict["ok"] else fmt.decorate(_FAIL, "red")
            text = fmt.decorate(f"'{source.strip()}'", "white")
            value = _threshold_value(metric, name, source, info, fmt)
            lines.append(inner.indent(" ".join([mark, text, value])))
        lines.append("\n")
    return lines


def _ordered_checks(group: Mapping[str, Any], into: dict[str, list[int]]) -> dict[str, list[int]]:
    """Checks merged by name over the whole group tree, in the order met (k6's compact mode merges them)."""
    for check in group.get("checks", []):
        counts = into.setdefault(check["name"], [0, 0])
        counts[0] += check["passes"]
        counts[1] += check["fails"]
    for child in group.get("groups", []):
        _ordered_checks(child, into)
    return into


def _check_line(name: str, passes: int, fails: int, fmt: _Formatter, ctx: _Context) -> str:
    if fails == 0:
        return ctx.indent(fmt.decorate(f"{_SUCCESS} {name}", "green"))
    percent = math.floor(100 * passes / (passes + fails))
    results = fmt.decorate(f"{_SUBTITLE}  {percent}% — {_SUCCESS} {passes} / {_FAIL} {fails}", "red")
    return ctx.indent(fmt.decorate(f"{_FAIL} {name}", "red")) + "\n" + ctx.indent(results, ctx.base + 1)


def _render_checks(
    data: Mapping[str, Any], fmt: _Formatter, stats: tuple[str, ...], time_unit: str
) -> list[str]:
    checks_metric = data["metrics"].get("checks")
    if checks_metric is None:
        return []
    ctx = _Context().deeper()
    values = checks_metric["values"]
    succeeded = float(values["passes"])
    total = succeeded + float(values["fails"])
    duration_s = float(data.get("state", {}).get("testRunDurationMs", 0.0)) / 1000.0
    failed = total - succeeded
    metrics: dict[str, dict[str, Any]] = {
        "checks_total": {
            "type": "counter",
            "contains": "default",
            "values": {"count": total, "rate": total / duration_s if duration_s > 0 else 0.0},
        },
        "checks_succeeded": {"type": "rate", "contains": "default", "values": dict(values)},
        "checks_failed": {
            "type": "rate",
            "contains": "default",
            "values": {"passes": failed, "fails": succeeded, "rate": failed / total if total else 0.0},
        },
    }
    info = _compute_info(metrics, ctx, stats, time_unit)
    lines = [_metric_line(name, metric, info, fmt, ctx) for name, metric in metrics.items()]
    lines.append("\n")
    for name, (passes, fails) in _ordered_checks(data.get("root_group", {}), {}).items():
        lines.append(_check_line(name, passes, fails, fmt, ctx))
    lines.append("\n")
    return lines


def _render_metrics(
    data: Mapping[str, Any], fmt: _Formatter, stats: tuple[str, ...], time_unit: str
) -> list[str]:
    sections: dict[str, dict[str, Mapping[str, Any]]] = {name: {} for name in _SECTION_ORDER}
    for name, metric in data["metrics"].items():
        section = _section_of(name)
        if section is not None:
            sections[section][name] = metric
    ctx = _Context().deeper()
    everything = {name: metric for section in sections.values() for name, metric in section.items()}
    info = _compute_info(everything, ctx, stats, time_unit)
    order = ["custom", *(s for s in _SECTION_ORDER if s != "custom")]
    lines: list[str] = []
    for section in order:
        metrics = sections[section]
        if not metrics:
            continue
        lines.append(ctx.indent(fmt.bold(section.upper())))
        for name in _sort_metric_names(list(metrics)):
            lines.append(_metric_line(name, metrics[name], info, fmt, ctx))
        lines.append("\n")
    return lines


def _generator_lines(data: Mapping[str, Any], fmt: _Formatter) -> list[str]:
    """dashtui's addition, first in the summary: the latencies include the generator's own delay.

    Shown when `data["dashtui"]["generator"]["warning"]` is set (the generator was overloaded at any point),
    with the whole run's time-weighted figures when present (`late_percent`, `late_mean_ms`,
    `loop_lag_max_ms`, `cpu_percent`), and `queueing` (`p95_ms`: how long responses waited for their VU
    after the socket read, left out of the http_req_* phases).
    """
    warning = generator_warning(data)
    if not warning:
        return []
    generator = data[EXTRAS_KEY]["generator"]
    figures: list[str] = []
    late, mean, worst = (generator.get(k) for k in ("late_percent", "late_mean_ms", "loop_lag_max_ms"))
    if isinstance(late, (int, float)):
        figure = f"loop late {js_number(round(float(late), 2))}% of the time"
        if late > 0 and isinstance(mean, (int, float)) and isinstance(worst, (int, float)):
            figure += f" (avg {format_duration(float(mean))}, max {format_duration(float(worst))})"
        figures.append(figure)
    cpu = generator.get("cpu_percent")
    if isinstance(cpu, (int, float)):
        figures.append(f"CPU {js_number(round(float(cpu), 1))}%")
    queueing = generator.get("queueing")
    if isinstance(queueing, Mapping) and queueing.get("count"):
        figures.append(f"queueing p(95) {format_duration(float(queueing.get('p95_ms', 0.0)))}")
    ctx = _Context().deeper()
    lines = [ctx.indent(fmt.decorate(f"⚠ {warning}", "red", "bold"))]
    if figures:
        lines.append(ctx.indent(fmt.decorate(f"  whole run: {' · '.join(figures)}", "red")))
    return lines


def render_summary(data: Mapping[str, Any], *, color: bool) -> str:
    """The end-of-test summary k6 writes to stdout for `data`, with ANSI colours when `color` is True."""
    fmt = _Formatter(color)
    options = data.get("options", {})
    stats = tuple(options.get("summaryTrendStats") or ())
    time_unit = str(options.get("summaryTimeUnit") or "")
    sections: list[tuple[str, list[str]]] = []
    generator = _generator_lines(data, fmt)
    if generator:
        sections.append(("GENERATOR", generator))
    thresholds = _render_thresholds(data, fmt, stats, time_unit)
    if thresholds:
        sections.append(("THRESHOLDS", thresholds))
    sections.append(
        (
            "TOTAL RESULTS",
            _render_checks(data, fmt, stats, time_unit) + _render_metrics(data, fmt, stats, time_unit),
        )
    )
    text = ""
    title_ctx = _Context()
    for title, content in sections:
        for item in [_title(title, fmt, title_ctx), *content, "\n"]:
            text += item if item == "\n" else "\n" + item
    return "\n" + text + "\n\n"
