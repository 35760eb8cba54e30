"""Fault settings, latency distributions, seeded decisions, and what the REST path does with them."""

from __future__ import annotations

import random
import statistics

import pytest

from dashtui.demo import FaultError, Faults, LatencySpec

from .test_demo_support import body, call, small_app


@pytest.mark.parametrize(
    ("text", "kind", "params"),
    [
        ("0", "none", ()),
        ("none", "none", ()),
        ("50", "fixed", (50.0,)),
        ("50ms", "fixed", (50.0,)),
        ("fixed(12.5)", "fixed", (12.5,)),
        ("jitter(50,10)", "uniform", (40.0, 60.0)),
        ("uniform(10, 50)", "uniform", (10.0, 50.0)),
        ("normal(30,5)", "normal", (30.0, 5.0)),
        ("lognormal(20,0.5)", "lognormal", (20.0, 0.5)),
        ("choice(10:0.9,200:0.1)", "choice", (10.0, 200.0)),
    ],
)
def test_latency_specs_parse(text: str, kind: str, params: tuple[float, ...]) -> None:
    spec = LatencySpec.parse(text)
    assert (spec.kind, spec.params) == (kind, params)
    assert LatencySpec.parse(str(spec)) == spec


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fast", "latency 'fast' is not a latency spec"),
        ("uniform(5)", "uniform takes 2 number(s), got 1"),
        ("uniform(9,3)", "uniform(a,b) needs a <= b"),
        ("gamma(1,2)", "unknown distribution 'gamma'"),
        ("normal(a,1)", "'a' is not a number"),
        ("choice(10)", "'10' is not value:weight"),
        ("lognormal(0,1)", "lognormal needs a median > 0"),
        ("-5", "is not a latency spec"),
    ],
)
def test_bad_latency_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(FaultError, match=None) as info:
        LatencySpec.parse(text)
    assert message in str(info.value)


def _draws(spec: str, n: int, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    parsed = LatencySpec.parse(spec)
    return [parsed.sample(rng) for _ in range(n)]


def test_distributions_have_their_shape() -> None:
    uniform = _draws("uniform(10,50)", 20_000)
    assert min(uniform) >= 10 and max(uniform) <= 50
    assert statistics.median(uniform) == pytest.approx(30, abs=1)
    normal = _draws("normal(30,5)", 20_000)
    assert statistics.mean(normal) == pytest.approx(30, abs=0.3)
    assert statistics.stdev(normal) == pytest.approx(5, abs=0.3)
    lognormal = _draws("lognormal(20,0.5)", 20_000)
    assert statistics.median(lognormal) == pytest.approx(20, rel=0.05)
    choice = _draws("choice(10:0.9,200:0.1)", 20_000)
    assert set(choice) == {10.0, 200.0}
    assert choice.count(200.0) / len(choice) == pytest.approx(0.1, abs=0.01)


def test_the_same_seed_gives_the_same_draws() -> None:
    assert _draws("lognormal(20,0.5)", 100, seed=3) == _draws("lognormal(20,0.5)", 100, seed=3)
    assert _draws("lognormal(20,0.5)", 100, seed=3) != _draws("lognormal(20,0.5)", 100, seed=4)


def test_faults_update_validates_each_key() -> None:
    faults = Faults().updated({"latency": "uniform(5,15)", "error_rate": 0.25, "realtime_drop_after": 2})
    assert faults.to_dict()["latency"] == "uniform(5,15)"
    assert (faults.error_rate, faults.realtime_drop_after) == (0.25, 2.0)
    for changes, message in [
        ({"errors": 0.1}, "unknown fault 'errors'"),
        ({"error_rate": 1.5}, "error_rate: 1.5 is not a rate"),
        ({"error_rate": True}, "error_rate: True is not a rate"),
        ({"realtime_refuse_joins": "yes"}, "realtime_refuse_joins: 'yes' is not true or false"),
        ({"realtime_drop_after": -1}, "realtime_drop_after: -1 is not a duration"),
        ({"latency": [1]}, "latency: [1] is not a latency spec"),
        (
            {"latency_by_table": {"orders": "slow"}},
            "latency_by_table.orders: latency 'slow' is not a latency spec",
        ),
    ]:
        with pytest.raises(FaultError) as info:
            Faults().updated(changes)
        assert message in str(info.value)


@pytest.mark.anyio
async def test_error_rate_one_answers_503_shaped_like_postgrest_and_is_counted() -> None:
    app = small_app(faults=Faults(error_rate=1.0))
    try:
        r = await call(app, "GET", "/rest/v1/events?limit=1")
        stats = app.stats_snapshot()
    finally:
        app.close()
    assert r.status_code == 503
    assert body(r) == {
        "code": "PGRST001",
        "details": "injected by the dashtui stand-in (error_rate)",
        "hint": None,
        "message": "Database client error. Retrying the connection.",
    }
    assert stats["faults"]["errors"] == 1
    assert stats["by_table"] == {"events": {"503": 1}}
    assert stats["failed"] == 1


@pytest.mark.anyio
async def test_the_error_sequence_is_reproducible_and_matches_the_rate() -> None:
    async def statuses() -> list[int]:
        app = small_app(faults=Faults(error_rate=0.3), seed=11)
        try:
            return [
                (await call(app, "GET", "/rest/v1/events?select=id&limit=1")).status_code for _ in range(200)
            ]
        finally:
            app.close()

    first, second = await statuses(), await statuses()
    assert first == second
    assert first.count(503) / len(first) == pytest.approx(0.3, abs=0.08)


@pytest.mark.anyio
async def test_injected_latency_is_recorded_and_per_table_overrides_apply() -> None:
    faults = Faults().updated({"latency": "2", "latency_by_table": {"orders": "5"}})
    app = small_app(faults=faults)
    try:
        await call(app, "GET", "/rest/v1/events?limit=1")
        await call(app, "GET", "/rest/v1/orders?limit=1")
        stats = app.stats_snapshot()
    finally:
        app.close()
    drawn, held = stats["drawn_latency_ms"], stats["injected_latency_ms"]
    assert drawn["count"] == held["count"] == 2
    assert (drawn["p50"], drawn["max"]) == (3.5, 5.0)
    assert held["p50"] >= 3.5 and held["max"] >= 5.0


@pytest.mark.anyio
async def test_faults_do_not_touch_the_admin_api() -> None:
    app = small_app(faults=Faults(error_rate=1.0))
    try:
        r = await call(app, "GET", "/admin/v1/faults", role="service")
    finally:
        app.close()
    assert r.status_code == 200
    assert body(r)["error_rate"] == 1.0
