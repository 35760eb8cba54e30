"""Headless overload warnings: a line when the overload starts, worsens markedly or clears; never a flood."""

from __future__ import annotations

import anyio
import pytest

from dashtui.cli.headless import OverloadNotifier, _warn_overload
from dashtui.engine.selfmon import GeneratorHealth, LoadFigures
from dashtui.run.protocol import Progress, RunStatus

from .test_engine_selfmon import Generator


def health(
    overloaded: bool, late_share: float = 0.0, late_ms: float = 0.0, cpu: float = 0.3
) -> GeneratorHealth:
    window = LoadFigures(span_s=10.0, late_share=late_share, late_mean_ms=late_ms, cpu_share=cpu)
    return GeneratorHealth(0.0, 0.0, 0.0, cpu * 100, cpu * 100, window=window, overloaded=overloaded)


def said(sequence: list[GeneratorHealth], every: float = 1.0) -> list[tuple[int, str]]:
    """The lines said for one health reading per `every` seconds, with the index of the reading."""
    notifier = OverloadNotifier()
    lines = [(i, notifier.update(h, i * every)) for i, h in enumerate(sequence)]
    return [(i, line) for i, line in lines if line is not None]


def test_nothing_is_said_while_the_generator_is_calm() -> None:
    assert said([health(False, 0.01, 2.0)] * 30) == []
    assert OverloadNotifier().update(None, 0.0) is None


def test_one_line_when_overload_starts_none_while_it_holds_one_when_it_clears() -> None:
    sequence = [health(False)] * 3 + [health(True, 0.2, 40.0)] * 20 + [health(False, 0.01, 2.0)] * 5
    lines = said(sequence)
    assert [i for i, _ in lines] == [3, 23]
    start, clear = lines[0][1], lines[1][1]
    assert start.startswith(
        "dashtui: WARNING generator overloaded (loop late 20.0% of the last 10 s by 40 ms"
    )
    assert "latencies include the generator's own delay" in start
    assert "fewer VUs per process" in start
    assert clear.startswith("dashtui: generator no longer overloaded (loop late 1.0% of the last 10 s")


def test_figures_that_wobble_within_an_overload_say_nothing_more() -> None:
    wobble = [
        health(True, share, ms) for share, ms in [(0.2, 40.0), (0.3, 60.0), (0.15, 30.0), (0.35, 70.0)] * 5
    ]
    assert [i for i, _ in said(wobble)] == [0]


def test_a_markedly_worse_overload_is_said_again_once() -> None:
    sequence = [
        health(True, 0.08, 20.0),
        health(True, 0.2, 25.0),
        health(True, 0.19, 25.0),
        health(True, 0.2, 30.0),
    ]
    lines = said(sequence, every=10.0)
    assert [i for i, _ in lines] == [0, 1]
    assert lines[1][1].startswith("dashtui: WARNING generator overload worse (loop late 20.0%")
    assert lines[1][1].endswith(
        "run fewer VUs per process (its own CPU was only 30%: other processes on this "
        "machine, or a step that blocks the loop, may be delaying it)"
    )


def test_longer_stalls_count_as_worse_and_the_bar_only_rises() -> None:
    sequence = [
        health(True, 0.1, 20.0),
        health(True, 0.1, 50.0),  # stalls more than doubled
        health(True, 0.1, 15.0),
        health(True, 0.1, 60.0),  # back up, but not double the 50 already said
        health(True, 0.1, 120.0),
    ]
    assert [i for i, _ in said(sequence, every=10.0)] == [0, 1, 4]


def test_a_window_filling_up_is_said_worse_at_most_once_a_window() -> None:
    ramp = [health(True, 0.03 * (i + 2), 300.0) for i in range(9)] + [health(True, 0.3, 300.0)] * 20
    lines = said(ramp)
    assert [i for i, _ in lines] == [0, 10]
    assert "worse (loop late 30.0% of the last 10 s by 300 ms" in lines[1][1]


def test_an_overload_by_cpu_alone_is_not_worse_for_a_tiny_lateness_doubling() -> None:
    sequence = [health(True, 0.001, 1.0, cpu=0.97), health(True, 0.004, 4.0, cpu=0.99)]
    assert [i for i, _ in said(sequence)] == [0]


def test_a_second_overload_after_clearing_is_said_again() -> None:
    sequence = [health(True, 0.2, 40.0), health(False), health(True, 0.2, 40.0)]
    assert [i for i, _ in said(sequence)] == [0, 1, 2]


def test_the_live_warning_driven_by_an_injected_clock_and_lag() -> None:
    """A monitor on a fake clock: calm, then the loop stalls 300 ms every second for 20 s, then calm again."""
    gen = Generator(interval=0.1)
    notifier = OverloadNotifier()
    lines: list[tuple[float, str]] = []

    def second(late_ms: float = 0.0) -> None:
        if late_ms:
            gen.tick(late_ms=late_ms)
        gen.run(1.0 - (0.1 + late_ms / 1000.0) if late_ms else 1.0)
        line = notifier.update(gen.health(), gen.clock.now())
        if line:
            lines.append((round(gen.clock.now()), line))

    for _ in range(10):
        second()
    for _ in range(20):
        second(late_ms=300.0)
    for _ in range(20):
        second()
    # on as the window passes 5% late; worse once, a window later, at 30%; off when the last stall leaves it
    assert [t for t, _ in lines] == [12, 22, 40]
    assert "WARNING generator overloaded (loop late 6.0% of the last 10 s by 300 ms" in lines[0][1]
    assert "WARNING generator overload worse (loop late 30.0% of the last 10 s by 300 ms" in lines[1][1]
    assert "no longer overloaded (loop late 0.0% of the last 10 s" in lines[2][1]


class _Run:
    """Just enough of a run for the warning task: a health reading per second."""

    def __init__(self, readings: list[GeneratorHealth]) -> None:
        self.readings = readings

    def progress(self) -> Progress:
        return Progress(0.0, 0.0, 0, 0, 0, 0, (), RunStatus(running=True), health=self.readings.pop(0))


@pytest.mark.anyio
async def test_the_warning_task_prints_each_line_once_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    run = _Run([health(False), health(True, 0.2, 40.0), health(True, 0.2, 40.0), health(False)])
    ticks = 0

    async def sleep(seconds: float) -> None:
        nonlocal ticks
        assert seconds == 1.0
        ticks += 1
        if ticks > 4:
            await anyio.sleep_forever()

    with anyio.move_on_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(_warn_overload, run, False, sleep)
            while ticks <= 4:
                await anyio.lowlevel.checkpoint()
            tg.cancel_scope.cancel()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0].startswith("dashtui: WARNING generator overloaded")
    assert err[1].startswith("dashtui: generator no longer overloaded")
