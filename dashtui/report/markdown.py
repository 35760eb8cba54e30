"""The run as GitHub-flavoured Markdown (`GITHUB_STEP_SUMMARY`, `--summary-markdown`) and `::error::` lines.

Verdict first, then thresholds (observed values), the per-endpoint table, checks and the generator's health.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..metrics.format import format_duration, format_rate_percent
from .view import SummaryView

__all__ = ["github_annotations", "render_markdown"]

_VERDICT = {
    "passed": "✅ **passed**: every threshold held",
    "failed": "❌ **failed**: a threshold failed",
    "aborted": "❌ **aborted** by a threshold (abortOnFail)",
    "interrupted": "⚠️ **interrupted** by a signal or the user",
}


def _cell(text: str) -> str:
    """A table cell: pipes escaped, line breaks flattened."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def render_markdown(data: Mapping[str, Any], *, title: str = "dashtui load test") -> str:
    """The step summary: one Markdown section for one run."""
    view = SummaryView(data)
    preset = view.own.get("preset")
    heading = f"## {title}" + (f": `{preset}`" if isinstance(preset, str) and preset else "")
    lines = [heading, "", _VERDICT[view.verdict()], ""]
    lines += [" · ".join(view.facts()), ""]
    if view.warning:
        lines += [f"> **Generator overloaded:** {view.warning}", ""]

    thresholds = view.thresholds()
    lines += ["### Thresholds", ""]
    if thresholds:
        lines += _table(
            ("", "metric", "threshold", "observed"),
            [
                (
                    "❌" if t.failed else ("➖" if t.ok is None else "✅"),
                    t.metric,
                    t.source,
                    t.observed_text(),
                )
                for t in thresholds
            ],
        )
    else:
        lines.append("No thresholds.")
    lines.append("")

    endpoints = view.endpoints()
    if endpoints:
        lines += ["### Endpoints", ""]
        lines += _table(
            ("endpoint", "method", "requests", "errors", "p50", "p95", "p99", "status"),
            [
                (
                    e.name,
                    e.method,
                    str(e.requests),
                    format_rate_percent(e.error_rate),
                    format_duration(e.duration.get("med", 0.0)),
                    format_duration(e.duration.get("p(95)", 0.0)),
                    format_duration(e.duration.get("p(99)", 0.0)),
                    " ".join(f"{k}:{v}" for k, v in e.status_classes.items()),
                )
                for e in endpoints
            ],
        )
        lines.append("")

    checks = view.checks()
    if checks:
        lines += ["### Checks", ""]
        lines += _table(
            ("", "group", "check", "passes", "fails"),
            [
                ("❌" if c.fails else "✅", c.group or "(root)", c.name, str(c.passes), str(c.fails))
                for c in checks
            ],
        )
        lines.append("")

    generator = view.generator()
    if generator:
        lines += ["### Generator health", ""]
        lines += _table(
            ("overloaded", "CPU avg", "CPU peak", "loop lag p95", "late"),
            [
                (
                    "yes" if generator.get("overloaded") else "no",
                    f"{generator.get('cpu_percent', 0)}%",
                    f"{generator.get('cpu_percent_peak', 0)}%",
                    f"{generator.get('loop_lag_p95_ms', 0)} ms",
                    f"{generator.get('late_percent', 0)}%",
                )
            ],
        )
        lines.append("")
    return "\n".join(lines) + "\n"


def _escape_annotation(text: str) -> str:
    """GitHub's workflow-command escaping of a message: %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_annotations(data: Mapping[str, Any]) -> list[str]:
    """One `::error::` workflow command per failed threshold."""
    lines = []
    for row in SummaryView(data).thresholds():
        if row.failed:
            title = _escape_annotation(f"threshold {row.metric}").replace(":", "%3A").replace(",", "%2C")
            message = f"{row.metric} {row.source} failed: observed {row.observed_text()}"
            lines.append(f"::error title={title}::{_escape_annotation(message)}")
    return lines
