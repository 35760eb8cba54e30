"""The seed's k6 script, imported by `dashtui import k6`, runs headless against the stand-in and passes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashtui.demo import StandInProcess, standin_process

from .cli_support import run_dashtui

pytestmark = pytest.mark.integration

SEED = (
    Path(__file__).resolve().parent.parent
    / "fixtures"
    / "k6"
    / "load-tests"
    / "scenarios"
    / "dashboard-load.js"
)


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "5"]) as running:
        yield running


def test_the_imported_seed_runs_headless_and_passes(standin: StandInProcess, tmp_path: Path) -> None:
    standin.set_faults(error_rate=0.0)
    imported = run_dashtui(["import", "k6", str(SEED), "-o", "seed.toml"], {}, tmp_path)
    assert imported.returncode == 0, imported.stderr
    validated = run_dashtui(["validate", "seed.toml"], standin.env(), tmp_path)
    assert validated.returncode == 0, validated.stderr
    result = run_dashtui(
        ["--headless", "seed.toml", "--vus", "2", "--duration", "2s"], standin.env(), tmp_path
    )
    assert result.returncode == 0, result.stderr
    data = json.loads((tmp_path / "load-tests/results/dashboard-load-results.json").read_text())
    assert [g["name"] for g in data["root_group"]["groups"]] == ["initial_load", "refresh"]
    metrics = data["metrics"]
    assert metrics["http_req_failed"]["values"]["rate"] == 0
    assert metrics["api_calls"]["values"]["count"] == metrics["http_reqs"]["values"]["count"]
    assert metrics["dashboard_errors"]["thresholds"] == {"rate<0.01": {"ok": True}}
    assert "DASHBOARD LOAD TEST RESULTS" in result.stdout
    for secret in (standin.service_role_key, standin.anon_key):
        assert secret not in result.stdout + result.stderr
