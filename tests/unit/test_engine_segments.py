"""Executors under execution segments: the segments of a sequence together run what one process runs."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from dashtui.clock import SystemClock
from dashtui.engine.executors import RampingArrivalRateRun, RampingVUsRun, VUAllocator, _ArrivalRateRun
from dashtui.engine.runner import Engine
from dashtui.engine.schedule import arrival_offsets
from dashtui.metrics import Aggregator
from dashtui.scenario.model import PythonStep, Scenario, Stage
from dashtui.scenario.segments import ExecutionSegment, ExecutionSegmentSequence, ExecutionTuple
from dashtui.scenario.shares import describe_share, share_of
from dashtui.session import registry_for

from .engine_helpers import scenario

FLOW = [{"sleep": 0}]

SEQUENCES = ["0,1/5,1/2,1", "0,1/2,1", "0,1/3,2/3,1"]
"""Three unequal segments, two equal ones, and k6's thirds."""


def config_of(executor: dict[str, Any]) -> Any:
    return scenario(FLOW, executor=executor).scenarios["default"]


def tuples(sequence: str) -> list[ExecutionTuple]:
    parsed = ExecutionSegmentSequence.parse(sequence)
    return [ExecutionTuple.of(segment, parsed) for segment in parsed]


def everyone(sequence: str) -> list[ExecutionTuple]:
    """The whole run first, then each segment of the sequence."""
    return [ExecutionTuple.whole(), *tuples(sequence)]


def engine_for(sc: Scenario, et: ExecutionTuple) -> Engine:
    clock = SystemClock()
    return Engine(
        sc,
        sink=Aggregator(registry_for(sc), clock=clock),
        clock=clock,
        env={},
        transport_factory=lambda: httpx.MockTransport(lambda r: httpx.Response(200)),
        segment=et,
    )


def recording(executor: dict[str, Any], *, think: float = 0.0) -> tuple[Scenario, list[int]]:
    """A scenario whose flow records the id of the VU running each iteration, then sleeps `think`."""
    seen: list[int] = []

    async def note(vu: Any) -> None:
        seen.append(vu.id)

    sc = scenario([{"sleep": think}], executor=executor)
    flow = [PythonStep(call=note, name="note"), *(sc.flows["default"] if think else [])]
    return sc.model_copy(update={"flows": {"default": flow}}), seen


async def run_segments(executor: dict[str, Any], sequence: str) -> tuple[list[int], list[list[int]]]:
    """Iterations' VU ids of the whole run, then of each segment's run."""
    results = []
    for et in everyone(sequence):
        sc, seen = recording(executor)
        await engine_for(sc, et).run()
        results.append(seen)
    return results[0], results[1:]


# ------------------------------------------------------------------------------ shares, by arithmetic


@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize(
    "executor",
    [
        {"executor": "constant-vus", "vus": 7, "duration": "1s"},
        {"executor": "per-vu-iterations", "vus": 5, "iterations": 3},
        {"executor": "shared-iterations", "vus": 4, "iterations": 10},
        {"executor": "shared-iterations", "vus": 2, "iterations": 7},
        {"executor": "constant-arrival-rate", "rate": 7, "duration": "2s", "preAllocatedVUs": 3, "maxVUs": 8},
    ],
)
def test_vu_and_iteration_shares_add_up_to_the_whole(executor: dict[str, Any], sequence: str) -> None:
    config = scenario(FLOW, executor=executor).scenarios["default"]
    whole = share_of(config, ExecutionTuple.whole())
    shares = [share_of(config, et) for et in tuples(sequence)]
    assert sum(s.vus for s in shares) == whole.vus
    assert sum(s.max_vus for s in shares) == whole.max_vus
    if executor["executor"] == "per-vu-iterations":
        assert sum(s.vus * s.iterations for s in shares) == whole.vus * whole.iterations
    else:
        assert sum(s.iterations for s in shares) == whole.iterations
    assert all(s.iterations == 0 for s in shares if s.vus == 0)


def test_shared_iterations_pool_is_dealt_by_the_vu_shares_as_k6_describes_it() -> None:
    """k6 executors_test: 22 iterations among 12 VUs → 8/4, 7/4 (thirds), 0/0 (last of thirteenths)."""
    config = config_of({"executor": "shared-iterations", "vus": 12, "iterations": 22})
    thirds = tuples("0,1/3,2/3,1")
    assert [(share_of(config, et).iterations, share_of(config, et).vus) for et in thirds[:2]] == [
        (8, 4),
        (7, 4),
    ]
    thirteenths = ExecutionSegmentSequence.equal(13)
    last = share_of(config, ExecutionTuple.of(thirteenths[12], thirteenths))
    assert (last.iterations, last.vus, last.has_work) == (0, 0, False)


def test_arrival_rate_vus_scale_as_k6_requires() -> None:
    """k6 TestRampingArrivalRateActiveVUs_GetExecutionRequirements: 1 or 100 of 4000 on a quarter."""
    quarter = ExecutionTuple.parse("0:1/4", "0,1/4,1/2,3/4,1")
    for pre, planned, unplanned in ((1, 1, 999), (100, 25, 975)):
        executor = {"executor": "constant-arrival-rate", "rate": 1, "duration": "1s"}
        config = scenario(FLOW, executor={**executor, "preAllocatedVUs": pre, "maxVUs": 4000}).scenarios[
            "default"
        ]
        share = share_of(config, quarter)
        assert (share.vus, share.max_vus - share.vus) == (planned, unplanned)


K6_CAL_STAGES = [Stage(duration=5, target=1), Stage(duration=1, target=1), Stage(duration=5, target=0)]


@pytest.mark.parametrize(
    ("segment", "sequence", "expected"),
    [
        (None, None, [3.162, 4.472, 5.5, 6.527, 7.837, 11.0]),
        ("0:1/3", None, [4.472, 7.837]),
        ("0:1/3", "0,1/3,1", [4.472, 7.837]),
        ("1/3:2/3", None, [4.472, 7.837]),
        ("2/3:1", None, [4.472, 7.837]),
        ("0:1/3", "0,1/3,2/3,1", [3.162, 6.527]),
        ("1/3:2/3", "0,1/3,2/3,1", [4.472, 7.837]),
        ("2/3:1", "0,1/3,2/3,1", [5.5, 11.0]),
    ],
)
def test_ramping_arrival_rate_starts_as_k6s_cal(
    segment: str | None, sequence: str | None, expected: list[float]
) -> None:
    """k6 TestRampingArrivalRateCal, with k6's expected times."""
    et = ExecutionTuple.of(
        ExecutionSegment.parse(segment) if segment else None,
        ExecutionSegmentSequence.parse(sequence) if sequence else None,
    )
    items = None if et.is_whole else et.items()
    offsets = list(arrival_offsets(0, K6_CAL_STAGES, 1.0, items, first_at_zero=False))
    assert offsets == pytest.approx(expected, rel=1e-3)


def test_ramping_arrival_rate_three_times_as_fast_as_k6s_cal() -> None:
    offsets = list(arrival_offsets(0, K6_CAL_STAGES, 1 / 3, first_at_zero=False))
    expected = [1.825, 2.581, 3.162, 3.651, 4.082, 4.472, 4.830, 5.166, 5.499]
    expected += [5.833, 6.169, 6.527, 6.917, 7.348, 7.837, 8.418, 9.174, 10.999]
    assert offsets == pytest.approx(expected, rel=1e-3)


ARRIVALS = [
    {"executor": "constant-arrival-rate", "rate": 7, "duration": "3s", "preAllocatedVUs": 2, "maxVUs": 5},
    {
        "executor": "constant-arrival-rate",
        "rate": 3,
        "timeUnit": "2s",
        "duration": "9s",
        "preAllocatedVUs": 1,
    },
    {
        "executor": "ramping-arrival-rate",
        "startRate": 2,
        "stages": [
            {"duration": "3s", "target": 9},
            {"duration": "1s", "target": 9},
            {"duration": "2s", "target": 0},
        ],
        "preAllocatedVUs": 4,
        "maxVUs": 7,
    },
]


@pytest.mark.parametrize("sequence", SEQUENCES)
@pytest.mark.parametrize("executor", ARRIVALS)
def test_arrival_rate_segments_start_exactly_the_whole_runs_start_times(
    executor: dict[str, Any], sequence: str
) -> None:
    sc = scenario(FLOW, executor=executor)
    runs = [engine_for(sc, et).executors[0] for et in everyone(sequence)]
    assert all(isinstance(r, _ArrivalRateRun) for r in runs)
    whole, *parts = [list(r.offsets()) for r in runs if isinstance(r, _ArrivalRateRun)]
    assert len(whole) > 10
    assert sorted(o for part in parts for o in part) == whole
    assert sum(len(p) for p in parts) == len(whole)


def test_a_segment_without_max_vus_starts_no_iterations_and_the_others_start_them_all() -> None:
    executor = {"executor": "constant-arrival-rate", "rate": 10, "duration": "1s", "preAllocatedVUs": 1}
    sc = scenario(FLOW, executor=executor)
    whole, *parts = [engine_for(sc, et).executors[0] for et in everyone("0,1/2,1")]
    assert [p.share.has_work for p in parts] == [True, False]
    assert isinstance(parts[0], _ArrivalRateRun) and isinstance(whole, _ArrivalRateRun)
    assert list(parts[0].offsets()) == list(whole.offsets())


@pytest.mark.parametrize("sequence", SEQUENCES)
def test_ramping_vus_segments_follow_the_whole_runs_count_at_every_moment(sequence: str) -> None:
    executor = {
        "executor": "ramping-vus",
        "startVUs": 3,
        "stages": [
            {"duration": "2s", "target": 11},
            {"duration": "1s", "target": 11},
            {"duration": "3s", "target": 2},
        ],
    }
    sc = scenario(FLOW, executor=executor)
    whole, *parts = [engine_for(sc, et).executors[0] for et in everyone(sequence)]
    assert isinstance(whole, RampingVUsRun) and all(isinstance(p, RampingVUsRun) for p in parts)
    moments = [i * 0.01 for i in range(650)]
    for t in moments:
        assert sum(p.target(t) for p in parts if isinstance(p, RampingVUsRun)) == whole.target(t)
    assert whole.target(0) == 3 and whole.target(2.0) == 11


def test_a_segment_that_gets_nothing_finishes_at_once() -> None:
    sc = scenario(FLOW, executor={"executor": "constant-vus", "vus": 1, "duration": "1h"})
    engine = engine_for(sc, ExecutionTuple.parse("1/2:1", "0,1/2,1"))
    assert not engine.executors[0].share.has_work


def test_describe_share_names_this_segments_part() -> None:
    config = config_of({"executor": "shared-iterations", "vus": 12, "iterations": 22})
    text = describe_share(config, ExecutionTuple.parse("0:1/3", "0,1/3,2/3,1"))
    assert text == "this segment: 8 of 22 iterations, 4 of 12 VUs"


# --------------------------------------------------------------------------------- real engine runs


@pytest.mark.anyio
@pytest.mark.parametrize("sequence", SEQUENCES[:2])
async def test_per_vu_iterations_segments_run_the_whole_runs_iterations_with_disjoint_vu_ids(
    sequence: str,
) -> None:
    whole, parts = await run_segments({"executor": "per-vu-iterations", "vus": 5, "iterations": 3}, sequence)
    assert len(whole) == 15
    assert Counter(i for part in parts for i in part) == Counter(whole)
    ids = [set(part) for part in parts]
    assert sum(len(s) for s in ids) == len(set().union(*ids)) == 5


@pytest.mark.anyio
@pytest.mark.parametrize("sequence", SEQUENCES[:2])
async def test_shared_iterations_segments_run_the_pool_once_with_disjoint_vu_ids(sequence: str) -> None:
    whole, parts = await run_segments({"executor": "shared-iterations", "vus": 4, "iterations": 10}, sequence)
    assert len(whole) == 10
    assert sum(len(part) for part in parts) == 10
    ids = [set(part) for part in parts]
    assert sum(len(s) for s in ids) == len(set().union(*ids))
    assert set().union(*ids) <= set(range(1, 5))


@pytest.mark.anyio
async def test_constant_arrival_rate_segments_start_the_whole_runs_iterations() -> None:
    executor = {
        "executor": "constant-arrival-rate",
        "rate": 40,
        "duration": "0.3s",
        "preAllocatedVUs": 5,
        "gracefulStop": "1s",
    }
    whole, parts = await run_segments(executor, SEQUENCES[0])
    assert len(whole) == 12
    assert sum(len(part) for part in parts) == 12
    ids = [set(part) for part in parts]
    assert sum(len(s) for s in ids) == len(set().union(*ids))


@pytest.mark.anyio
async def test_constant_vus_segments_start_their_share_of_vus_with_ids_one_to_n() -> None:
    executor = {"executor": "constant-vus", "vus": 5, "duration": "0.1s", "gracefulStop": "1s"}
    ids = []
    for et in tuples(SEQUENCES[0]):
        sc, seen = recording(executor, think=0.02)
        engine = engine_for(sc, et)
        await engine.run()
        assert engine.progress().vus_max == len(set(seen)) == engine.executors[0].share.vus
        ids.append(set(seen))
    assert sum(len(s) for s in ids) == 5
    assert set().union(*ids) == {1, 2, 3, 4, 5}


def test_vu_ids_follow_the_segments_stripe() -> None:
    def first_ids(et: ExecutionTuple) -> list[int]:
        allocator = VUAllocator(et)
        return [allocator.new_id() for _ in range(3)]

    first, second = tuples("0,1/2,1")
    assert first_ids(first) == [1, 3, 5]
    assert first_ids(second) == [2, 4, 6]
    assert first_ids(ExecutionTuple.whole()) == [1, 2, 3]


def test_ramping_arrival_rate_executor_starts_as_k6s_cal() -> None:
    stages = [{"duration": f"{st.duration}s", "target": st.target} for st in K6_CAL_STAGES]
    executor = {"executor": "ramping-arrival-rate", "stages": stages, "preAllocatedVUs": 3}
    run = engine_for(scenario(FLOW, executor=executor), ExecutionTuple.whole()).executors[0]
    assert isinstance(run, RampingArrivalRateRun)
    assert list(run.offsets()) == pytest.approx([3.162, 4.472, 5.5, 6.527, 7.837, 11.0], rel=1e-3)
