"""The real console in a pseudo-terminal against the embedded stand-in: keys, screen, report, exit code."""

from __future__ import annotations

import json
import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pytest

pytestmark = pytest.mark.integration

ESCAPES = re.compile(r"\x1b\[[0-9;?<>=]*[A-Za-z~]|\x1b[()][A-Z0-9]|\x1b[=>]|\x1b\][^\x07]*\x07")


class Screen:
    """Reads a pty's output, drops escape codes, and waits (bounded) for text to appear."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.text = ""

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        start = len(self.text)
        while time.monotonic() < deadline:
            match = regex.search(self.text, max(0, start - 200))
            if match:
                return match
            try:
                self.text += ESCAPES.sub("", self.child.read_nonblocking(65536, timeout=0.5))
            except pexpect.TIMEOUT:
                continue
        raise AssertionError(f"{pattern!r} never appeared; last screen text: {self.text[-400:]!r}")


def test_console_runs_takes_keys_and_writes_the_report(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE") and k != "CI"}
    env["TERM"] = "xterm-256color"
    child = pexpect.spawn(
        sys.executable,
        ["-m", "dashtui", "smoke", "--duration", "6s", "--out", "report.json"],
        env=env,
        cwd=str(tmp_path),
        dimensions=(40, 120),
        encoding="utf-8",
        timeout=30,
    )
    try:
        screen = Screen(child)
        screen.wait_for(r"RUNNING")
        screen.wait_for(r"VUs 1/1")
        screen.wait_for(r"events")
        child.send("+")
        screen.wait_for(r"VUs 2/2")
        screen.wait_for(r"Run ended", timeout=90)
        child.send("q")
        child.expect(pexpect.EOF, timeout=30)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["metrics"]["http_reqs"]["values"]["count"] > 0
    assert [change["delta"] for change in report["dashtui"]["vu_changes"]] == [1]
