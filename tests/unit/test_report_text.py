"""The end-of-test text: k6 v1+ compact layout — sections, order, marks, alignment, formats and colours."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dashtui.metrics.format import format_bytes, format_duration, format_plain, format_rate_percent
from dashtui.report import SummaryOptions, render_summary
from dashtui.thresholds.results import ThresholdResult

from .test_report_support import (
    INITIAL_LOAD_MS,
    REFRESH_MS,
    RUN_SECONDS,
    generator_extras,
    k6_percentile,
    seed_data,
    seed_run,
    threshold,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(data: dict[str, Any]) -> list[str]:
    return render_summary(data, color=False).split("\n")


def block(lines: list[str], title: str) -> list[str]:
    """The lines of one `█ TITLE` section, up to the next one."""
    start = next(i for i, line in enumerate(lines) if line.strip() == f"█ {title}")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("█ ")), len(lines))
    return lines[start + 1 : end]


def metric_line(lines: list[str], name: str) -> str:
    matches = [line for line in lines if re.match(rf"^\s+{re.escape(name)}\.+:", line)]
    assert len(matches) == 1, (name, matches)
    return matches[0]


def test_output_is_framed_as_k6_writes_it_to_stdout() -> None:
    text = render_summary(seed_data(seed_run()), color=False)
    assert text.startswith("\n\n  █ THRESHOLDS \n\n")
    assert text.endswith("\n\n\n")
    assert "\x1b" not in text


def test_thresholds_come_first_then_total_results() -> None:
    lines = plain(seed_data(seed_run()))
    titles = [line.strip() for line in lines if line.lstrip().startswith("█")]
    assert titles == ["█ THRESHOLDS", "█ TOTAL RESULTS"]


def test_threshold_lines_show_mark_source_and_observed_value() -> None:
    run = seed_run()
    data = seed_data(run)
    section = block(plain(data), "THRESHOLDS")
    names = [line.strip() for line in section if line.startswith("    ") and line.lstrip()[:1] not in "✓✗"]
    assert names == [
        "dashboard_errors",
        "http_req_duration",
        "http_req_failed",
        "initial_load_duration",
        "refresh_duration",
    ]
    p95 = k6_percentile(INITIAL_LOAD_MS, 95)
    index = section.index("    initial_load_duration")
    assert section[index + 1] == f"    ✓ 'p(95)<3000' p(95)={format_plain(p95)}"
    index = section.index("    http_req_failed")
    rate = data["metrics"]["http_req_failed"]["values"]["rate"]
    assert section[index + 1] == f"    ✗ 'rate<0.01' rate={format_rate_percent(rate)}"
    index = section.index("    http_req_duration")
    p95_http = k6_percentile(run.http_durations, 95)
    assert section[index + 1] == f"    ✓ 'p(95)<2000' p(95)={format_duration(p95_http)}"
    assert section[index + 2] == ""


def test_a_threshold_percentile_outside_the_trend_stats_still_shows_its_value() -> None:
    run = seed_run()
    results = [
        ThresholdResult(threshold("http_req_duration", "p(99)<1500", "p(99)", "<", 1500), True, 1234.5)
    ]
    section = block(plain(seed_data(run, results=results)), "THRESHOLDS")
    assert "    ✓ 'p(99)<1500' p(99)=1.23s" in section


def test_counter_thresholds_show_count_or_rate() -> None:
    run = seed_run()
    results = [
        ThresholdResult(threshold("api_calls", "count>10", "count", ">", 10), True, run.api_calls),
        ThresholdResult(threshold("api_calls", "rate>1", "rate", ">", 1), True, run.api_calls / RUN_SECONDS),
    ]
    section = block(plain(seed_data(run, results=results)), "THRESHOLDS")
    assert section[section.index("    api_calls") + 1 :][:2] == [
        f"    ✓ 'count>10' count={format_plain(run.api_calls)}",
        f"    ✓ 'rate>1' rate={format_plain(run.api_calls / RUN_SECONDS)}/s",
    ]


def test_submetric_thresholds_are_nested_under_their_parent() -> None:
    key = "http_req_duration{group:::initial_load}"
    run = seed_run(track=[key])
    results = [
        ThresholdResult(threshold("http_req_duration", "p(95)<2000", "p(95)", "<", 2000), True, 1.0),
        ThresholdResult(threshold(key, "max<3000", "max", "<", 3000), True, 1.0),
    ]
    section = block(plain(seed_data(run, results=results)), "THRESHOLDS")
    parent = section.index("    http_req_duration")
    assert section[parent + 3] == "      {group:::initial_load}"
    assert section[parent + 4] == f"      ✓ 'max<3000' max={format_duration(max(run.initial_http_durations))}"


def test_total_results_checks_first_then_blocks_in_k6_order() -> None:
    lines = block(plain(seed_data(seed_run())), "TOTAL RESULTS")
    stripped = [line.strip() for line in lines]
    order = [
        stripped.index(next(s for s in stripped if s.startswith("checks_total."))),
        stripped.index(next(s for s in stripped if s.startswith("checks_succeeded."))),
        stripped.index(next(s for s in stripped if s.startswith("checks_failed."))),
        stripped.index("✓ events has body"),
        stripped.index("CUSTOM"),
        stripped.index("HTTP"),
        stripped.index("EXECUTION"),
        stripped.index("NETWORK"),
    ]
    assert order == sorted(order)


def test_checks_metrics_lines() -> None:
    run = seed_run()
    lines = block(plain(seed_data(run)), "TOTAL RESULTS")
    passes = sum(c[0] for c in run.check_counts.values())
    fails = sum(c[1] for c in run.check_counts.values())
    total = passes + fails
    assert re.search(
        rf": {total}\s+{format_plain(total / RUN_SECONDS)}/s$", metric_line(lines, "checks_total")
    )
    succeeded = metric_line(lines, "checks_succeeded")
    assert succeeded.endswith(f": {format_rate_percent(passes / total)} {passes} out of {total}")
    failed = metric_line(lines, "checks_failed")
    assert re.search(rf": {re.escape(format_rate_percent(fails / total))}\s+{fails} out of {total}$", failed)


def test_check_marks_and_the_failure_breakdown() -> None:
    run = seed_run()
    lines = block(plain(seed_data(run)), "TOTAL RESULTS")
    passes, fails = run.check_counts[("::initial_load", "events status 200")]
    index = lines.index("    ✗ events status 200")
    percent = 100 * passes // (passes + fails)
    assert lines[index + 1] == f"      ↳  {percent}% — ✓ {passes} / ✗ {fails}"
    assert "    ✓ refresh status 200" in lines
    assert "    ✓ tickets status 200" in lines


def test_checks_with_one_name_in_several_groups_are_merged() -> None:
    run = seed_run()
    data = seed_data(run)
    data["root_group"]["groups"][1]["checks"].append(
        {"name": "events has body", "path": "::refresh::events has body", "id": "x", "passes": 3, "fails": 2}
    )
    passes = run.check_counts[("::initial_load", "events has body")][0] + 3
    lines = plain(data)
    assert lines.count("    ✗ events has body") == 1
    index = lines.index("    ✗ events has body")
    assert lines[index + 1] == f"      ↳  {100 * passes // (passes + 2)}% — ✓ {passes} / ✗ 2"


def test_metric_rows_by_kind() -> None:
    run = seed_run()
    data = seed_data(run)
    lines = block(plain(data), "TOTAL RESULTS")
    api = metric_line(lines, "api_calls")
    assert re.search(
        rf": {format_plain(run.api_calls)}\s+{format_plain(run.api_calls / RUN_SECONDS)}/s$", api
    )
    errors = metric_line(lines, "dashboard_errors")
    rate = format_rate_percent(run.errors_true / run.errors_total)
    assert re.search(rf": {re.escape(rate)}\s+{run.errors_true} out of {run.errors_total}$", errors)
    assert re.search(r": 20\s+min=20\s+max=20\s*$", metric_line(lines, "vus"))
    received = metric_line(lines, "data_received")
    total, per_second = format_bytes(run.received), format_bytes(run.received / RUN_SECONDS)
    assert re.search(rf": {re.escape(total)}\s+{re.escape(per_second)}/s$", received)
    trend = metric_line(lines, "http_req_duration")
    fields = dict(pair.split("=", 1) for pair in trend.split(": ", 1)[1].split())
    assert list(fields) == ["avg", "min", "med", "max", "p(90)", "p(95)"]
    assert fields["max"] == format_duration(max(run.http_durations))
    assert fields["p(95)"] == format_duration(k6_percentile(run.http_durations, 95))
    assert fields["min"].endswith("ms")
    custom = metric_line(lines, "initial_load_duration")
    assert f"max={format_plain(max(INITIAL_LOAD_MS))}" in custom  # contains=default: no unit, as in k6


def test_submetrics_are_indented_braced_and_follow_their_parent() -> None:
    lines = block(plain(seed_data(seed_run())), "TOTAL RESULTS")
    parent = next(i for i, line in enumerate(lines) if line.startswith("    http_req_duration."))
    assert lines[parent + 1].startswith("      { expected_response:true }...")


def test_compact_mode_leaves_out_checks_group_duration_and_phase_timings() -> None:
    lines = block(plain(seed_data(seed_run())), "TOTAL RESULTS")
    text = "\n".join(lines)
    for name in ("checks", "group_duration", "http_req_waiting"):
        assert not re.search(rf"^\s+{name}\.", text, re.M), name


def test_colons_align_within_each_block() -> None:
    lines = block(plain(seed_data(seed_run())), "TOTAL RESULTS")
    rows = [line for line in lines if re.match(r"^\s+\S.*?\.{3,}:", line)]
    check_rows = [line for line in rows if line.strip().startswith("checks_")]
    metric_rows = [line for line in rows if line not in check_rows]
    assert len(check_rows) == 3 and len(metric_rows) > 8
    assert len({line.index(":") for line in check_rows}) == 1
    assert len({line.index(".:") for line in metric_rows}) == 1


def test_trend_stats_option_chooses_the_columns() -> None:
    data = seed_data(seed_run(), options=SummaryOptions(summary_trend_stats=("med", "p(99)", "count")))
    line = metric_line(block(plain(data), "TOTAL RESULTS"), "refresh_duration")
    assert [pair.split("=")[0] for pair in line.split(": ", 1)[1].split()] == ["med", "p(99)", "count"]
    assert line.split()[-1] == "count=10"


def test_summary_time_unit_fixes_the_unit() -> None:
    run = seed_run()
    data = seed_data(run, options=SummaryOptions(summary_time_unit="ms"))
    line = metric_line(block(plain(data), "TOTAL RESULTS"), "iteration_duration")
    shortest = min(load + refresh + 5000.0 for load, refresh in zip(INITIAL_LOAD_MS, REFRESH_MS, strict=True))
    assert " min=" + format_duration(shortest, "ms") + " " in line
    assert format_duration(shortest, "ms").endswith(".35ms")


def test_colours_only_when_asked() -> None:
    data = seed_data(seed_run())
    coloured = render_summary(data, color=True)
    assert "\x1b[32m✓\x1b[0m" in coloured
    assert "\x1b[31m✗\x1b[0m" in coloured
    assert "\x1b[31m✗ events status 200\x1b[0m" in coloured
    assert "\x1b[32m✓ refresh status 200\x1b[0m" in coloured
    assert "█ \x1b[1mTHRESHOLDS\x1b[0m" in coloured
    assert ANSI.sub("", coloured) == render_summary(data, color=False)


@pytest.mark.parametrize("warning", [None, ""])
def test_no_generator_line_without_a_warning(warning: str | None) -> None:
    data = seed_data(seed_run(), extras={"generator": {"warning": warning, "cpu_percent": 12.0}})
    assert "GENERATOR" not in render_summary(data, color=False)


def test_an_overloaded_generator_is_said_first_with_the_whole_runs_figures() -> None:
    data = seed_data(seed_run(), extras=generator_extras(overloaded=True))
    lines = plain(data)
    assert lines[2:6] == [
        "  █ GENERATOR ",
        "",
        "    ⚠ latencies include the generator's own delay: it was overloaded for 1.0 s of the run "
        "(worst 10 s: loop late 9.0% by 900 ms; CPU at most 95%); run fewer VUs per process",
        "      whole run: loop late 9% of the time (avg 900ms, max 900ms) · CPU 80%",
    ]
    assert lines[7] == "  █ THRESHOLDS "
    coloured = render_summary(data, color=True)
    assert "\x1b[1;31m⚠ latencies include the generator's own delay" in coloured


def test_a_generator_that_was_never_overloaded_adds_nothing() -> None:
    data = seed_data(seed_run(), extras=generator_extras(overloaded=False))
    text = render_summary(data, color=False)
    assert "GENERATOR" not in text
    assert "generator's own delay" not in text
    assert text == render_summary(seed_data(seed_run()), color=False)


def test_no_checks_section_when_no_check_ran() -> None:
    data = seed_data(seed_run())
    del data["metrics"]["checks"]
    lines = block(plain(data), "TOTAL RESULTS")
    assert not any("checks_total" in line for line in lines)
    assert lines[:2] == ["", "    CUSTOM"]


def test_no_thresholds_section_without_thresholds() -> None:
    lines = plain(seed_data(seed_run(), results=[]))
    assert lines[2] == "  █ TOTAL RESULTS "
