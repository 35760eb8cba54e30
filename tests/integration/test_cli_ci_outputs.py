"""One real headless run writing every CI output at once, as a GitHub Actions job would; each read back."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import junitparser
import pytest

from dashtui.demo import StandInProcess, standin_process

pytestmark = pytest.mark.integration

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "k6-samples"


@dataclass
class Run:
    result: subprocess.CompletedProcess[str]
    dir: Path
    secrets: list[str]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "5"]) as standin:
        standin.set_faults(error_rate=0.3)
        yield _run(standin, tmp_path_factory.mktemp("ci"))


def _run(standin: StandInProcess, where: Path) -> Run:
    (where / "step_summary.md").write_text("## build\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE", "GITHUB"))}
    env |= standin.env() | {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(where / "step_summary.md"),
    }
    args = [
        "--headless", "dashboard", "--vus", "3", "--duration", "3s",
        "--out", "summary.json", "--out", "json=samples.ndjson.gz", "--out", "csv=samples.csv",
        "--junit", "junit.xml", "--summary-markdown", "summary.md", "--html", "report.html",
    ]  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "dashtui", *args],
        env=env,
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    return Run(result, where, [standin.service_role_key, standin.anon_key])


def test_the_run_fails_its_thresholds_and_says_so_on_github(run: Run) -> None:
    assert run.result.returncode == 99, run.result.stderr
    errors = [line for line in run.result.stdout.splitlines() if line.startswith("::error ")]
    assert any("http_req_failed rate<0.01 failed: observed" in line for line in errors)
    summary = (run.dir / "step_summary.md").read_text(encoding="utf-8")
    assert summary.startswith("## build\n## dashtui load test: `dashboard`")
    assert "❌ **failed**" in summary and "### Endpoints" in summary
    assert (run.dir / "summary.md").read_text(encoding="utf-8") in summary


def test_junit_is_read_by_junitparser(run: Run) -> None:
    xml = junitparser.JUnitXml.fromfile(str(run.dir / "junit.xml"))
    suites = {suite.name: suite for suite in xml}
    assert suites["thresholds"].failures >= 1
    assert {"checks ::initial_load", "checks ::refresh"} <= set(suites)


def test_the_json_has_the_endpoint_table(run: Run) -> None:
    data = json.loads((run.dir / "summary.json").read_text(encoding="utf-8"))
    endpoints = {e["name"]: e for e in data["dashtui"]["endpoints"]}
    assert {"events", "tickets", "orders"} <= set(endpoints)
    assert sum(e["requests"] for e in endpoints.values()) == data["metrics"]["http_reqs"]["values"]["count"]
    assert sum(e["failed"] for e in endpoints.values()) > 0


def test_the_streams_hold_every_request_in_k6s_shapes(run: Run) -> None:
    data = json.loads((run.dir / "summary.json").read_text(encoding="utf-8"))
    requests = data["metrics"]["http_reqs"]["values"]["count"]
    with gzip.open(run.dir / "samples.ndjson.gz", "rt", encoding="utf-8") as handle:
        lines = [json.loads(line) for line in handle]
    points = [line for line in lines if line["type"] == "Point"]
    assert sum(1 for p in points if p["metric"] == "http_reqs") == requests
    k6_point = next(json.loads(x) for x in (SAMPLES / "seed-samples.ndjson").open() if '"Point"' in x)
    assert all(list(p) == list(k6_point) and list(p["data"]) == list(k6_point["data"]) for p in points)
    with open(run.dir / "samples.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    with open(SAMPLES / "seed-samples.csv", newline="") as handle:
        assert rows[0] == next(csv.reader(handle))
    assert sum(1 for r in rows[1:] if r[0] == "http_reqs") == requests
    assert sum(1 for r in rows[1:] if r[0] == "http_reqs" and r[6] == "false") > 0


def test_no_output_holds_a_key(run: Run) -> None:
    outputs = {"stdout": run.result.stdout, "stderr": run.result.stderr}
    for path in run.dir.iterdir():
        raw = path.read_bytes()
        outputs[path.name] = (gzip.decompress(raw) if path.name.endswith(".gz") else raw).decode("utf-8")
    assert len(outputs) == 9
    for name, text in outputs.items():
        for secret in run.secrets:
            assert secret not in text, name
