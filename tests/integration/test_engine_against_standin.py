"""The engine against the stand-in on 127.0.0.1: latency, error rate and counts agree with what it served."""

from __future__ import annotations

import statistics
from collections.abc import Iterator

import pytest

from dashtui.demo import StandInProcess, standin_process
from dashtui.run.protocol import RunOutcome
from dashtui.scenario.model import Scenario
from dashtui.session import Session

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "7"]) as running:
        yield running


def _scenario(standin: StandInProcess, *, iterations: int, vus: int = 4) -> Scenario:
    url = f"{standin.url}/rest/v1/events?select=id&limit=1"
    return Scenario.model_validate(
        {
            "name": "latency",
            "scenarios": {"s": {"executor": "shared-iterations", "vus": vus, "iterations": iterations}},
            "flows": {"default": [{"request": {"url": url, "name": "events", "auth": "service"}}]},
            "thresholds": {"http_req_failed": ["rate<0.5"]},
        }
    )


async def _run(standin: StandInProcess, sc: Scenario) -> RunOutcome:
    standin.reset_stats()
    return await Session(sc, env=standin.env(), target=standin.url, seed=1).run()


async def _latency_round(standin: StandInProcess) -> dict[int, tuple[float, float]]:
    """One run; for p50 and p95, (measured, expected) where expected = applied injection + request cost."""
    batch = [
        {"url": f"{standin.url}/rest/v1/events?select=id&limit=1", "name": "events", "auth": "service"},
        {"url": f"{standin.url}/rest/v1/orders?select=id&limit=1", "name": "orders", "auth": "service"},
    ]
    sc = Scenario.model_validate(
        {
            "name": "latency",
            "scenarios": {"s": {"executor": "shared-iterations", "vus": 4, "iterations": 100}},
            "flows": {"default": [{"batch": batch}]},
        }
    )
    outcome = await _run(standin, sc)
    injected = standin.stats()["injected_latency_ms"]
    events = outcome.snapshot.endpoints["events"].duration.digest
    assert events.count == injected["count"] == 100
    # the request's own cost is what `orders`, sent beside it in the same batches, measures
    cost = outcome.snapshot.endpoints["orders"].duration.digest.percentile(50)
    return {p: (events.percentile(p), injected[key] + cost) for p, key in ((50, "p50"), (95, "p95"))}


async def test_measured_latency_matches_the_injected_distribution(standin: StandInProcess) -> None:
    """Latency uniform(100,200) ms is injected on `events` only; the stand-in reports what it applied.

    The engine can never measure less than the server waited, and must not add a multiple of it (a
    phase counted twice, a sleep measured as latency). How close it comes is a figure of the bench
    scripts (bench/), not an assertion: this shared machine's scheduling would make a tight bound flaky.
    """
    standin.set_faults(latency="none", latency_by_table={"events": "uniform(100,200)"}, error_rate=0.0)
    try:
        rounds = [await _latency_round(standin) for _ in range(3)]
    finally:
        standin.set_faults(latency_by_table={})
    for p in (50, 95):
        measured = statistics.median(r[p][0] for r in rounds)
        expected = statistics.median(r[p][1] for r in rounds)
        assert expected * 0.98 <= measured <= expected * 1.5 + 20.0, (p, rounds)


async def test_failed_rate_and_counts_equal_what_the_standin_served(standin: StandInProcess) -> None:
    standin.set_faults(latency="none", error_rate=0.2)
    outcome = await _run(standin, _scenario(standin, iterations=300))
    served = standin.stats()
    standin.set_faults(error_rate=0.0)
    reqs = outcome.snapshot.values("http_reqs")
    failed = outcome.snapshot.data("http_req_failed")
    assert reqs is not None and failed is not None
    assert reqs["count"] == served["requests"] == 300
    assert served["faults"]["errors"] > 0
    assert outcome.snapshot.rate("http_req_failed") == served["faults"]["errors"] / served["requests"]
    assert outcome.snapshot.endpoints["events"].status_classes.get("5xx", 0) == served["faults"]["errors"]
    assert outcome.exit_code == 0


async def test_failing_threshold_exits_99_and_passing_exits_0(standin: StandInProcess) -> None:
    sc = _scenario(standin, iterations=50).model_copy(
        update={"thresholds": {"http_req_failed": ["rate<0.01"]}}
    )
    standin.set_faults(error_rate=0.3)
    failing = await _run(standin, sc)
    standin.set_faults(error_rate=0.0)
    passing = await _run(standin, sc)
    assert failing.exit_code == 99
    assert failing.reason == "thresholds failed"
    assert [r.ok for r in failing.results] == [False]
    assert passing.exit_code == 0


async def test_abort_on_fail_stops_the_run_early_with_99(standin: StandInProcess) -> None:
    url = f"{standin.url}/rest/v1/events?select=id&limit=1"
    sc = Scenario.model_validate(
        {
            "name": "abort",
            "scenarios": {"s": {"executor": "constant-vus", "vus": 2, "duration": "60s"}},
            "flows": {
                "default": [{"request": {"url": url, "name": "events", "auth": "service"}}, {"sleep": 0.05}]
            },
            "thresholds": {"http_req_failed": [{"threshold": "rate<0.01", "abortOnFail": True}]},
        }
    )
    standin.set_faults(error_rate=1.0)
    try:
        outcome = await _run(standin, sc)
    finally:
        standin.set_faults(error_rate=0.0)
    assert outcome.exit_code == 99
    assert outcome.reason.startswith("aborted by threshold http_req_failed")
    assert outcome.snapshot.elapsed < 10
