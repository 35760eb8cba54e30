"""GitHub Actions: the Markdown step summary (read by markdown-it-py), `::error::` lines, where they go."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from dashtui.report.ci import CiOutputs, write_ci_reports
from dashtui.report.markdown import github_annotations, render_markdown

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLW9mLXRoZS1rZXk"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "engine.summary.json").read_text(encoding="utf-8"))
    data["dashtui"]["preset"] = "dashboard"
    data["dashtui"]["endpoints"] = [
        {
            "name": "events",
            "method": "GET",
            "requests": 10,
            "failed": 1,
            "error_rate": 0.1,
            "status_classes": {"2xx": 9, "5xx": 1},
            "duration": {"med": 40.0, "p(95)": 90.0, "p(99)": 120.0},
        }
    ]
    data["dashtui"]["generator"] = {"overloaded": False, "cpu_percent": 12.5, "loop_lag_p95_ms": 1.5}
    return data


def _tables(markdown: str) -> dict[str, list[list[str]]]:
    """Each `###` section's table as rows of cell texts, parsed by markdown-it-py (GFM tables)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    tables: dict[str, list[list[str]]] = {}
    section = ""
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h3":
            section = tokens[i + 1].content
        elif token.type == "tr_open":
            row = []
        elif token.type == "inline" and row is not None:
            row.append(token.content)
        elif token.type == "tr_close" and row is not None:
            tables.setdefault(section, []).append(row)
            row = None
    return tables


def test_the_summary_has_the_verdict_and_the_sections_as_tables() -> None:
    markdown = render_markdown(_data())
    assert markdown.startswith("## dashtui load test: `dashboard`\n")
    assert "❌ **failed**: a threshold failed" in markdown
    tables = _tables(markdown)
    assert set(tables) == {"Thresholds", "Endpoints", "Checks", "Generator health"}
    thresholds = {(r[1], r[2]): (r[0], r[3]) for r in tables["Thresholds"][1:]}
    assert thresholds[("http_req_failed", "rate<0.1")] == ("❌", "10.00%")
    assert thresholds[("http_req_duration", "p(95)<500")] == ("✅", "96.53ms")
    assert tables["Endpoints"][1] == ["events", "GET", "10", "10.00%", "40ms", "90ms", "120ms", "2xx:9 5xx:1"]
    assert tables["Generator health"][1][:2] == ["no", "12.5%"]
    failed_checks = [r for r in tables["Checks"][1:] if r[0] == "❌"]
    assert failed_checks and all(int(r[4]) > 0 for r in failed_checks)


def test_a_pipe_in_a_check_name_stays_in_its_cell() -> None:
    data = _data()
    data["root_group"]["checks"].append(
        {"name": "a | b", "path": "::a | b", "id": "x", "passes": 1, "fails": 0}
    )
    rows = _tables(render_markdown(data))["Checks"]
    assert ["✅", "(root)", "a | b", "1", "0"] in rows


def test_one_error_line_per_failed_threshold_escaped_as_github_reads_them() -> None:
    lines = github_annotations(_data())
    failed = [t for t in _data()["dashtui"]["thresholds"] if t["ok"] is False]
    assert len(lines) == len(failed)
    assert (
        "::error title=threshold http_req_failed::http_req_failed rate<0.1 failed: observed 10.00%25" in lines
    )
    checks_line = next(line for line in lines if "checks{check" in line)
    assert checks_line.startswith("::error title=threshold checks{check%3Aevents 200}::")


def test_the_step_summary_is_appended_and_error_lines_go_to_stdout_only_on_actions(tmp_path: Path) -> None:
    summary = tmp_path / "step_summary.md"
    summary.write_text("## an earlier step\n", encoding="utf-8")
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true"}
    out = io.StringIO()
    written = write_ci_reports(CiOutputs.from_env(env), _data(), (), secrets=(), stdout=out)
    assert written.written == [str(summary)] and written.failed == []
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("## an earlier step\n## dashtui load test")
    assert out.getvalue().count("::error ") == 3
    quiet = io.StringIO()
    write_ci_reports(
        CiOutputs.from_env({"GITHUB_STEP_SUMMARY": str(summary)}), _data(), (), secrets=(), stdout=quiet
    )
    assert quiet.getvalue() == ""
    assert summary.read_text(encoding="utf-8").count("## dashtui load test") == 2


def test_summary_markdown_file_is_the_same_text(tmp_path: Path) -> None:
    target = tmp_path / "summary.md"
    write_ci_reports(CiOutputs(markdown=target), _data(), (), secrets=())
    assert target.read_text(encoding="utf-8") == render_markdown(_data())


def test_no_key_reaches_the_markdown_the_junit_or_the_error_lines(tmp_path: Path) -> None:
    data = _data()
    data["dashtui"]["endpoints"][0]["name"] = f"events?apikey={KEY}"
    data["root_group"]["checks"].append(
        {"name": f"token secret-value-1234 {KEY}", "path": "x", "id": "x", "passes": 0, "fails": 1}
    )
    data["dashtui"]["thresholds"][0]["metric"] = "http_req_duration{name:secret-value-1234}"
    data["dashtui"]["thresholds"][0]["ok"] = False
    out = io.StringIO()
    ci = CiOutputs(
        junit=tmp_path / "j.xml",
        markdown=tmp_path / "s.md",
        step_summary=tmp_path / "step.md",
        annotations=True,
    )
    write_ci_reports(ci, data, (), secrets=("secret-value-1234",), stdout=out)
    outputs = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} | {"stdout": out.getvalue()}
    for name, text in outputs.items():
        assert KEY not in text and "secret-value-1234" not in text, name
        assert "[redacted]" in text, name


def test_an_unwritable_file_is_one_line_and_the_others_are_written(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    err = io.StringIO()
    ci = CiOutputs(junit=blocker / "j.xml", markdown=tmp_path / "s.md")
    written = write_ci_reports(ci, _data(), (), secrets=(), stderr=err)
    assert written.written == [str(tmp_path / "s.md")] and len(written.failed) == 1
    assert err.getvalue().count("\n") == 1 and "--junit" in err.getvalue()
