"""Executors as k6 runs them: schedules, iteration counts, interruption, dropped iterations, controls."""

from __future__ import annotations

import anyio
import httpx
import pytest

from dashtui.clock import SystemClock
from dashtui.engine.runner import Engine
from dashtui.engine.schedule import arrival_offsets, ramping_vus_target
from dashtui.metrics import Aggregator
from dashtui.scenario.model import Stage
from dashtui.session import registry_for

from .engine_helpers import run, scenario

REQUEST = [{"request": {"url": "http://e.local/", "name": "e"}}]


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text="ok")


@pytest.mark.parametrize(
    ("start", "stages", "t", "expected"),
    [
        (0, [(10, 10)], 0.0, 0),
        (0, [(10, 10)], 0.99, 0),
        (0, [(10, 10)], 1.0, 1),
        (0, [(10, 10)], 5.5, 5),
        (0, [(10, 10)], 10.0, 10),
        (10, [(10, 0)], 1.0, 9),
        (10, [(10, 0)], 9.99, 1),
        (5, [(2, 5), (4, 1)], 1.0, 5),
        (5, [(2, 5), (4, 1)], 3.0, 4),
        (5, [(2, 5), (4, 1)], 100.0, 1),
    ],
)
def test_ramping_vus_steps_one_vu_at_a_time_as_k6(
    start: int, stages: list[tuple[float, int]], t: float, expected: int
) -> None:
    assert ramping_vus_target(start, [Stage(duration=d, target=v) for d, v in stages], t) == expected


def test_constant_arrival_rate_spaces_starts_evenly() -> None:
    offsets = list(arrival_offsets(5, [Stage(duration=2, target=5)], 1.0))
    assert offsets == pytest.approx([i * 0.2 for i in range(10)])


def test_arrival_rate_time_unit_scales_the_rate() -> None:
    offsets = list(arrival_offsets(30, [Stage(duration=4, target=30)], 60.0))
    assert offsets == pytest.approx([0.0, 2.0])


def test_ramping_arrival_rate_follows_the_integral_of_the_rate() -> None:
    offsets = list(arrival_offsets(0, [Stage(duration=4, target=4)], 1.0))
    assert len(offsets) == 8
    assert offsets[2] == pytest.approx(2.0)
    assert all(b > a for a, b in zip(offsets, offsets[1:], strict=False))


@pytest.mark.anyio
async def test_per_vu_iterations_runs_each_vu_its_count() -> None:
    sc = scenario(REQUEST, executor={"executor": "per-vu-iterations", "vus": 3, "iterations": 4})
    engine, snap = await run(sc, ok)
    assert snap.values("iterations")["count"] == 12  # type: ignore[index]
    assert engine.progress().complete == 12


@pytest.mark.anyio
async def test_shared_iterations_runs_the_pool_once() -> None:
    sc = scenario(REQUEST, executor={"executor": "shared-iterations", "vus": 4, "iterations": 10})
    _, snap = await run(sc, ok)
    assert snap.values("http_reqs")["count"] == 10  # type: ignore[index]


@pytest.mark.anyio
async def test_graceful_stop_interrupts_iterations_and_they_emit_no_iteration_samples() -> None:
    flow = [*REQUEST, {"sleep": 5}]
    sc = scenario(
        flow, executor={"executor": "constant-vus", "vus": 2, "duration": "0.2s", "gracefulStop": "0.1s"}
    )
    engine, snap = await run(sc, ok)
    assert engine.progress().interrupted == 2
    assert engine.progress().complete == 0
    assert snap.values("iterations") is None
    assert snap.values("http_reqs")["count"] == 2  # type: ignore[index]


@pytest.mark.anyio
async def test_running_iterations_finish_within_graceful_stop() -> None:
    flow = [*REQUEST, {"sleep": 0.3}]
    sc = scenario(
        flow, executor={"executor": "constant-vus", "vus": 2, "duration": "0.1s", "gracefulStop": "2s"}
    )
    engine, snap = await run(sc, ok)
    assert engine.progress().interrupted == 0
    assert snap.values("iterations")["count"] == 2  # type: ignore[index]


@pytest.mark.anyio
async def test_arrival_rate_drops_iterations_when_no_vu_is_free() -> None:
    flow = [*REQUEST, {"sleep": 1}]
    executor = {
        "executor": "constant-arrival-rate",
        "rate": 20,
        "duration": "0.5s",
        "preAllocatedVUs": 2,
        "maxVUs": 3,
        "gracefulStop": "2s",
    }
    engine, snap = await run(scenario(flow, executor=executor), ok)
    started = snap.values("http_reqs")["count"]  # type: ignore[index]
    dropped = snap.values("dropped_iterations")["count"]  # type: ignore[index]
    assert started == 3
    assert started + dropped == 10
    assert engine.progress().vus_max == 3


async def _controlled(
    sc_executor: dict[str, object], flow: list[dict[str, object]]
) -> tuple[Engine, Aggregator]:
    sc = scenario(flow, executor=sc_executor)
    clock = SystemClock()
    aggregator = Aggregator(registry_for(sc), clock=clock)
    engine = Engine(
        sc, sink=aggregator, clock=clock, env={}, transport_factory=lambda: httpx.MockTransport(ok)
    )
    return engine, aggregator


@pytest.mark.anyio
async def test_pause_stops_requests_and_resume_restarts_them() -> None:
    engine, aggregator = await _controlled(
        {"executor": "constant-vus", "vus": 2, "duration": "5s", "gracefulStop": "1s"},
        [*REQUEST, {"sleep": 0.01}],
    )

    def count() -> float:
        values = aggregator.snapshot().values("http_reqs")
        return values["count"] if values else 0.0

    async with anyio.create_task_group() as tg:
        tg.start_soon(engine.run)
        with anyio.fail_after(5):
            while count() < 5:
                await anyio.sleep(0.01)
        engine.pause()
        await anyio.sleep(0.05)
        paused_at = count()
        await anyio.sleep(0.2)
        assert count() == paused_at
        assert engine.progress().status.paused
        engine.resume()
        with anyio.fail_after(5):
            while count() < paused_at + 5:
                await anyio.sleep(0.01)
        engine.stop()
    assert not engine.progress().status.running


@pytest.mark.anyio
async def test_add_vus_changes_the_running_vu_count_and_is_recorded() -> None:
    engine, _ = await _controlled(
        {"executor": "constant-vus", "vus": 2, "duration": "5s", "gracefulStop": "1s"},
        [*REQUEST, {"sleep": 0.01}],
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(engine.run)
        with anyio.fail_after(5):
            while engine.progress().vus < 2:
                await anyio.sleep(0.01)
        assert engine.add_vus(3) == 5
        with anyio.fail_after(5):
            while engine.progress().vus < 5:
                await anyio.sleep(0.01)
        assert engine.add_vus(-10) == 0
        with anyio.fail_after(5):
            while engine.progress().vus > 0:
                await anyio.sleep(0.01)
        engine.stop()
    assert [delta for _, delta in engine.vu_changes] == [3, -5]


@pytest.mark.anyio
async def test_hard_stop_ends_the_run_at_once() -> None:
    engine, _ = await _controlled(
        {"executor": "constant-vus", "vus": 2, "duration": "60s", "gracefulStop": "30s"},
        [*REQUEST, {"sleep": 10}],
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(engine.run)
        with anyio.fail_after(5):
            while engine.progress().vus < 2:
                await anyio.sleep(0.01)
        await anyio.sleep(0.05)
        with anyio.fail_after(2):
            engine.stop(graceful=False)
            while engine.progress().status.running:
                await anyio.sleep(0.01)
    assert engine.progress().interrupted == 2


@pytest.mark.anyio
async def test_scenarios_start_at_their_start_time() -> None:
    sc = scenario(REQUEST)
    sc = sc.model_copy(
        update={
            "scenarios": {
                "first": sc.scenarios["default"],
                "later": sc.scenarios["default"].model_copy(update={"start_time": 0.3}),
            }
        }
    )
    engine, snap = await run(sc, ok)
    later = next(s for s in engine.progress().scenarios if s.name == "later")
    assert later.complete == 1
    assert engine.elapsed() >= 0.3


@pytest.mark.anyio
async def test_a_failing_python_step_ends_its_iteration_and_the_run_goes_on() -> None:
    from dashtui.scenario.model import PythonStep

    calls = 0

    async def flaky(vu: object) -> None:
        nonlocal calls
        calls += 1
        if calls % 2:
            raise RuntimeError("no event id in the response")

    sc = scenario(REQUEST, executor={"executor": "shared-iterations", "vus": 1, "iterations": 4})
    sc = sc.model_copy(
        update={"flows": {"default": [*sc.flows["default"], PythonStep(call=flaky, name="pick")]}}
    )
    engine, snap = await run(sc, ok)
    assert engine.progress().complete == 2
    assert engine.progress().interrupted == 2
    assert snap.values("http_reqs")["count"] == 4  # type: ignore[index]
    assert "no event id" in snap.failures[0].error


@pytest.mark.anyio
async def test_add_vus_says_why_when_no_scenario_allows_it() -> None:
    engine, _ = await _controlled(
        {"executor": "shared-iterations", "vus": 1, "iterations": 1}, [*REQUEST, {"sleep": 0.2}]
    )
    async with anyio.create_task_group() as tg:
        tg.start_soon(engine.run)
        await anyio.sleep(0.05)
        with pytest.raises(ValueError, match="constant-vus or ramping-vus.*shared-iterations"):
            engine.add_vus(1)
