"""A Python step that blocks the event loop does not keep the run from ending on time or from stopping."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

from .test_signals import Run

pytestmark = pytest.mark.integration

PRESET = '''
"""A step that holds the event loop (a synchronous sleep where `await anyio.sleep` was meant)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Mapping

from dashtui.engine.vu import VU
from dashtui.scenario import PythonStep, Scenario


def build(env: Mapping[str, str]) -> Scenario:
    base = env["SUPABASE_URL"]

    async def stuck(vu: VU) -> None:
        await vu.get(base + "/rest/v1/events?select=id&limit=1", name="events", auth="service")
        sys.stderr.write("step: blocking\\n")
        sys.stderr.flush()
        time.sleep(float(os.environ.get("BLOCK_SECONDS", "60")))

    return Scenario.model_validate(
        {
            "name": "stuck",
            "scenarios": {
                "one": {"executor": "constant-vus", "vus": 1, "duration": "2s", "gracefulStop": "1s"}
            },
            "flows": {"default": [PythonStep(call=stuck, name="stuck")]},
        }
    )
'''


def test_a_blocked_loop_ends_at_the_planned_end_plus_graceful_stop(tmp_path: Path) -> None:
    (tmp_path / "stuck.py").write_text(PRESET)
    run = Run(["--headless", "stuck.py", "--out", "report.json"], tmp_path)
    run.wait_for("step: blocking")
    code, out, err = run.finish(timeout=50)
    assert "Traceback" not in err
    assert "the run's time was up while a step held the event loop" in err
    assert "the run ends without that step (its iteration is interrupted)" in err
    assert code == 0, err
    report = json.loads((tmp_path / "report.json").read_text())
    assert "iterations" not in report["metrics"], "the stuck iteration is not complete"
    assert report["metrics"]["http_reqs"]["values"]["count"] == 1
    assert "TOTAL RESULTS" in out


def test_a_signal_during_a_blocked_step_still_ends_the_run_with_105(tmp_path: Path) -> None:
    (tmp_path / "stuck.py").write_text(PRESET.replace('"duration": "2s"', '"duration": "10m"'))
    run = Run(["--headless", "stuck.py", "--out", "report.json"], tmp_path)
    run.wait_for("step: blocking")
    run.signal(signal.SIGTERM)
    code, out, err = run.finish(timeout=50)
    assert code == 105, err
    assert "Traceback" not in err
    assert "SIGTERM came while a step held the event loop" in err
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["dashtui"]["interrupted_by_signal"] is True


def test_the_console_ends_a_blocked_loop_as_headless_does(tmp_path: Path) -> None:
    """Textual's own loop is held too: a watchdog thread writes the report, restores the terminal and
    exits with the run's code once the planned end plus gracefulStop has passed."""
    pexpect = pytest.importorskip("pexpect")
    (tmp_path / "stuck.py").write_text(PRESET)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE") and k != "CI"}
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "dashtui", "stuck.py", "--out", "report.json"],
        env=env,
        cwd=str(tmp_path),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=60,
    )
    try:
        child.expect(pexpect.EOF, timeout=60)
        raw = child.before if isinstance(child.before, str) else ""
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, raw[-800:]
    assert "Traceback" not in raw
    assert "\x1b[?1049l" in raw, "the console left the alternate screen"
    assert "the run's time was up while a step held the event loop" in raw
    report = json.loads((tmp_path / "report.json").read_text())
    assert "iterations" not in report["metrics"], "the stuck iteration is not complete"
    assert report["metrics"]["http_reqs"]["values"]["count"] == 1
