"""`--html`: one self-contained page (parsed by lxml), the whole-run series it charts, and no key in it."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from lxml import html as lxml_html

from dashtui.metrics.series import RunSeries, SeriesPoint
from dashtui.metrics.snapshot import WindowStats
from dashtui.report.html import render_html

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl"


def _data() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / "engine.summary.json").read_text(encoding="utf-8"))
    data["dashtui"]["endpoints"] = [
        {
            "name": "events <b>",
            "method": "GET",
            "requests": 10,
            "failed": 1,
            "error_rate": 0.1,
            "status_classes": {"2xx": 9, "5xx": 1},
            "duration": {"med": 40.0, "p(95)": 90.0, "p(99)": 120.0},
        }
    ]
    data["dashtui"]["generator"] = {"overloaded": False, "cpu_percent": 12.5, "loop_lag_p95_ms": 1.5}
    data["metrics"]["realtime_messages"] = {"type": "counter", "contains": "default", "values": {"count": 7}}
    return data


def _window(index: int, requests: int, vus: float = 5.0) -> WindowStats:
    return WindowStats(
        index=index,
        requests=requests,
        failed=requests // 10,
        p50=10.0,
        p95=20.0 + index,
        p99=30.0,
        max=40.0,
        vus=vus,
        iterations=1,
    )


def _series(seconds: int, limit: int = 1800) -> tuple[SeriesPoint, ...]:
    series = RunSeries(limit=limit)
    for i in range(seconds):
        series.add(_window(i, 10))
    return series.points()


def test_the_page_has_every_section_and_fetches_nothing() -> None:
    text = render_html(_data(), _series(60))
    page = lxml_html.fromstring(text)
    headings = [h.text_content() for h in page.iter("h2")]
    assert headings == [
        "Thresholds",
        "Over time",
        "Endpoints",
        "Checks",
        "Groups",
        "Realtime",
        "Generator health",
    ]
    assert page.find(".//span[@class='verdict failed']") is not None
    for element in page.iter():
        for attribute in ("src", "href", "srcset", "action", "data"):
            assert element.get(attribute) is None, (element.tag, attribute)
    assert page.findall(".//link") == [] and not re.search(r"url\(|@import", text)
    assert [s.get("type") for s in page.iter("script")] == ["application/json"]


def test_text_from_the_run_is_escaped() -> None:
    page = lxml_html.fromstring(render_html(_data(), _series(5)))
    assert page.findall(".//b") == [
        b for b in page.findall(".//b") if b.text_content() == "Generator overloaded:"
    ]
    cells = [td.text_content() for td in page.iter("td")]
    assert "events <b>" in cells


def test_charts_cover_the_whole_run_from_its_series() -> None:
    page = lxml_html.fromstring(render_html(_data(), _series(3000)))
    figures = page.findall(".//figure")
    assert [f.find("figcaption").text_content() for f in figures] == [
        "Requests per second",
        "Latency (http_req_duration)",
        "Errors (failed requests)",
        "VUs",
    ]
    rate_line = figures[0].find(".//polyline")
    points = rate_line.get("points").split()
    assert len(points) == 1500
    assert "One point per 2 s" in page.text_content()


def test_the_embedded_data_is_the_summary_data() -> None:
    data = _data()
    page = lxml_html.fromstring(render_html(data, ()))
    (script,) = page.iter("script")
    assert json.loads(script.text)["metrics"]["http_reqs"] == data["metrics"]["http_reqs"]


def test_the_whole_run_series_is_bounded_and_keeps_every_request() -> None:
    series = RunSeries(limit=100)
    total = 0
    for i in range(10_000):
        series.add(_window(i, i % 7))
        total += i % 7
        assert len(series.points()) <= 100
    points = series.points()
    assert sum(p.requests for p in points) == total
    assert points[0].start == 0 and points[-1].start + points[-1].width == 10_000
    assert all(a.start + a.width == b.start for a, b in zip(points, points[1:], strict=False))
    assert max(p.p95 for p in points) == 20.0 + 9_999


def test_no_key_in_the_page_written_through_the_ci_writer(tmp_path: Path) -> None:
    from dashtui.report.ci import CiOutputs, write_ci_reports

    data = _data()
    data["dashtui"]["endpoints"][0]["name"] = f"events?apikey={KEY}"
    data["root_group"]["checks"].append(
        {"name": "s3cr3t-value", "path": "x", "id": "x", "passes": 1, "fails": 0}
    )
    write_ci_reports(CiOutputs(html=tmp_path / "r.html"), data, _series(3), secrets=("s3cr3t-value",))
    text = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert KEY not in text and "s3cr3t-value" not in text and "[redacted]" in text


def test_the_coordinators_series_keeps_seconds_gone_from_the_live_windows() -> None:
    from dashtui.metrics.snapshot import Snapshot
    from dashtui.run.merge import Accumulator

    accumulator = Accumulator()
    for second in range(2000):
        delta = Snapshot.empty()
        accumulator.add("w1", replace(delta, elapsed=second + 1.0, windows=(_window(second, 3),)))
        accumulator.add("w2", replace(delta, elapsed=second + 1.0, windows=(_window(second, 2),)))
    assert len(accumulator.snapshot().windows) == 900
    points = accumulator.series()
    assert points[0].start == 0 and points[-1].start + points[-1].width == 2000
    assert sum(p.requests for p in points) == 2000 * 5
    assert max(p.vus for p in points) == 10.0
