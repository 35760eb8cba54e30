"""`dashtui --headless` as CI runs it: exit codes, reports, signals, clear errors, no secrets in output."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashtui.demo import StandInProcess, standin_process

from .cli_support import run_dashtui

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "3"]) as running:
        yield running


def _secrets(standin: StandInProcess) -> list[str]:
    return [standin.service_role_key, standin.anon_key]


def test_dashboard_preset_passes_against_a_healthy_standin(standin: StandInProcess, tmp_path: Path) -> None:
    standin.set_faults(error_rate=0.0)
    result = run_dashtui(
        ["--headless", "dashboard", "--vus", "4", "--duration", "2s", "--summary-export", "export.json"],
        standin.env(),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "load-tests/results/dashboard-load-results.json").read_text())
    assert set(data) >= {"root_group", "options", "state", "metrics"}
    assert [g["name"] for g in data["root_group"]["groups"]] == ["initial_load", "refresh"]
    assert data["metrics"]["http_req_failed"]["thresholds"] == {"rate<0.01": {"ok": True}}
    assert data["metrics"]["initial_load_duration"]["values"]["p(99)"] > 0
    assert data["metrics"]["api_calls"]["values"]["count"] == data["metrics"]["http_reqs"]["values"]["count"]
    export = json.loads((tmp_path / "export.json").read_text())
    assert export["metrics"]["http_req_failed"]["thresholds"] == {"rate<0.01": False}
    assert "DASHBOARD LOAD TEST RESULTS" in result.stdout
    assert "Endpoints:         events, tickets, orders, vip_reservations, scan_logs" in result.stdout
    assert "Concurrent Viewers: 4 VUs" in result.stdout
    assert "PASS http_req_duration: p(95)<2000" in result.stdout
    assert "█ THRESHOLDS" in result.stdout
    banner = result.stderr.split("dashtui: plan for 'dashboard'", 1)[1]
    assert f"  target      {standin.url}" in banner
    assert "  scenarios   default: constant-vus, 4 VUs for 2s" in banner
    assert "http_req_duration p(95)<2000" in banner
    assert "load-tests/results/dashboard-load-results.json, export.json" in banner
    assert "--duration replaced the preset's scenarios (dashboard_viewers)" in banner
    for secret in _secrets(standin):
        assert secret not in result.stdout + result.stderr
        assert secret not in json.dumps(data)


def test_dashboard_preset_fails_with_99_against_5_percent_errors(
    standin: StandInProcess, tmp_path: Path
) -> None:
    standin.set_faults(error_rate=0.05)
    try:
        result = run_dashtui(
            ["--headless", "dashboard", "--vus", "20", "--duration", "2s", "--quiet"], standin.env(), tmp_path
        )
    finally:
        standin.set_faults(error_rate=0.0)
    assert result.returncode == 99, result.stderr
    assert "FAIL http_req_failed: rate<0.01" in result.stdout
    assert "thresholds failed (exit 99)" in result.stderr


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('name = "x"\nbogus = 1\n', "bogus"),
        (
            'name = "x"\n[scenarios.a]\nexecutor = "constant-vus"\nduration = "3 minutes"\n'
            '[[steps]]\nrequest = { url = "http://127.0.0.1:1/" }\n',
            "'3 minutes'",
        ),
        (
            'name = "x"\n[scenarios.a]\nexecutor = "constant-vus"\nduration = "1s"\n'
            '[[steps]]\nrequest = { url = "http://127.0.0.1:1/" }\n'
            '[thresholds]\nhttp_req_duration = ["p(95)<<3000"]\n',
            "p(95)<<3000",
        ),
        (
            'name = "x"\n[scenarios.a]\nexecutor = "constant-vus"\nduration = "1s"\n'
            '[[steps]]\nrequest = { url = "http://127.0.0.1:1/" }\n'
            '[thresholds]\nno_such_metric = ["count>0"]\n',
            "no_such_metric",
        ),
        (
            'name = "x"\n[scenarios.a]\nexecutor = "constant-vus"\nduration = "1s"\n'
            '[[steps]]\nrequest = { url = "${NOT_SET_ANYWHERE}/x" }\n',
            "NOT_SET_ANYWHERE",
        ),
    ],
)
def test_bad_config_is_a_clear_error_with_exit_104(
    standin: StandInProcess, tmp_path: Path, toml: str, message: str
) -> None:
    (tmp_path / "bad.toml").write_text(toml)
    result = run_dashtui(["--headless", "bad.toml"], standin.env(), tmp_path)
    assert result.returncode == 104
    assert "Traceback" not in result.stderr
    assert "bad.toml" in result.stderr
    assert message in result.stderr


def test_unwritable_output_is_reported_before_the_run(standin: StandInProcess, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    started = time.monotonic()
    result = run_dashtui(["--headless", "dashboard", "--out", "file/report.json"], standin.env(), tmp_path)
    assert result.returncode == 104
    assert "--out" in result.stderr and "file" in result.stderr
    assert time.monotonic() - started < 30
    assert standin.stats()["requests"] == 0 or "running" not in result.stderr


def test_sigint_stops_gracefully_writes_reports_and_exits_105(
    standin: StandInProcess, tmp_path: Path
) -> None:
    full_env = (
        {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")} | standin.env() | {"CI": "true"}
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashtui",
            "--headless",
            "dashboard",
            "--vus",
            "3",
            "--duration",
            "60s",
            "--out",
            "r.json",
        ],
        env=full_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    while line and not line.startswith("running"):
        line = process.stderr.readline()
    process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 105, stderr
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["metrics"]["http_reqs"]["values"]["count"] > 0
    assert data["dashtui"]["interrupted_by_signal"] is True
    assert "Traceback" not in stderr


def test_validate_prints_the_plan_and_sends_nothing(standin: StandInProcess, tmp_path: Path) -> None:
    standin.reset_stats()
    result = run_dashtui(["validate", "dashboard"], standin.env(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "initial_load" in result.stdout and "constant-vus" in result.stdout
    assert standin.stats()["requests"] == 0
    assert standin.service_role_key not in result.stdout


def test_python_preset_takes_the_event_id_from_a_response(standin: StandInProcess, tmp_path: Path) -> None:
    preset = Path(__file__).resolve().parents[2] / "presets" / "event-drilldown.py"
    standin.reset_stats()
    result = run_dashtui(
        ["--headless", str(preset), "--duration", "2s", "--out", "r.json"], standin.env(), tmp_path
    )
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "r.json").read_text())
    checks = {c["name"]: c for c in data["root_group"]["groups"][0]["checks"]}
    assert checks["newest event found"]["fails"] == 0
    assert checks["event tickets status 200"]["passes"] >= 1
    served = standin.stats()["by_table"]
    assert served["events"]["200"] >= 1
    assert served["tickets"]["200"] == served["events"]["200"], "one tickets read per event read"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def build(env):\n    raise RuntimeError('no events table')\n", "no events table"),
        ("def build(env:\n", "Python syntax error"),
    ],
)
def test_an_exception_in_a_python_preset_exits_107(
    standin: StandInProcess, tmp_path: Path, source: str, message: str
) -> None:
    (tmp_path / "broken.py").write_text(source)
    result = run_dashtui(["--headless", "broken.py"], standin.env(), tmp_path)
    assert result.returncode == 107
    assert "broken.py" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
