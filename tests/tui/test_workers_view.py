"""The header's worker line: shown for several workers or a lost one, with each worker's health."""

from __future__ import annotations

from dashtui.run.protocol import WorkerStatus
from dashtui.tui.views.workers import render_workers


def _worker(name: str, **kw: object) -> WorkerStatus:
    base: dict[str, object] = {"segment": "0:1/2", "state": "running", "vus": 10, "loop_lag_ms": 3.2}
    return WorkerStatus(name=name, **(base | kw))  # type: ignore[arg-type]


def test_a_single_healthy_worker_adds_no_line() -> None:
    assert render_workers(()) is None
    assert render_workers((_worker("w1"),)) is None


def test_each_worker_shows_vus_lag_cpu_contact_and_clock_offset() -> None:
    line = render_workers(
        (
            _worker("w1", cpu_percent=45.0, clock_offset_ms=0.4, last_contact_s=0.3),
            _worker("w2", vus=9, loop_lag_ms=0.2, last_contact_s=4.6),
        )
    )
    assert line is not None
    assert line.plain == (
        "workers 2: w1 10 VUs lag 3ms CPU 45% running +0.4ms · w2 9 VUs lag <1ms CPU 0% 5s ago +0.0ms"
    )


def test_a_lost_worker_is_shown_with_why_even_alone() -> None:
    line = render_workers((_worker("w1", state="lost", error="exited with code -9"),))
    assert line is not None
    assert line.plain == "workers 1: w1 LOST (exited with code -9)"
