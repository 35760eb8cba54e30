"""`--junit FILE`: thresholds and checks as JUnit XML, in the shape GitLab, Jenkins and Azure DevOps read.

One `testsuite` named `thresholds` (a testcase per threshold expression; a failed one carries a `failure`
whose message gives the observed value) and one `checks` suite per group that ran checks (a testcase per
check; passes and fails are in the failure message, or in `system-out` when every one passed). Built from
the summary data, so it says what the JSON says.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from ..metrics.snapshot import CheckStats
from .view import SummaryView, ThresholdRow

__all__ = ["render_junit"]


def _seconds(value: float) -> str:
    return f"{max(0.0, value):.3f}"


def _suite(parent: ET.Element, name: str, *, tests: int, failures: int, time: float) -> ET.Element:
    return ET.SubElement(
        parent,
        "testsuite",
        {
            "name": name,
            "tests": str(tests),
            "failures": str(failures),
            "errors": "0",
            "skipped": "0",
            "time": _seconds(time),
        },
    )


def _threshold_case(suite: ET.Element, row: ThresholdRow) -> None:
    case = ET.SubElement(
        suite, "testcase", {"classname": f"thresholds.{row.metric}", "name": f"{row.metric}: {row.source}"}
    )
    if row.failed:
        message = f"{row.metric} {row.source} failed: observed {row.observed_text()}"
        failure = ET.SubElement(case, "failure", {"type": "threshold", "message": message})
        failure.text = message
    elif row.ok is None:
        ET.SubElement(case, "system-out").text = "nothing measured for this metric (k6 counts it as a pass)"
    else:
        ET.SubElement(case, "system-out").text = f"observed {row.observed_text()}"


def _check_message(row: CheckStats) -> str:
    return f"{row.passes} passes, {row.fails} fails ({row.rate * 100:.2f}% passed)"


def _check_suites(root: ET.Element, checks: list[CheckStats], duration: float) -> None:
    by_group: dict[str, list[CheckStats]] = {}
    for row in checks:
        by_group.setdefault(row.group, []).append(row)
    for group, rows in by_group.items():
        suite = _suite(
            root,
            f"checks {group}" if group else "checks",
            tests=len(rows),
            failures=sum(1 for r in rows if r.fails),
            time=duration,
        )
        classname = "checks" + group.replace("::", ".")
        for row in rows:
            case = ET.SubElement(suite, "testcase", {"classname": classname, "name": row.name})
            message = _check_message(row)
            if row.fails:
                failure = ET.SubElement(case, "failure", {"type": "check", "message": message})
                failure.text = message
            else:
                ET.SubElement(case, "system-out").text = message


def render_junit(data: Mapping[str, Any]) -> str:
    """The JUnit XML document for one run's summary data."""
    view = SummaryView(data)
    duration = view.duration_s
    thresholds = view.thresholds()
    checks = view.checks()
    root = ET.Element("testsuites", {"name": "dashtui"})
    suite = _suite(
        root,
        "thresholds",
        tests=len(thresholds),
        failures=sum(1 for t in thresholds if t.failed),
        time=duration,
    )
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", {"name": "verdict", "value": view.verdict()})
    if view.warning:
        ET.SubElement(properties, "property", {"name": "generator_warning", "value": view.warning})
    for row in thresholds:
        _threshold_case(suite, row)
    _check_suites(root, checks, duration)
    suites = root.findall("testsuite")
    root.set("tests", str(sum(int(s.get("tests", "0")) for s in suites)))
    root.set("failures", str(sum(int(s.get("failures", "0")) for s in suites)))
    root.set("errors", "0")
    root.set("time", _seconds(duration))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
