"""The plan banner printed before every run (as k6 prints its plan), and the CLI options' warnings."""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..scenario import redact_url, shortcut_notes
from ..scenario.durations import format_duration
from ..scenario.model import Scenario
from ..thresholds.results import Threshold

WIDTH = 100
"""Columns dashtui's own lines keep to (k6's summary format is k6's)."""

__all__ = ["STANDIN_TARGET", "option_warnings", "plan_banner"]

STANDIN_TARGET = "the embedded stand-in, started on a free port at run time"


def option_warnings(scenario: Scenario, args: argparse.Namespace) -> list[str]:
    """A warning for every CLI option that is ignored or replaces the preset's scenarios (k6's semantics).

    `scenario` is the preset before the shortcuts were applied.
    """
    notes = shortcut_notes(
        scenario, vus=args.vus, duration=args.duration, iterations=args.iterations, stages=args.stage
    )
    if args.vus is None and (args.duration is not None or args.iterations is not None) and not args.stage:
        flag = "--duration" if args.duration is not None else "--iterations"
        notes.append(f"{flag} without --vus runs 1 VU, as k6 does; add --vus N for more")
    return notes


def plan_banner(
    scenario: Scenario,
    *,
    target: str | None,
    thresholds: Sequence[Threshold],
    reports: Iterable[Path | None],
    warnings: Sequence[str] = (),
) -> str:
    """What the run will do: target (never a key), scenarios with VUs and duration, thresholds, reports.

    `target` None: the embedded stand-in. Lines stay within 100 columns where the content allows.
    """
    where = STANDIN_TARGET if target is None else redact_url(target, scenario)
    source = f" ({scenario.source})" if scenario.source else ""
    lines = [f"dashtui: plan for {scenario.name!r}{source}", f"  target      {where}"]
    for index, (name, executor) in enumerate(scenario.scenarios.items()):
        label = "  scenarios   " if index == 0 else "              "
        stop = f", gracefulStop {format_duration(executor.graceful_stop)}"
        lines.append(f"{label}{name}: {executor.describe()}{stop}")
    if thresholds:
        for index, threshold in enumerate(thresholds):
            label = "  thresholds  " if index == 0 else "              "
            abort = " (abortOnFail)" if threshold.abort_on_fail else ""
            lines.append(f"{label}{threshold.metric_key} {threshold.source}{abort}")
    else:
        lines.append("  thresholds  none")
    written = [str(path) for path in reports if path is not None]
    lines.append("  reports     " + (", ".join(written) if written else "none (the summary only)"))
    for warning in warnings:
        lines.extend(textwrap.wrap(f"dashtui: WARNING {warning}", WIDTH, subsequent_indent="  "))
    return "\n".join(lines)
