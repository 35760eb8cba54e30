"""What stays in the terminal after the console closes: the verdict, the thresholds and the report paths."""

from __future__ import annotations

from ..run.protocol import RunOutcome
from .views.thresholds import Light, threshold_lines

__all__ = ["render_farewell"]

_MARK = {Light.PASS: "✓", Light.FAIL: "✗", Light.PENDING: "○"}


def render_farewell(outcome: RunOutcome) -> str:
    """Plain lines for stdout: `dashtui: PASSED · finished · exit code 0`, each threshold, the reports."""
    verdict = "PASSED" if outcome.exit_code == 0 else "FAILED"
    lines = [f"dashtui: {verdict} · {outcome.reason} · exit code {outcome.exit_code}"]
    thresholds = threshold_lines(outcome.results, outcome.snapshot)
    if thresholds:
        width = max(len(line.metric_key) for line in thresholds)
        lines.append("thresholds:")
        lines.extend(f"  {_MARK[line.light]} {line.metric_key:<{width}}  {line.label}" for line in thresholds)
    else:
        lines.append("thresholds: none configured")
    if outcome.report_paths:
        lines.extend(f"report: {path}" for path in outcome.report_paths)
    else:
        lines.append("report: no report files were written")
    return "\n".join(lines)
