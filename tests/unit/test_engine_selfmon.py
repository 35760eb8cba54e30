"""The generator watching itself: loop lag and CPU, and the warning when they distort latencies."""

from __future__ import annotations

import pytest

from dashtui.clock import FakeClock
from dashtui.engine.selfmon import SelfMonitor


def _monitor(cpu_per_second: float, lags: list[float]) -> SelfMonitor:
    clock = FakeClock()
    cpu = [0.0]

    def cpu_time() -> float:
        return cpu[0]

    monitor = SelfMonitor(clock, cpu_time=cpu_time)
    for lag in lags:
        clock.advance(0.1)
        cpu[0] += 0.1 * cpu_per_second
        monitor.record(lag)
    return monitor


def test_a_calm_generator_has_no_warning() -> None:
    health = _monitor(0.3, [0.5] * 50).health()
    assert health.cpu_percent_avg == pytest.approx(30.0)
    assert health.loop_lag_p95_ms == 0.5
    assert health.warning == ""
    assert health.to_dict()["warning"] == ""


def test_loop_lag_and_cpu_raise_the_warning() -> None:
    health = _monitor(0.97, [1.0] * 40 + [45.0] * 10).health()
    assert health.loop_lag_max_ms == 45.0
    assert "event-loop lag p95" in health.warning
    assert "generator CPU 97%" in health.warning
