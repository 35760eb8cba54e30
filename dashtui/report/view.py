"""A typed reading of handleSummary data (dashtui's or k6's own) for the CI outputs: JUnit, Markdown, HTML.

Every CI output renders from the same summary data that `--out` writes, so what a JUnit file, a step summary
or an HTML page says is what the JSON says. k6's files lack dashtui's section: no observed threshold values,
no endpoint table, no generator health; those parts come out empty rather than failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..metrics.format import format_duration, format_rate_percent, humanize_value
from ..metrics.snapshot import CheckStats, Snapshot, finite
from .k6json import EXTRAS_KEY, generator_warning

__all__ = [
    "EndpointRow",
    "SummaryView",
    "ThresholdRow",
    "endpoint_rows",
    "group_rows",
]

_AGGREGATION = re.compile(r"\s*([a-z]+(?:\([0-9.]+\))?)")
ENDPOINT_STATS = ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)")


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """One threshold expression on one metric key, with its verdict and (dashtui's files) the value seen."""

    metric: str
    source: str
    ok: bool | None
    observed: float | None
    metric_type: str
    contains: str

    @property
    def failed(self) -> bool:
        return self.ok is False

    def observed_text(self) -> str:
        """The observed value as the summary prints it (`612.3ms`, `4.20%`), or `n/a`."""
        if self.observed is None:
            return "n/a"
        aggregation = _AGGREGATION.match(self.source)
        name = aggregation.group(1) if aggregation else ""
        if name == "rate":
            return humanize_value(self.observed, "rate", self.contains)
        if name in ("count", "value"):
            return humanize_value(self.observed, "counter", "data" if self.contains == "data" else "default")
        return humanize_value(self.observed, "trend", self.contains)


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """One request name's figures from the JSON's `dashtui.endpoints`."""

    name: str
    method: str
    requests: int
    failed: int
    duration: Mapping[str, float]
    status_classes: Mapping[str, int]

    @property
    def error_rate(self) -> float:
        return self.failed / self.requests if self.requests else 0.0


def endpoint_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    """The per-endpoint table for the JSON's `dashtui` section: counts, failures, status classes, latency."""
    rows: list[dict[str, Any]] = []
    for stats in sorted(snapshot.endpoints.values(), key=lambda e: (-e.requests, e.name)):
        values = stats.duration.values(snapshot.elapsed, ENDPOINT_STATS)
        rows.append(
            {
                "name": stats.name,
                "method": stats.method,
                "requests": stats.requests,
                "failed": stats.failed,
                "error_rate": stats.error_rate,
                "status_classes": dict(sorted(stats.status_classes.items())),
                "duration": {k: finite(v) for k, v in values.items()},
            }
        )
    return rows


def group_rows(snapshot: Snapshot) -> dict[str, Any]:
    """Each group's duration stats (k6's group_duration per group path) for the JSON's `dashtui` section."""
    return {
        path: {
            "duration": {k: finite(v) for k, v in sink.values(snapshot.elapsed, ENDPOINT_STATS).items()},
        }
        for path, sink in snapshot.groups.items()
    }


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _walk_checks(group: Mapping[str, Any]) -> Iterator[CheckStats]:
    path = str(group.get("path", ""))
    for check in group.get("checks", []) or []:
        if isinstance(check, Mapping):
            yield CheckStats(
                group=path,
                name=str(check.get("name", "")),
                passes=int(_number(check.get("passes")) or 0),
                fails=int(_number(check.get("fails")) or 0),
            )
    for child in group.get("groups", []) or []:
        if isinstance(child, Mapping):
            yield from _walk_checks(child)


class SummaryView:
    """Accessors over one handleSummary object; tolerant of k6's files, which lack dashtui's section."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        own = data.get(EXTRAS_KEY)
        self.own: Mapping[str, Any] = own if isinstance(own, Mapping) else {}
        metrics = data.get("metrics")
        self.metrics: Mapping[str, Any] = metrics if isinstance(metrics, Mapping) else {}

    @property
    def duration_s(self) -> float:
        state = self.data.get("state")
        ms = _number(state.get("testRunDurationMs")) if isinstance(state, Mapping) else None
        return (ms or 0.0) / 1000.0

    @property
    def warning(self) -> str:
        return generator_warning(self.data)

    def thresholds(self) -> list[ThresholdRow]:
        """Every threshold: dashtui's list (with observed values) when present, else each metric's map."""
        rows: list[ThresholdRow] = []
        listed = self.own.get("thresholds")
        if isinstance(listed, list) and listed:
            for entry in listed:
                if not isinstance(entry, Mapping):
                    continue
                key = str(entry.get("metric", ""))
                metric = self.metrics.get(key, {})
                ok = entry.get("ok")
                rows.append(
                    ThresholdRow(
                        metric=key,
                        source=str(entry.get("source", "")),
                        ok=ok if isinstance(ok, bool) else None,
                        observed=_number(entry.get("observed")),
                        metric_type=str(metric.get("type", "")),
                        contains=str(metric.get("contains", "default")),
                    )
                )
            return rows
        for key, metric in self.metrics.items():
            if not isinstance(metric, Mapping) or not isinstance(metric.get("thresholds"), Mapping):
                continue
            for source, verdict in metric["thresholds"].items():
                ok = verdict.get("ok") if isinstance(verdict, Mapping) else None
                rows.append(
                    ThresholdRow(
                        metric=str(key),
                        source=str(source),
                        ok=ok if isinstance(ok, bool) else None,
                        observed=None,
                        metric_type=str(metric.get("type", "")),
                        contains=str(metric.get("contains", "default")),
                    )
                )
        return rows

    def checks(self) -> list[CheckStats]:
        root = self.data.get("root_group")
        return list(_walk_checks(root)) if isinstance(root, Mapping) else []

    def endpoints(self) -> list[EndpointRow]:
        rows: list[EndpointRow] = []
        for entry in self.own.get("endpoints", []) or []:
            if not isinstance(entry, Mapping):
                continue
            duration = entry.get("duration")
            classes = entry.get("status_classes")
            rows.append(
                EndpointRow(
                    name=str(entry.get("name", "")),
                    method=str(entry.get("method", "")),
                    requests=int(_number(entry.get("requests")) or 0),
                    failed=int(_number(entry.get("failed")) or 0),
                    duration={
                        str(k): float(v)
                        for k, v in (duration.items() if isinstance(duration, Mapping) else ())
                        if _number(v) is not None
                    },
                    status_classes={
                        str(k): int(v)
                        for k, v in (classes.items() if isinstance(classes, Mapping) else ())
                        if _number(v) is not None
                    },
                )
            )
        return rows

    def group_p95(self, path: str) -> float | None:
        """A group's p95 duration: `dashtui.groups`, else a `group_duration{group:…}` submetric."""
        groups = self.own.get("groups")
        entry = groups.get(path) if isinstance(groups, Mapping) else None
        duration = entry.get("duration") if isinstance(entry, Mapping) else None
        found = _number(duration.get("p(95)")) if isinstance(duration, Mapping) else None
        return found if found is not None else self.value(f"group_duration{{group:{path}}}", "p(95)")

    def generator(self) -> Mapping[str, Any]:
        generator = self.own.get("generator")
        return generator if isinstance(generator, Mapping) else {}

    def value(self, key: str, stat: str) -> float | None:
        metric = self.metrics.get(key)
        values = metric.get("values") if isinstance(metric, Mapping) else None
        return _number(values.get(stat)) if isinstance(values, Mapping) else None

    def facts(self) -> list[str]:
        """The run in a line's parts: duration, requests (and their rate), p95, error rate, those recorded."""
        reqs, rate = self.value("http_reqs", "count"), self.value("http_reqs", "rate")
        p95, failed = self.value("http_req_duration", "p(95)"), self.value("http_req_failed", "rate")
        facts = [f"duration {format_duration(self.duration_s * 1000)}"]
        if reqs is not None:
            facts.append(f"{int(reqs)} requests" + (f" ({rate:.1f}/s)" if rate is not None else ""))
        if p95 is not None:
            facts.append(f"p95 {format_duration(p95)}")
        if failed is not None:
            facts.append(f"errors {format_rate_percent(failed)}")
        return facts

    def realtime(self) -> list[tuple[str, Mapping[str, Any]]]:
        """The Realtime metrics (`realtime_*`), by name."""
        return [
            (key, metric)
            for key, metric in sorted(self.metrics.items())
            if key.startswith("realtime_") and isinstance(metric, Mapping)
        ]

    def verdict(self) -> str:
        """`passed`, `failed` (a threshold failed), `aborted` or `interrupted`, as the exit code says."""
        if self.own.get("interrupted_by_signal"):
            return "interrupted"
        if self.own.get("aborted_by_threshold"):
            return "aborted"
        return "failed" if any(t.failed for t in self.thresholds()) else "passed"
