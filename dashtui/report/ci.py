"""The CI outputs of a run: which were asked for, the sink that streams samples, and the end-of-run files.

`CiOutputs` says what to write (`--junit`, `--summary-markdown`, `--html`, `--out json=/csv=`, and from the
environment GitHub's `GITHUB_STEP_SUMMARY` and `GITHUB_ACTIONS`). `ci_sink` wraps the aggregator in a tee
only when a per-sample output was asked for. `write_ci_reports` renders every end-of-run file from the summary
data, redacts it, and writes it through the report writer.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TextIO

from ..clock import Clock
from ..metrics.aggregator import SampleSink
from ..metrics.builtin import Registry
from ..metrics.selectors import parse_metric_key
from ..metrics.series import SeriesPoint
from ..metrics.tee import SampleWriter, TeeSink
from ..secrets import Redactor, secrets_of
from .files import ReportFile, write_reports
from .html import render_html
from .junit import render_junit
from .markdown import github_annotations, render_markdown
from .streams import CsvWriter, MetricInfo, NdjsonWriter, StreamSpec

__all__ = [
    "CiOutputs",
    "CiWrites",
    "annotation_lines",
    "ci_report_files",
    "ci_sink",
    "close_sink",
    "metric_info",
    "report_secrets",
    "write_ci_reports",
]


class CiWrites(NamedTuple):
    """What `write_ci_reports` wrote, and the one-line reasons of what it could not."""

    written: list[str]
    failed: list[str]


@dataclass(frozen=True, slots=True)
class CiOutputs:
    """The CI-facing outputs a run writes; all off by default."""

    junit: Path | None = None
    markdown: Path | None = None
    html: Path | None = None
    step_summary: Path | None = None
    annotations: bool = False
    streams: tuple[StreamSpec, ...] = field(default_factory=tuple)

    @classmethod
    def from_env(cls, env: Mapping[str, str], **given: object) -> CiOutputs:
        """The outputs asked for on the command line (`given`), plus GitHub Actions' from `env`."""
        summary = env.get("GITHUB_STEP_SUMMARY", "")
        return cls(
            step_summary=Path(summary) if summary else None,
            annotations=env.get("GITHUB_ACTIONS", "") == "true",
            **given,  # type: ignore[arg-type]
        )

    def files(self) -> list[tuple[str, Path]]:
        """Every file this asks for, with the flag that names it (for checks before the run)."""
        named = [("--junit", self.junit), ("--summary-markdown", self.markdown), ("--html", self.html)]
        found = [(flag, path) for flag, path in named if path is not None]
        found += [(f"--out {s.kind}=", s.path) for s in self.streams]
        return found


def report_secrets(scenario: object, env: Mapping[str, str]) -> frozenset[str]:
    """The values no CI output may contain: the scenario's secrets and every variable named like a key."""
    return frozenset(getattr(scenario, "secrets", ()) or ()) | secrets_of(env)


def metric_info(thresholds: Mapping[str, Sequence[object]]) -> MetricInfo:
    """Threshold sources per metric and tracked submetric keys per metric, for k6's `Metric` lines."""
    sources: dict[str, list[str]] = {}
    submetrics: dict[str, list[str]] = {"http_req_duration": ["http_req_duration{expected_response:true}"]}
    for key, entries in thresholds.items():
        name, selector = parse_metric_key(key)
        if selector:
            if key not in submetrics.setdefault(name, []):
                submetrics[name].append(key)
            continue
        for entry in entries:
            source = entry.get("threshold") if isinstance(entry, Mapping) else entry
            if isinstance(source, str):
                sources.setdefault(name, []).append(source)
    return MetricInfo(thresholds=sources, submetrics=submetrics)


def ci_sink(
    primary: SampleSink,
    ci: CiOutputs,
    *,
    clock: Clock,
    registry: Registry,
    info: MetricInfo,
    secrets: Iterable[str],
) -> SampleSink:
    """`primary` itself, or a tee to it and to each `--out json=/csv=` stream when any was asked for."""
    if not ci.streams:
        return primary
    secret_values = tuple(secrets)
    writers: list[SampleWriter] = []
    try:
        for spec in ci.streams:
            if spec.kind == "json":
                writers.append(
                    NdjsonWriter(spec.path, clock=clock, registry=registry, info=info, secrets=secret_values)
                )
            else:
                writers.append(CsvWriter(spec.path, clock=clock, secrets=secret_values))
    except BaseException:
        for writer in writers:
            writer.close()
        raise

    def report(writer: SampleWriter, error: OSError) -> None:
        path = getattr(writer, "path", "")
        reason = error.strerror or type(error).__name__
        print(f"dashtui: --out {path}: write failed ({reason}); that output stops here", file=sys.stderr)

    return TeeSink(primary, writers, on_error=report)


def close_sink(sink: SampleSink) -> None:
    """Flush and close the streams of a tee built by `ci_sink` (nothing for the aggregator itself)."""
    if isinstance(sink, TeeSink):
        sink.close()


def _appended(path: Path, text: str) -> str:
    """`path`'s text with `text` added at the end (GitHub's step summary collects every step's)."""
    try:
        before = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        before = ""
    return before + ("\n" if before and not before.endswith("\n") else "") + text


def ci_report_files(
    ci: CiOutputs,
    data: Mapping[str, object],
    series: Sequence[SeriesPoint],
    *,
    redact: Callable[[str], str],
) -> list[ReportFile]:
    """The end-of-run CI files asked for, each rendered from the summary data and redacted when written."""
    files: list[ReportFile] = []
    if ci.junit is not None:
        files.append(ReportFile("--junit", ci.junit, lambda: redact(render_junit(data))))
    if ci.markdown is not None:
        files.append(ReportFile("--summary-markdown", ci.markdown, lambda: redact(render_markdown(data))))
    if ci.step_summary is not None:
        step = ci.step_summary
        files.append(
            ReportFile("GITHUB_STEP_SUMMARY", step, lambda: _appended(step, redact(render_markdown(data))))
        )
    if ci.html is not None:
        files.append(ReportFile("--html", ci.html, lambda: redact(render_html(data, series))))
    return files


def annotation_lines(ci: CiOutputs, data: Mapping[str, object], *, redact: Callable[[str], str]) -> list[str]:
    """GitHub's `::error::` lines for failed thresholds, when running on GitHub Actions."""
    return [redact(line) for line in github_annotations(data)] if ci.annotations else []


def write_ci_reports(
    ci: CiOutputs,
    data: Mapping[str, object],
    series: Sequence[SeriesPoint],
    *,
    secrets: Iterable[str],
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> CiWrites:
    """Write every end-of-run CI file and print the `::error::` lines: what was written, what failed.

    A file that cannot be written is one line on stderr; the others are still written.
    """
    redactor = Redactor(secrets)
    writes = write_reports(ci_report_files(ci, data, series, redact=redactor.text))
    for line in writes.failures:
        print(f"dashtui: {line}", file=stderr or sys.stderr)
    for line in annotation_lines(ci, data, redact=redactor.text):
        print(line, file=stdout or sys.stdout)
    return CiWrites(list(writes.written), list(writes.failures))
