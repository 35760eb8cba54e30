"""`--junit`: read back by junitparser (PyPI) and validated against the JUnit XSD in tests/fixtures/junit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import junitparser
import pytest
from lxml import etree

from dashtui.report.junit import render_junit

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
GOLDEN = Path(__file__).resolve().parent.parent / "golden"
SCHEMA = etree.XMLSchema(etree.parse(str(FIXTURES / "junit" / "junit.xsd")))


def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "engine.summary.json").read_text(encoding="utf-8"))
    return data


def _parse(text: str, tmp_path: Path) -> junitparser.JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return junitparser.JUnitXml.fromfile(str(path))


def _suites(xml: junitparser.JUnitXml) -> dict[str, junitparser.TestSuite]:
    return {suite.name: suite for suite in xml}


def assert_valid(text: str) -> None:
    document = etree.fromstring(text.encode("utf-8"))
    if not SCHEMA.validate(document):
        raise AssertionError(str(SCHEMA.error_log))


def test_the_document_is_valid_against_the_junit_schema() -> None:
    assert_valid(render_junit(_golden()))


def test_the_schema_rejects_a_suite_without_counts() -> None:
    bad = '<testsuites><testsuite name="x"><testcase name="a"/></testsuite></testsuites>'
    with pytest.raises(AssertionError, match="tests"):
        assert_valid(bad)


def test_thresholds_are_one_suite_with_the_failed_ones_carrying_the_observed_value(tmp_path: Path) -> None:
    data = _golden()
    suites = _suites(_parse(render_junit(data), tmp_path))
    thresholds = suites["thresholds"]
    expected = data["dashtui"]["thresholds"]
    assert thresholds.tests == len(expected)
    assert thresholds.failures == sum(1 for t in expected if t["ok"] is False)
    cases = {case.name: case for case in thresholds}
    failed = cases["http_req_failed: rate<0.1"]
    assert not failed.is_passed
    (failure,) = failed.result
    assert isinstance(failure, junitparser.Failure)
    assert failure.message == "http_req_failed rate<0.1 failed: observed 10.00%"
    checks_rate = cases["checks{check:events 200}: rate>0.9"].result[0]
    assert checks_rate.message.endswith("observed 66.66%")
    assert cases["http_req_duration: p(95)<500"].is_passed
    assert cases["http_req_duration: p(95)<500"].system_out == "observed 96.53ms"


def test_checks_are_one_suite_per_group_with_passes_and_fails_in_the_message(tmp_path: Path) -> None:
    data = _golden()
    suites = _suites(_parse(render_junit(data), tmp_path))
    check_suites = {name: suite for name, suite in suites.items() if name.startswith("checks")}
    expected: dict[str, dict[str, tuple[int, int]]] = {}

    def walk(group: dict[str, Any]) -> None:
        for check in group["checks"]:
            name = f"checks {group['path']}" if group["path"] else "checks"
            expected.setdefault(name, {})[check["name"]] = (check["passes"], check["fails"])
        for child in group["groups"]:
            walk(child)

    walk(data["root_group"])
    assert set(check_suites) == set(expected) and len(expected) >= 2
    for name, suite in check_suites.items():
        cases = {case.name: case for case in suite}
        assert set(cases) == set(expected[name])
        for check, (passes, fails) in expected[name].items():
            case = cases[check]
            text = f"{passes} passes, {fails} fails"
            if fails:
                assert not case.is_passed and case.result[0].message.startswith(text)
            else:
                assert case.is_passed and case.system_out.startswith(text)
        assert suite.failures == sum(1 for p, f in expected[name].values() if f)


def test_k6s_own_file_gives_threshold_verdicts_without_values(tmp_path: Path) -> None:
    data = json.loads((FIXTURES / "k6-samples" / "seed-handleSummary.json").read_text(encoding="utf-8"))
    text = render_junit(data)
    assert_valid(text)
    suites = _suites(_parse(text, tmp_path))
    names = {case.name for case in suites["thresholds"]}
    assert "http_req_duration: p(95)<2000" in names
    assert suites["thresholds"].failures == 0
    assert any(name.startswith("checks ::initial_load") for name in suites)


def test_a_run_interrupted_says_so_in_a_suite_property(tmp_path: Path) -> None:
    data = _golden()
    data["dashtui"]["interrupted_by_signal"] = True
    suites = _suites(_parse(render_junit(data), tmp_path))
    properties = {p.name: p.value for p in suites["thresholds"].properties()}
    assert properties["verdict"] == "interrupted"
