"""The generator watching itself: time-weighted lateness and CPU, the overload verdict and its warnings."""

from __future__ import annotations

import pytest

from dashtui.clock import FakeClock
from dashtui.engine.selfmon import (
    OVERLOAD_LATE_MS,
    GeneratorHealth,
    LoadFigures,
    LoadWindow,
    SelfMonitor,
    is_overloaded,
)


class Generator:
    """A SelfMonitor on an injected clock and CPU timer; `tick` is one sampling sleep, `late_ms` late."""

    def __init__(self, *, interval: float = 0.1, cpu_share: float = 0.3, window_s: float = 10.0) -> None:
        self.clock = FakeClock(start=0.0)
        self.cpu = 0.0
        self.cpu_share = cpu_share
        self.interval = interval
        self.monitor = SelfMonitor(
            self.clock, interval=interval, window_s=window_s, cpu_time=lambda: self.cpu
        )

    def tick(self, late_ms: float = 0.0) -> None:
        step = self.interval + late_ms / 1000.0
        self.clock.advance(step)
        self.cpu += step * self.cpu_share
        self.monitor.record(late_ms)

    def run(self, seconds: float, late_ms: float = 0.0) -> None:
        """Ticks for `seconds` of wall time, each waking `late_ms` late."""
        for _ in range(round(seconds / (self.interval + late_ms / 1000.0))):
            self.tick(late_ms)

    def health(self) -> GeneratorHealth:
        return self.monitor.health()


@pytest.mark.parametrize("interval", [0.01, 0.1, 0.5, 1.0])
def test_a_one_second_stall_in_ten_seconds_is_ten_percent_late_whatever_the_interval(interval: float) -> None:
    gen = Generator(interval=interval)
    gen.run(4.0)
    gen.tick(late_ms=1000.0 - interval * 1000.0)  # a sleep that should have taken one interval took 1 s
    gen.run(10.0 - gen.clock.now())
    health = gen.health()
    assert gen.clock.now() == pytest.approx(10.0)
    for figures in (health.window, health.whole_run):
        assert figures.late_share == pytest.approx(0.1 - interval / 10.0)
        assert figures.late_max_ms == pytest.approx(1000.0 - interval * 1000.0)
        assert figures.late_mean_ms == pytest.approx(1000.0 - interval * 1000.0)


def test_the_per_sample_percentile_hides_the_stall_the_time_weighted_share_shows() -> None:
    gen = Generator(interval=0.1)
    gen.run(5.0)
    gen.tick(late_ms=900.0)
    gen.run(4.0)
    health = gen.health()
    assert health.loop_lag_p95_ms == 0.0
    assert health.window.late_share == pytest.approx(0.09)
    assert health.overloaded


def test_lateness_is_weighed_by_time_not_by_count_of_samples() -> None:
    window = LoadWindow(0.0, 0.0, window_s=10.0)
    for i in range(1, 91):
        window.add_lateness(i * 0.1, 0.001)  # ninety ticks 1 ms late: 0.09 s
    window.add_lateness(10.0, 0.91)  # one stall: 0.91 s
    figures = window.window(10.0)
    assert figures.late_share == pytest.approx(0.1)
    assert figures.late_mean_ms == pytest.approx((90 * 1.0 * 0.001 + 910.0 * 0.91) / 1.0)
    assert figures.late_max_ms == pytest.approx(910.0)


def test_the_window_slides_and_clips_a_stall_across_its_start() -> None:
    window = LoadWindow(0.0, 0.0, window_s=10.0)
    window.add_lateness(3.0, 2.0)  # late from 1 s to 3 s
    assert window.window(10.0).late_share == pytest.approx(0.2)
    assert window.window(12.0).late_share == pytest.approx(0.1)  # [2, 12] holds 1 s of it
    assert window.window(12.0).late_mean_ms == pytest.approx(2000.0)
    window.add_lateness(14.0, 0.0)
    assert window.window(14.0) == LoadFigures(span_s=10.0)
    assert window.whole_run(14.0).late_share == pytest.approx(2.0 / 14.0)
    assert window.whole_run(14.0).late_max_ms == pytest.approx(2000.0)


def test_a_young_run_counts_the_time_before_its_start_as_on_time() -> None:
    window = LoadWindow(100.0, 5.0, window_s=10.0)
    window.add_lateness(102.0, 0.5)
    window.add_cpu(102.0, 6.0)
    figures = window.window(102.0)
    assert figures.span_s == pytest.approx(2.0)
    assert figures.late_share == pytest.approx(0.05)
    assert figures.cpu_share == pytest.approx(0.5)


def test_a_start_up_hiccup_is_not_an_overload_a_start_up_stall_is() -> None:
    hiccup = Generator()
    hiccup.tick(late_ms=100.0)
    hiccup.run(5.0)
    assert not hiccup.health().was_overloaded
    stall = Generator()
    stall.tick(late_ms=700.0)
    stall.run(1.0)
    assert stall.health().overloaded


def test_cpu_share_over_the_window_and_the_whole_run() -> None:
    window = LoadWindow(0.0, 0.0, window_s=10.0)
    for second in range(1, 21):
        window.add_cpu(float(second), 0.5 * min(second, 10) + 1.0 * max(0, second - 10))
        if second == 15:
            assert window.window(15.0).cpu_share == pytest.approx(0.75)
    assert window.window(20.0).cpu_share == pytest.approx(1.0)
    assert window.whole_run(20.0).cpu_share == pytest.approx(0.75)


def test_cpu_at_the_window_start_is_interpolated_between_readings() -> None:
    window = LoadWindow(0.0, 0.0, window_s=10.0)
    window.add_cpu(4.0, 0.0)
    window.add_cpu(14.0, 10.0)  # busy from 4 s to 14 s
    assert window.window(14.0).cpu_share == pytest.approx(1.0)
    window.add_cpu(16.0, 10.0)  # idle since
    assert window.window(16.0).cpu_share == pytest.approx(0.8)


def test_a_calm_generator_is_not_overloaded() -> None:
    gen = Generator(cpu_share=0.3)
    gen.run(5.0, late_ms=0.5)
    health = gen.health()
    assert health.cpu_percent_avg == pytest.approx(30.0)
    assert health.window.cpu_share == pytest.approx(0.3)
    assert not health.overloaded and not health.was_overloaded
    assert health.warning == health.run_warning == ""
    assert health.to_dict()["warning"] == ""
    assert health.to_dict()["overloaded"] is False


def test_late_on_little_cpu_says_something_else_delays_the_loop() -> None:
    starved = Generator(cpu_share=0.2)
    starved.run(10.0, late_ms=30.0)
    assert starved.health().overloaded
    assert "its own CPU was only 20%: other processes on this machine" in starved.health().warning
    assert "its own CPU was only 20%" in starved.health().run_warning
    busy = Generator(cpu_share=0.95)
    busy.run(10.0, late_ms=30.0)
    assert "its own CPU" not in busy.health().warning + busy.health().run_warning


def test_steady_small_lateness_is_not_an_overload() -> None:
    gen = Generator()
    gen.run(20.0, late_ms=OVERLOAD_LATE_MS * 0.8)  # late 7% of the time, but by 8 ms
    assert gen.health().window.late_share > 0.05
    assert not gen.health().overloaded


def test_cpu_near_a_whole_core_is_an_overload() -> None:
    gen = Generator(cpu_share=0.97)
    gen.run(5.0, late_ms=1.0)
    health = gen.health()
    assert health.overloaded
    assert "CPU 97%" in health.warning
    assert "latencies include the generator's own delay" in health.warning
    assert "fewer VUs per process" in health.warning


def test_no_verdict_before_the_window_covers_a_second() -> None:
    gen = Generator(cpu_share=1.0)
    gen.run(0.5)
    assert not gen.health().overloaded
    gen.run(0.6)
    assert gen.health().overloaded


def hover(gen: Generator, seconds: float) -> None:
    """Every fifth tick 20 ms late: ~4% of the time late by 20 ms, between the limits to leave and enter."""
    for _ in range(round(seconds / 0.52)):
        gen.run(0.4)
        gen.tick(late_ms=20.0)


def test_figures_between_the_limits_neither_enter_nor_leave_an_overload() -> None:
    fresh = Generator()
    hover(fresh, 20.0)
    assert 0.025 < fresh.health().window.late_share < 0.05
    assert not fresh.health().was_overloaded

    gen = Generator()
    gen.run(10.0, late_ms=25.0)  # 20% late by 25 ms
    assert gen.health().overloaded
    hover(gen, 20.0)
    health = gen.health()
    assert 0.025 < health.window.late_share < 0.05
    assert health.overloaded
    gen.run(10.0)
    health = gen.health()
    assert not health.overloaded
    assert health.warning == ""
    assert health.was_overloaded
    assert 31.0 < health.overloaded_s < 35.0  # from 1 s in until the window fell below 2.5%
    assert health.peak.late_share == pytest.approx(0.2, abs=0.01)
    assert health.run_warning.startswith(
        "latencies include the generator's own delay: it was overloaded for 3"
    )
    assert "fewer VUs per process" in health.run_warning


def test_entering_takes_the_higher_limit() -> None:
    calm = LoadFigures(span_s=10.0, late_share=0.04, late_mean_ms=50.0, cpu_share=0.85)
    assert not is_overloaded(calm, was=False)
    assert is_overloaded(calm, was=True)
    assert is_overloaded(LoadFigures(span_s=10.0, late_share=0.06, late_mean_ms=11.0), was=False)
    assert not is_overloaded(LoadFigures(span_s=10.0, late_share=0.02, late_mean_ms=50.0), was=True)


def test_to_dict_keeps_its_keys_and_adds_the_time_weighted_ones() -> None:
    gen = Generator()
    gen.run(9.0)
    gen.tick(late_ms=900.0)
    data = gen.health().to_dict()
    assert {"loop_lag_p95_ms", "loop_lag_max_ms", "cpu_percent", "warning"} <= set(data)
    assert data["loop_lag_max_ms"] == 900.0
    assert data["cpu_percent"] == pytest.approx(30.0)
    assert data["overloaded"] is True
    assert data["late_percent"] == pytest.approx(9.0)
    assert data["late_mean_ms"] == pytest.approx(900.0)
    assert data["late_percent_peak"] == pytest.approx(9.0)
    assert data["window_s"] == 10.0
    assert "latencies include the generator's own delay" in str(data["warning"])


def test_a_window_must_be_positive() -> None:
    with pytest.raises(ValueError, match="must be positive"):
        LoadWindow(0.0, 0.0, window_s=0.0)
