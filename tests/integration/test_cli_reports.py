"""Reports at the end of a headless run: a lost report is exit 103, the summary and the other report kept."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashtui.demo import StandInProcess, standin_process

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "5"]) as running:
        yield running


def _dashtui(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")} | env | {"CI": "true"}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "dashtui",
            "--headless",
            "dashboard",
            "--vus",
            "1",
            "--iterations",
            "1",
            *args,
        ],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


def _device(path: Path, minor: int) -> Path:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
    except PermissionError:
        pytest.skip("creating a device node with mknod needs root (CAP_MKNOD)")
    return path


def test_a_full_disk_for_one_report_keeps_the_other_and_the_summary(
    standin: StandInProcess, tmp_path: Path
) -> None:
    full = _device(tmp_path / "full", 7)
    result = _dashtui(["--out", str(full), "--summary-export", "export.json", "-q"], standin.env(), tmp_path)
    assert result.returncode == 103, result.stderr
    assert "Traceback" not in result.stderr
    assert "DASHBOARD LOAD TEST RESULTS" in result.stdout
    assert f"dashtui: error: --out {full}: could not write (No space left on device)\n" in result.stderr
    assert "dashtui: a report could not be written (exit 103)" in result.stderr
    export = json.loads((tmp_path / "export.json").read_text())
    assert export["metrics"]["http_reqs"]["count"] > 0
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_device_node_as_out_is_written_through(standin: StandInProcess, tmp_path: Path) -> None:
    null = _device(tmp_path / "null", 3)
    result = _dashtui(["--out", str(null), "-q"], standin.env(), tmp_path)
    assert result.returncode == 0, result.stderr
    assert stat.S_ISCHR(os.stat(null).st_mode) and os.stat(null).st_rdev == os.makedev(1, 3)


def test_the_same_path_for_both_reports_is_refused_before_the_run(
    standin: StandInProcess, tmp_path: Path
) -> None:
    result = _dashtui(["--out", "r.json", "--summary-export", "./r.json"], standin.env(), tmp_path)
    assert result.returncode == 104
    assert result.stderr.strip().splitlines()[-1] == (
        "dashtui: error: --summary-export r.json: the same file as --out r.json; "
        "expected a different path for each report"
    )
    assert not (tmp_path / "r.json").exists()
