"""The HTML report opened in headless Chromium (Debian's package) over the DevTools protocol.

No console error, no request but the file itself, a screenshot at desktop and phone width (no sideways
scrolling on the phone), and a PDF print. Skipped, saying why, when Chromium is not installed (`make test`
installs it as root).
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from dashtui.metrics.series import RunSeries
from dashtui.metrics.snapshot import WindowStats
from dashtui.report.html import render_html

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
STARTUP_S = 30.0
EVENT_LIMIT = 2000


class DevTools:
    """A flat-session DevTools connection to one page target."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.ids = itertools.count(1)
        self.events: list[dict[str, Any]] = []
        self.session = ""

    def call(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = True
    ) -> dict[str, Any]:
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        for _ in range(EVENT_LIMIT):
            reply = json.loads(self.socket.recv(timeout=30))
            if reply.get("id") == ident:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)
        raise AssertionError(f"{method}: no reply within {EVENT_LIMIT} messages")

    def wait_for(self, method: str) -> dict[str, Any]:
        for _ in range(EVENT_LIMIT):
            for event in self.events:
                if event.get("method") == method:
                    return event
            self.events.append(json.loads(self.socket.recv(timeout=30)))
        raise AssertionError(f"no {method} event")


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[DevTools]:
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (make test installs it when run as root)")
    profile = tempfile.mkdtemp(prefix="dashtui-chromium-")
    process = subprocess.Popen(
        [
            CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--remote-debugging-port=0", f"--user-data-dir={profile}", "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        url = None
        deadline = time.monotonic() + STARTUP_S
        assert process.stderr is not None
        while url is None and time.monotonic() < deadline:
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            url = found.group(1) if found else None
        if url is None:
            pytest.fail("chromium did not print its DevTools address")
        with connect(url, max_size=64 * 1024 * 1024) as socket:
            tools = DevTools(socket)
            target = tools.call("Target.createTarget", {"url": "about:blank"}, session=False)
            attached = tools.call(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False
            )
            tools.session = attached["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.call(f"{domain}.enable")
            yield tools
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def _report(tmp_path: Path) -> Path:
    data = json.loads((GOLDEN / "engine.summary.json").read_text(encoding="utf-8"))
    data["dashtui"]["endpoints"] = [
        {
            "name": "a-rather-long-endpoint-name-that-would-push-a-phone-screen-wide",
            "method": "GET",
            "requests": 10,
            "failed": 1,
            "error_rate": 0.1,
            "status_classes": {"2xx": 9, "5xx": 1},
            "duration": {"med": 40.0, "p(95)": 90.0, "p(99)": 120.0},
        }
    ]
    series = RunSeries()
    for i in range(300):
        series.add(
            WindowStats(
                index=i, requests=20 + i % 5, failed=i % 3, p50=30.0, p95=60.0 + i % 17, p99=90.0, max=99.0,
                vus=min(10, i // 10), iterations=2,
            )
        )  # fmt: skip
    path = tmp_path / "report.html"
    path.write_text(render_html(data, series.points()), encoding="utf-8")
    return path


def _screenshot(tools: DevTools, path: Path, width: int, mobile: bool) -> int:
    tools.call(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": mobile},
    )
    overflow = tools.call(
        "Runtime.evaluate",
        {"expression": "document.documentElement.scrollWidth - window.innerWidth", "returnByValue": True},
    )["result"]["value"]
    shot = tools.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
    path.write_bytes(base64.b64decode(shot["data"]))
    return int(overflow)


def test_the_report_opens_without_console_errors_or_requests(browser: DevTools, tmp_path: Path) -> None:
    report = _report(tmp_path)
    browser.call("Page.navigate", {"url": report.as_uri()})
    browser.wait_for("Page.loadEventFired")
    state = browser.call(
        "Runtime.evaluate",
        {
            "expression": "[document.readyState, document.querySelectorAll('svg polyline').length, "
            "document.querySelectorAll('h2').length]",
            "returnByValue": True,
        },
    )["result"]["value"]
    assert state == ["complete", 6, 5]
    desktop_overflow = _screenshot(browser, tmp_path / "desktop.png", 1200, False)
    phone_overflow = _screenshot(browser, tmp_path / "phone.png", 390, True)
    pdf = base64.b64decode(browser.call("Page.printToPDF", {"printBackground": False})["data"])

    requests = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requests == [report.as_uri()]
    problems = [
        e
        for e in browser.events
        if e.get("method") == "Runtime.exceptionThrown"
        or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] in ("error", "assert"))
        or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
    ]
    assert problems == []
    assert desktop_overflow <= 0 and phone_overflow <= 0
    for name in ("desktop.png", "phone.png"):
        image = (tmp_path / name).read_bytes()
        assert image.startswith(b"\x89PNG") and len(image) > 10_000
    assert pdf.startswith(b"%PDF")
