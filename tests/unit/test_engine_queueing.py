"""The generator's own queueing (socket read → VU resumes): collected per request, shown in its health."""

from __future__ import annotations

import pytest

from dashtui.engine.queueing import QueueingMeter
from dashtui.engine.selfmon import GeneratorHealth
from dashtui.report import render_summary

from .test_report_support import seed_data, seed_run


def test_meter_reports_count_average_p95_and_max() -> None:
    meter = QueueingMeter()
    assert meter.figures() == {"count": 0, "avg_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    for value in [1.0] * 19 + [41.0]:
        meter.add(value)
    figures = meter.figures()
    assert figures["count"] == 20
    assert figures["avg_ms"] == pytest.approx(3.0)
    assert figures["max_ms"] == 41.0
    assert figures["p95_ms"] == pytest.approx(1.0 + 0.05 * 40.0)


def test_health_adds_a_queueing_key_and_keeps_the_others() -> None:
    plain = GeneratorHealth(1.0, 2.0, 0.5, 30.0, 20.0)
    with_queueing = GeneratorHealth(1.0, 2.0, 0.5, 30.0, 20.0, queueing={"count": 3, "p95_ms": 4.0})
    assert "queueing" not in plain.to_dict()
    assert with_queueing.to_dict() == {**plain.to_dict(), "queueing": {"count": 3, "p95_ms": 4.0}}


def test_summary_generator_line_shows_the_queueing() -> None:
    extras = {
        "generator": {
            "warning": "latencies may include the generator's own delay",
            "cpu_percent": 97.0,
            "queueing": {"count": 10, "avg_ms": 3.0, "p95_ms": 12.5, "max_ms": 40.0},
        }
    }
    text = render_summary(seed_data(seed_run(), extras=extras), color=False)
    assert "whole run: CPU 97% · queueing p(95) 12.5ms" in text
