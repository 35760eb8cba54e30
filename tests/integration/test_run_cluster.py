"""`--cluster`: a real Dask cluster on 127.0.0.1 runs the dashboard preset; merged counts equal the served."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashtui.demo import StandInProcess, standin_process

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "13"]) as running:
        yield running


def test_a_dask_cluster_runs_the_dashboard_preset_and_merged_requests_equal_what_was_served(
    standin: StandInProcess, tmp_path: Path
) -> None:
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        standin.reset_stats()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")} | standin.env()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "dashtui",
                "--headless",
                "-q",
                "dashboard",
                "--vus",
                "2",
                "--duration",
                "2s",
            ]
            + ["--cluster", cluster.scheduler_address, "--out", "r.json"],
            env=env | {"CI": "true"},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=90,
            stdin=subprocess.DEVNULL,
        )
        assert result.returncode == 0, result.stderr
        dask_workers = {w["id"] for w in cluster.scheduler_info["workers"].values()}
    data = json.loads((tmp_path / "r.json").read_text())
    served = standin.stats()["requests"]
    assert data["metrics"]["http_reqs"]["values"]["count"] == served > 0
    workers = data["dashtui"]["workers"]
    assert [(w["name"], w["segment"], w["state"]) for w in workers] == [
        ("w1", "0:1/2", "done"),
        ("w2", "1/2:1", "done"),
    ]
    assert all(w["requests"] > 0 for w in workers), "each Dask worker ran its half of the VUs"
    assert sum(w["requests"] for w in workers) == served
    assert len(dask_workers) == 2
