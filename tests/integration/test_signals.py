"""Signals at every moment of a headless run, as real processes: exit 105, no traceback, reports written.

Each case waits for a readiness line on stderr (a checkpoint, or the first progress line) before it
signals; a checkpoint named in DASHTUI_PAUSE_AT holds the process there until the signal comes.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
PROGRESS = re.compile(r"running \(.*\), \d+/\d+ VUs")
ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][A-Z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07")


class Run:
    """A dashtui process whose stderr is read line by line, each wait bounded in time."""

    def __init__(self, args: list[str], cwd: Path, pause_at: str = "") -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")}
        env |= {"CI": "true", "DASHTUI_CHECKPOINTS": "1", "DASHTUI_PAUSE_AT": pause_at}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dashtui", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        self.stderr = ""
        self._pending = b""

    def wait_for(self, pattern: str | re.Pattern[str], timeout: float = 60.0) -> None:
        regex = re.compile(pattern) if isinstance(pattern, str) else pattern
        assert self.process.stderr is not None
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stderr, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if regex.search(self.stderr):
                    return
                if selector.select(timeout=0.5):
                    chunk = os.read(self.process.stderr.fileno(), 65536)
                    if not chunk:
                        break
                    self.stderr += chunk.decode("utf-8", "replace")
        raise AssertionError(f"{regex.pattern!r} never appeared on stderr: {self.stderr[-600:]!r}")

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def finish(self, timeout: float = 60.0) -> tuple[int, str, str]:
        try:
            out, err = self.process.communicate(timeout=timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(10)
        self.stderr += err.decode("utf-8", "replace")
        return self.process.returncode, out.decode("utf-8", "replace"), self.stderr


def _args(duration: str) -> list[str]:
    return ["--headless", "smoke", "--duration", duration, "--out", "report.json"]


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("moment", ["imports", "standin"])
def test_a_signal_before_the_run_exits_105_without_a_traceback(
    tmp_path: Path, signum: int, moment: str
) -> None:
    run = Run(_args("30s"), tmp_path, pause_at=moment)
    run.wait_for(f"checkpoint {moment}")
    run.signal(signum)
    code, out, err = run.finish()
    assert code == 105, err
    assert "Traceback" not in err
    assert f"{signal.Signals(signum).name} before the run started: stopped (exit 105)" in err
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_while_running_aborts_and_writes_every_report(tmp_path: Path, signum: int) -> None:
    run = Run([*_args("60s"), "--summary-export", "export.json"], tmp_path)
    run.wait_for(PROGRESS)
    run.signal(signum)
    code, out, err = run.finish()
    assert code == 105, err
    assert "Traceback" not in err
    assert "interrupted by signal (exit 105)" in err
    assert "TOTAL RESULTS" in out
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["dashtui"]["interrupted_by_signal"] is True
    assert report["state"]["testRunDurationMs"] < 30_000, "aborted at once, not after the 60 s"
    assert json.loads((tmp_path / "export.json").read_text())["metrics"]


def test_a_second_signal_exits_at_once_and_still_writes_the_report(tmp_path: Path) -> None:
    run = Run(_args("60s"), tmp_path)
    run.wait_for(PROGRESS)
    run.signal(signal.SIGINT)
    run.signal(signal.SIGTERM)
    code, out, err = run.finish()
    assert code == 105, err
    assert "Traceback" not in err
    assert json.loads((tmp_path / "report.json").read_text())["metrics"]


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_signals_during_the_standin_shutdown_exit_105_after_the_reports(tmp_path: Path, signum: int) -> None:
    run = Run(_args("1s"), tmp_path, pause_at="shutdown")
    run.wait_for("checkpoint shutdown")
    run.signal(signum)
    run.signal(signum)
    code, out, err = run.finish()
    assert code == 105, err
    assert "Traceback" not in err
    assert "TOTAL RESULTS" in out
    assert json.loads((tmp_path / "report.json").read_text())["metrics"]


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_the_console_stops_on_a_signal_as_headless_does(tmp_path: Path, signum: int) -> None:
    pexpect = pytest.importorskip("pexpect")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE") and k != "CI"}
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "dashtui", "smoke", "--duration", "60s", "--out", "report.json"],
        env=env,
        cwd=str(tmp_path),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=60,
    )
    raw = ""
    try:
        deadline = time.monotonic() + 60
        while "VUs 1/1" not in ESCAPES.sub("", raw) and time.monotonic() < deadline:
            try:
                raw += child.read_nonblocking(65536, timeout=0.5)
            except pexpect.TIMEOUT:
                continue
        assert "VUs 1/1" in ESCAPES.sub("", raw), raw[-400:]
        child.kill(signum)
        child.expect(pexpect.EOF, timeout=60)
        raw += child.before if isinstance(child.before, str) else ""
    finally:
        child.close(force=True)
    assert child.exitstatus == 105, raw[-500:]
    assert "Traceback" not in raw
    assert "\x1b[?1049l" in raw, "the console left the alternate screen"
    assert f"{signal.Signals(signum).name}: the run was stopped (exit 105)" in raw
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["dashtui"]["interrupted_by_signal"] is True
