"""Realtime subscriptions against the stand-in on 127.0.0.1: establishment, fan-out, latency, faults, 99."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import anyio
import pytest

from dashtui.clock import SystemClock
from dashtui.demo import StandIn, StandInConfig
from dashtui.engine.realtime import Subscription
from dashtui.engine.runner import Engine
from dashtui.engine.vu import VU
from dashtui.scenario.model import RealtimeSpec
from dashtui.session import EXIT_THRESHOLDS, Session

from .realtime_support import Recorder, env_for, insert, other_event_id, realtime_step, scenario

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with StandIn(StandInConfig(scale="small")) as server:
        yield server


class Kept:
    """A RealtimeHook that keeps each VU's Subscription, and every change each VU received."""

    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []
        self.received: dict[int, Counter[str]] = {}

    async def __call__(self, vu: VU, spec: RealtimeSpec) -> None:
        self.received.setdefault(vu.id, Counter())
        subscription = Subscription(vu, spec, on_change=self._changed)
        self.subscriptions.append(subscription)
        await subscription.hold()

    def _changed(self, vu: VU, data: Any) -> None:
        self.received[vu.id][str(data["record"]["id"])] += 1


def once_each(vus: int) -> dict[str, Any]:
    """`vus` VUs, each running one iteration (a subscription held for a set time)."""
    return {"viewers": {"executor": "per-vu-iterations", "vus": vus, "iterations": 1}}


async def run_held(standin: StandIn, vus: int, seconds: float, **spec: Any) -> tuple[Recorder, Kept]:
    flow = [realtime_step(standin.test_event_id, hold=seconds, **spec)]
    recorder, kept = Recorder(), Kept()
    engine = Engine(
        scenario(once_each(vus), {"default": flow}),
        sink=recorder,
        clock=SystemClock(),
        env=env_for(standin),
        realtime=kept,
    )
    with anyio.fail_after(seconds + 15):
        await engine.run()
    assert engine.ctx.realtime_active == 0
    return recorder, kept


async def test_every_vu_reaches_established_and_thresholds_pass(standin: StandIn) -> None:
    flow = [realtime_step(standin.test_event_id, hold="vu"), {"sleep": 0.1}]
    preset = scenario(
        {"viewers": {"executor": "constant-vus", "vus": 6, "duration": 1.5}},
        {"default": flow},
        {"realtime_subscriptions": ["rate>0.99"], "realtime_subscribe_duration": ["p(95)<1000"]},
    )
    session = Session(preset, env=env_for(standin), target=standin.url)
    with anyio.fail_after(20):
        outcome = await session.run()
    snapshot = outcome.snapshot
    assert outcome.exit_code == 0
    assert snapshot.values("realtime_subscriptions") == {"rate": 1.0, "passes": 6, "fails": 0}
    assert snapshot.values("realtime_active") == {"value": 0.0, "min": 0.0, "max": 6.0}
    connecting = snapshot.trend("realtime_connecting")
    assert connecting is not None and connecting.count == 6
    assert snapshot.values("realtime_errors") is None
    stats = standin.stats()["realtime"]
    assert stats["subscribed"] == 6
    assert stats["leaves"] == 6, "every VU leaves its channel when it stops"
    assert stats["active_connections"] == 0


async def test_rows_reach_each_matching_subscriber_exactly_once(standin: StandIn) -> None:
    event, other = standin.test_event_id, await other_event_id(standin)
    recorder, kept = Recorder(), Kept()
    preset = scenario(
        {
            "matching": {"executor": "constant-vus", "vus": 3, "duration": 30, "exec": "matching"},
            "others": {"executor": "constant-vus", "vus": 2, "duration": 30, "exec": "others"},
        },
        {
            "matching": [realtime_step(event, hold="vu"), {"sleep": 0.2}],
            "others": [realtime_step(other, hold="vu"), {"sleep": 0.2}],
        },
    )
    engine = Engine(preset, sink=recorder, clock=SystemClock(), env=env_for(standin), realtime=kept)
    sentinels: list[str] = []

    async def drive() -> None:
        with anyio.fail_after(10):
            while engine.ctx.realtime_active < 5:
                await anyio.sleep(0.02)
        orders = await insert(standin, "orders", [{"event_id": event, "total_amount": n} for n in (5, 6, 7)])
        scans = await insert(standin, "scan_logs", [{"event_id": event, "gate": g} for g in ("A", "B")])
        elsewhere = await insert(standin, "orders", [{"event_id": other, "total_amount": 9}])
        # Delivery is ordered per socket: once a VU has its sentinel, everything before it has arrived.
        sentinels.extend(
            await insert(standin, "scan_logs", [{"event_id": e, "gate": "Z"} for e in (event, other)])
        )
        with anyio.fail_after(10):
            while not all(any(s in got for s in sentinels) for got in kept.received.values()):
                await anyio.sleep(0.02)
        engine.stop(graceful=False)
        expected_matching = Counter([*orders, *scans, sentinels[0]])
        expected_others = Counter([*elsewhere, sentinels[1]])
        by_scenario = {s.vu.id: s.vu.scenario for s in kept.subscriptions}
        assert sorted(by_scenario.values()) == ["matching"] * 3 + ["others"] * 2
        for vu_id, got in kept.received.items():
            expected = expected_matching if by_scenario[vu_id] == "matching" else expected_others
            assert got == expected, f"VU {vu_id} ({by_scenario[vu_id]})"

    with anyio.fail_after(40):
        async with anyio.create_task_group() as tg:
            tg.start_soon(drive)
            await engine.run()
    assert len(recorder.of("realtime_messages", scenario="matching")) == 3 * 6
    assert len(recorder.of("realtime_messages", scenario="others")) == 2 * 2
    latencies = recorder.values("realtime_delivery_latency")
    assert len(latencies) == 3 * 6 + 2 * 2
    assert all(0 < ms < 2000 for ms in latencies), latencies
    assert recorder.reasons() == Counter()


async def test_delivery_latency_includes_the_servers_delay(standin: StandIn) -> None:
    standin.set_faults(realtime_delay="fixed(150)")
    recorder, kept = Recorder(), Kept()
    preset = scenario(
        {"viewers": {"executor": "constant-vus", "vus": 2, "duration": 30}},
        {"default": [realtime_step(standin.test_event_id, hold="vu"), {"sleep": 0.2}]},
    )
    engine = Engine(preset, sink=recorder, clock=SystemClock(), env=env_for(standin), realtime=kept)

    async def drive() -> None:
        with anyio.fail_after(10):
            while engine.ctx.realtime_active < 2:
                await anyio.sleep(0.02)
        rows = [{"event_id": standin.test_event_id, "total_amount": n} for n in range(3)]
        await insert(standin, "orders", rows)
        with anyio.fail_after(10):
            while sum(sum(c.values()) for c in kept.received.values()) < 6:
                await anyio.sleep(0.02)
        engine.stop(graceful=False)

    with anyio.fail_after(40):
        async with anyio.create_task_group() as tg:
            tg.start_soon(drive)
            await engine.run()
    latencies = recorder.values("realtime_delivery_latency")
    assert len(latencies) == 6
    # commit_timestamp has millisecond resolution, so a delivery can look up to 1 ms later than it was.
    assert all(150 <= ms < 1500 for ms in latencies), latencies


async def test_refused_joins_are_join_errors_retried_after_back_off(standin: StandIn) -> None:
    standin.set_faults(realtime_refuse_joins=True)
    recorder, kept = await run_held(standin, vus=3, seconds=2.5)
    # Joins at 0 s and, after the 1 s back-off, at ~1 s; the next (after 2 s more) is past the hold.
    assert [dict(s.errors) for s in kept.subscriptions] == [{"join_error": 2}] * 3
    assert recorder.reasons() == Counter({"join_error": 6})
    assert recorder.values("realtime_subscriptions") == [0.0] * 6
    assert standin.stats()["realtime"]["refused_joins"] == 6
    assert recorder.of("realtime_subscribe_duration") == []
    assert all("ClientJoinRateLimitReached" in f.error for f in recorder.failures)


async def test_dropped_connections_are_counted_and_resubscribed(standin: StandIn) -> None:
    standin.set_faults(realtime_drop_after=1.0)
    recorder, kept = await run_held(standin, vus=3, seconds=2.5)
    # Up at ~0 s, dropped at 1 s, reconnected after 1 s, up again; the next drop (3 s) is past the hold.
    assert [dict(s.errors) for s in kept.subscriptions] == [{"closed_by_server": 1}] * 3
    assert [s.subscribed for s in kept.subscriptions] == [2, 2, 2]
    assert recorder.reasons() == Counter({"closed_by_server": 3})
    assert recorder.values("realtime_subscriptions") == [1.0] * 6
    assert len(recorder.values("realtime_subscribe_duration")) == 6
    assert len(recorder.values("realtime_connecting")) == 6
    assert standin.stats()["realtime"]["dropped_by_fault"] == 3


async def test_never_subscribed_is_a_subscribe_timeout(standin: StandIn) -> None:
    standin.set_faults(realtime_never_subscribe=True)
    recorder, kept = await run_held(standin, vus=2, seconds=1.2, subscribe_timeout=0.5)
    assert [dict(s.errors) for s in kept.subscriptions] == [{"subscribe_timeout": 1}] * 2
    assert recorder.values("realtime_subscriptions") == [0.0] * 2
    assert standin.stats()["realtime"]["leaves"] == 2, "a timed-out join is left before rejoining"


async def test_wrong_key_is_an_upgrade_rejection(standin: StandIn) -> None:
    recorder = Recorder()
    engine = Engine(
        scenario(once_each(2), {"default": [realtime_step(standin.test_event_id, hold=0.5)]}),
        sink=recorder,
        clock=SystemClock(),
        env=env_for(standin, SUPABASE_ANON_KEY="not-the-anon-key"),
    )
    with anyio.fail_after(15):
        await engine.run()
    assert recorder.reasons() == Counter({"upgrade_rejected": 2})
    assert [f.status for f in recorder.failures] == [403, 403]
    assert all("not-the-anon-key" not in f.error for f in recorder.failures)
    assert standin.stats()["realtime"]["rejected_upgrades"] == 2


async def test_failing_realtime_thresholds_exit_99(standin: StandIn) -> None:
    standin.set_faults(realtime_refuse_joins=True)
    flow = [realtime_step(standin.test_event_id, hold="vu"), {"sleep": 0.1}]
    preset = scenario(
        {"viewers": {"executor": "constant-vus", "vus": 3, "duration": 1.5}},
        {"default": flow},
        {"realtime_subscriptions": ["rate>0.99"], "realtime_subscribe_duration": ["p(95)<1000"]},
    )
    session = Session(preset, env=env_for(standin), target=standin.url)
    with anyio.fail_after(20):
        outcome = await session.run()
    assert outcome.exit_code == EXIT_THRESHOLDS
    failed = {r.threshold.metric_key for r in outcome.results if r.failed}
    assert failed == {"realtime_subscriptions"}
    assert outcome.snapshot.values("realtime_errors")["count"] == 6  # type: ignore[index]
    by_reason = {k: d.parent for k, d in outcome.snapshot.metrics.items() if k.startswith("realtime_errors{")}
    assert by_reason == {"realtime_errors{reason:join_error}": "realtime_errors"}
    assert outcome.snapshot.values("realtime_errors{reason:join_error}")["count"] == 6  # type: ignore[index]
    assert "reason:join_error" in outcome.summary_text


async def test_a_vu_lifetime_subscription_inside_a_group_is_opened_once_per_vu(standin: StandIn) -> None:
    flow = [{"group": "live", "steps": [realtime_step(standin.test_event_id, hold="vu"), {"sleep": 0.1}]}]
    preset = scenario({"viewers": {"executor": "constant-vus", "vus": 3, "duration": 1.0}}, {"default": flow})
    with anyio.fail_after(20):
        outcome = await Session(preset, env=env_for(standin), target=standin.url).run()
    assert outcome.snapshot.values("realtime_subscriptions") == {"rate": 1.0, "passes": 3, "fails": 0}
    assert standin.stats()["realtime"]["subscribed"] == 3
