"""The dry run (`dashtui validate PRESET`): the plan in words, secrets redacted; sends nothing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit

from .durations import format_duration
from .interpolate import is_secret_name
from .model import (
    AddStep,
    BatchStep,
    ErrorRateBinding,
    GroupStep,
    PythonStep,
    RealtimeStep,
    RequestSpec,
    RequestStep,
    Scenario,
    SleepStep,
    Step,
    ThresholdObject,
)
from .segments import ExecutionTuple
from .shares import describe_share

__all__ = ["describe_plan", "redact_url"]

_SECRET_HEADER = re.compile(r"authorization|apikey|api-key|cookie|key|token|secret|password", re.IGNORECASE)


def redact_url(url: str, scenario: Scenario) -> str:
    """The URL with secret values and key-like query parameters (apikey=…, token=…) redacted."""
    parts = urlsplit(url)
    if parts.query:
        for name, value in parse_qsl(parts.query, keep_blank_values=True):
            if value and is_secret_name(name):
                url = url.replace(f"{name}={value}", f"{name}=[redacted]")
    return scenario.redact(url)


def describe_plan(scenario: Scenario, *, segment: ExecutionTuple | None = None) -> str:
    """Everything a run of `scenario` would do, as text; nothing is sent.

    With a `segment` (not the whole run), the plan names it and each scenario's share of it.
    """
    lines = [f"scenario {scenario.name!r}" + (f" — {scenario.description}" if scenario.description else "")]
    if scenario.source:
        lines.append(f"  source: {scenario.source}")
    if segment is not None and not segment.is_whole:
        lines.append(
            f"  execution segment {segment.segment} of the sequence {segment.sequence} "
            f"({segment.segment.length} of the run, {float(segment.segment.length):.1%})"
        )
    if scenario.vars:
        lines.append("")
        lines.append("vars:")
        for name, value in scenario.vars.items():
            lines.append(f"  {name} = " + ("[redacted]" if is_secret_name(name) else repr(value)))
    lines.append("")
    lines.append("scenarios:")
    for name, executor in scenario.scenarios.items():
        extras = [f"flow {executor.exec!r}", f"gracefulStop {format_duration(executor.graceful_stop)}"]
        if executor.start_time:
            extras.insert(0, f"startTime {format_duration(executor.start_time)}")
        graceful_ramp_down = getattr(executor, "graceful_ramp_down", None)
        if graceful_ramp_down is not None:
            extras.append(f"gracefulRampDown {format_duration(graceful_ramp_down)}")
        if executor.tags:
            extras.append("tags " + ", ".join(f"{k}={v}" for k, v in executor.tags.items()))
        if executor.env:
            extras.append("env " + ", ".join(executor.env))
        lines.append(f"  {name}: {executor.describe()}")
        lines.append(f"    {'; '.join(extras)}")
        if segment is not None and not segment.is_whole:
            lines.append(f"    {describe_share(executor, segment)}")
    used = {executor.exec for executor in scenario.scenarios.values()}
    for flow_name, steps in scenario.flows.items():
        lines.append("")
        lines.append(
            f"flow {flow_name!r}" + ("" if flow_name in used else " (not run by any scenario)") + ":"
        )
        _steps(steps, scenario, lines, depth=1)
    if scenario.metrics:
        lines.append("")
        lines.append("custom metrics:")
        for name, metric in scenario.metrics.items():
            lines.append(f"  {name}: {metric.type}" + (" (time)" if metric.time else ""))
    if scenario.thresholds:
        lines.append("")
        lines.append("thresholds:")
        for key, entries in scenario.thresholds.items():
            lines.append(f"  {key}: " + ", ".join(_threshold_text(e) for e in entries))
    options = scenario.options
    lines.append("")
    lines.append(
        f"options: batch {options.batch}, batchPerHost {options.batch_per_host}, "
        f"summaryTrendStats {', '.join(options.summary_trend_stats)}"
        + (", noConnectionReuse" if options.no_connection_reuse else "")
        + (", noVUConnectionReuse" if options.no_vu_connection_reuse else "")
        + f", userAgent {options.user_agent!r}"
    )
    report = scenario.report
    outputs = [f"json {report.json}" if report.json else "no JSON file by default"]
    if report.summary_export:
        outputs.append(f"summary export {report.summary_export}")
    if report.dashboard_block:
        outputs.append("DASHBOARD LOAD TEST RESULTS block")
    lines.append("report: " + "; ".join(outputs))
    lines.append("")
    lines.append("dry run: nothing was sent.")
    return scenario.redact("\n".join(lines))


def _threshold_text(entry: str | ThresholdObject) -> str:
    if isinstance(entry, str):
        return repr(entry)
    flags = []
    if entry.abort_on_fail:
        flags.append("abortOnFail")
    if entry.delay_abort_eval:
        flags.append(f"delayAbortEval {entry.delay_abort_eval}")
    return repr(entry.threshold) + (f" ({', '.join(flags)})" if flags else "")


def _binding_text(error_rate: ErrorRateBinding | None, count_requests: str | None) -> list[str]:
    parts = []
    if error_rate is not None:
        which = "any response" if error_rate.responses == "all" else "the first response"
        parts.append(f"{error_rate.metric} += 1 when {which} fails a check")
    if count_requests:
        parts.append(f"{count_requests} += number of responses")
    return parts


def _steps(steps: Sequence[Step], scenario: Scenario, lines: list[str], depth: int) -> None:
    pad = "  " * depth
    for step in steps:
        if isinstance(step, GroupStep):
            lines.append(f"{pad}group {step.group!r}")
            notes = []
            if step.duration_trend:
                notes.append(f"wall time → {step.duration_trend} (ms)")
            notes.extend(_binding_text(step.error_rate, step.count_requests))
            for note in notes:
                lines.append(f"{pad}  · {note}")
            for check in step.checks:
                lines.append(f"{pad}  check {check.name!r}: group time < {check.below:g} ms")
            _steps(step.steps, scenario, lines, depth + 1)
        elif isinstance(step, BatchStep):
            lines.append(f"{pad}batch of {len(step.batch)} in parallel")
            for note in _binding_text(step.error_rate, step.count_requests):
                lines.append(f"{pad}  · {note}")
            for request in step.batch:
                _request(request, scenario, lines, depth + 1)
        elif isinstance(step, RequestStep):
            lines.append(f"{pad}request")
            for note in _binding_text(step.error_rate, step.count_requests):
                lines.append(f"{pad}  · {note}")
            _request(step.request, scenario, lines, depth + 1)
        elif isinstance(step, SleepStep):
            lines.append(f"{pad}sleep {step.sleep.describe()}")
        elif isinstance(step, RealtimeStep):
            spec = step.realtime
            hold = "for the VU's life" if spec.hold == "vu" else f"for {format_duration(float(spec.hold))}"
            changes = ", ".join(f"{c.event} on {c.schema_}.{c.table}" for c in spec.changes) or "no changes"
            lines.append(f"{pad}realtime channel {spec.channel!r} ({changes}), held {hold}, auth {spec.auth}")
        elif isinstance(step, AddStep):
            value = step.add.value
            shown = str(value).lower() if isinstance(value, bool) else f"{value:g}"
            lines.append(f"{pad}add {shown} to {step.add.metric}")
        elif isinstance(step, PythonStep):
            lines.append(f"{pad}python step {step.name!r}")


def _request(request: RequestSpec, scenario: Scenario, lines: list[str], depth: int) -> None:
    pad = "  " * depth
    lines.append(f"{pad}{request.method} {redact_url(request.url, scenario)}")
    details = [f"name {request.name!r}" if request.name else "name = URL"]
    if request.auth:
        details.append(f"auth {request.auth}")
    for header, value in request.headers.items():
        shown = "[redacted]" if _SECRET_HEADER.search(header) else value
        details.append(f"header {header}: {shown}")
    if request.body is not None:
        details.append("JSON body")
    if request.timeout != 60.0:
        details.append(f"timeout {format_duration(request.timeout)}")
    if request.expected_statuses is not None:
        details.append("expected statuses " + _ranges(request.expected_statuses))
    lines.append(f"{pad}  {'; '.join(details)}")
    for check in request.checks:
        lines.append(f"{pad}  check {check.name!r}: {check.describe()}")


def _ranges(statuses: Sequence[int]) -> str:
    ranges: list[str] = []
    start = previous = statuses[0]
    for status in [*statuses[1:], -1]:
        if status == previous + 1:
            previous = status
            continue
        ranges.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = status
    return ", ".join(ranges)
