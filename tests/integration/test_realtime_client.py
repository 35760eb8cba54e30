"""The Realtime client against scripted servers on 127.0.0.1: garbage, silence, channel errors, leaving."""

from __future__ import annotations

import json
import math
import socket
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from dashtui.clock import SystemClock
from dashtui.engine.context import RunContext
from dashtui.engine.realtime import Subscription
from dashtui.engine.vu import VU
from dashtui.scenario.model import RealtimeSpec

from .realtime_support import Recorder

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

Script = Callable[[ServerConnection, "Seen"], Awaitable[None]]
SUBSCRIBED = {"extension": "postgres_changes", "status": "ok", "message": "Subscribed to PostgreSQL"}
CHANGE = {"data": {"type": "INSERT", "table": "orders", "record": {"id": "r1"}, "commit_timestamp": None}}


class Seen:
    """What a scripted server received, across its connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.events: list[str] = []
        self.closed = anyio.Event()


def frame(topic: str, event: str, payload: dict[str, Any], ref: str | None = None) -> str:
    return json.dumps({"topic": topic, "event": event, "payload": payload, "ref": ref, "join_ref": None})


async def next_frame(ws: ServerConnection, seen: Seen) -> dict[str, Any]:
    message = json.loads(await ws.recv())
    seen.events.append(message["event"])
    return dict(message)


async def accept_join(ws: ServerConnection, seen: Seen, *, subscribe: bool = True) -> dict[str, Any]:
    join = await next_frame(ws, seen)
    assert join["event"] == "phx_join"
    await ws.send(frame(join["topic"], "phx_reply", {"status": "ok", "response": {}}, join["ref"]))
    if subscribe:
        await ws.send(frame(join["topic"], "system", SUBSCRIBED))
    return join


async def answer_until_closed(ws: ServerConnection, seen: Seen, *, heartbeats: bool = True) -> None:
    try:
        while True:
            message = await next_frame(ws, seen)
            if message["event"] == "heartbeat" and heartbeats:
                await ws.send(frame("phoenix", "phx_reply", {"status": "ok", "response": {}}, message["ref"]))
    except ConnectionClosed:
        seen.closed.set()


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[tuple[str, Seen]]:
    seen = Seen()

    async def handler(ws: ServerConnection) -> None:
        seen.connections += 1
        await script(ws, seen)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"http://127.0.0.1:{port}", seen


async def hold(base_url: str, until: float, **spec: Any) -> tuple[Subscription, Recorder, RunContext]:
    """One VU's subscription held until `until` seconds from now (math.inf: until cancelled)."""
    recorder = Recorder()
    clock = SystemClock()
    ctx = RunContext(
        clock=clock,
        sink=recorder,
        realtime_base_url=base_url,
        header_sets={"anon": {"apikey": "anon-key", "Authorization": "Bearer anon-key"}},
        secrets=("anon-key",),
    )
    vu = VU(1, ctx, scenario="s")
    config = {"changes": [{"table": "orders"}], **spec}
    subscription = Subscription(vu, RealtimeSpec.model_validate(config))
    try:
        await subscription.run(clock.now() + until)
    finally:
        await vu.aclose()
    return subscription, recorder, ctx


async def test_garbage_frames_are_counted_and_the_subscription_stays_up() -> None:
    async def script(ws: ServerConnection, seen: Seen) -> None:
        join = await accept_join(ws, seen)
        for garbage in ("not json", b"\x00\x01", "[1, 2]", '{"event": "x"}'):
            await ws.send(garbage)
        await ws.send(frame(join["topic"], "postgres_changes", {"ids": [1]}))
        await ws.send(frame(join["topic"], "postgres_changes", CHANGE))
        await answer_until_closed(ws, seen)

    async with scripted(script) as (url, seen):
        with anyio.fail_after(5):
            subscription, recorder, _ = await hold(url, 0.8)
    assert dict(subscription.errors) == {"bad_frame": 5}
    assert subscription.subscribed == 1 and subscription.messages == 1
    assert recorder.values("realtime_subscriptions") == [1.0]
    assert recorder.values("realtime_messages") == [1.0]
    assert recorder.of("realtime_delivery_latency") == [], "no commit_timestamp, no latency"
    assert seen.connections == 1


async def test_answered_heartbeats_keep_the_socket() -> None:
    async def script(ws: ServerConnection, seen: Seen) -> None:
        await accept_join(ws, seen)
        await answer_until_closed(ws, seen)

    async with scripted(script) as (url, seen):
        with anyio.fail_after(5):
            subscription, _, _ = await hold(url, 1.1, heartbeat_interval=0.3)
        with anyio.fail_after(2):
            await seen.closed.wait()
    assert dict(subscription.errors) == {}
    assert Counter(seen.events)["heartbeat"] == 3
    assert seen.events[-1] == "phx_leave"
    assert seen.connections == 1


async def test_unanswered_heartbeat_is_a_heartbeat_timeout_and_a_new_socket() -> None:
    async def script(ws: ServerConnection, seen: Seen) -> None:
        await accept_join(ws, seen)
        await answer_until_closed(ws, seen, heartbeats=False)

    async with scripted(script) as (url, seen):
        with anyio.fail_after(5):
            # heartbeat at 0.3 s, unanswered at 0.6 s; reconnect 1 s later, at ~1.6 s; hold ends at 1.9 s
            subscription, recorder, _ = await hold(url, 1.9, heartbeat_interval=0.3)
    assert dict(subscription.errors) == {"heartbeat_timeout": 1}
    assert seen.connections == 2
    assert subscription.subscribed == 2
    assert recorder.values("realtime_subscriptions") == [1.0, 1.0]
    assert recorder.values("realtime_active") == [0.0, 1.0, 0.0, 1.0, 0.0]


async def test_channel_error_rejoins_on_the_same_socket_after_back_off() -> None:
    async def script(ws: ServerConnection, seen: Seen) -> None:
        join = await accept_join(ws, seen)
        await ws.send(frame(join["topic"], "phx_error", {}))
        await accept_join(ws, seen)
        await answer_until_closed(ws, seen)

    async with scripted(script) as (url, seen):
        with anyio.fail_after(5):
            subscription, recorder, _ = await hold(url, 1.6)
    assert dict(subscription.errors) == {"closed_by_server": 1}
    assert subscription.subscribed == 2
    assert seen.connections == 1
    assert seen.events.count("phx_join") == 2
    durations = [s.time for s in recorder.of("realtime_subscribe_duration")]
    assert durations[1] - durations[0] >= 1.0, "the rejoin waits for the 1 s back-off"


async def test_a_server_that_never_upgrades_is_refused_within_the_timeout() -> None:
    async def silent(stream: anyio.abc.SocketStream) -> None:
        await anyio.sleep(10)

    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    async with listener, anyio.create_task_group() as tg:
        tg.start_soon(listener.serve, silent)
        started = anyio.current_time()
        with anyio.fail_after(5):
            subscription, recorder, _ = await hold(f"http://127.0.0.1:{port}", 1.2, subscribe_timeout=0.4)
        elapsed = anyio.current_time() - started
        tg.cancel_scope.cancel()
    assert dict(subscription.errors) == {"refused": 1}
    assert recorder.values("realtime_subscriptions") == [0.0]
    assert 1.1 < elapsed < 2.0, "the hold ends on time, not at the back-off's end"


async def test_a_closed_port_is_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with anyio.fail_after(5):
        subscription, recorder, _ = await hold(f"http://127.0.0.1:{port}", 0.5)
    assert dict(subscription.errors) == {"refused": 1}
    assert recorder.failures[0].name == "realtime dashboard"


async def test_cancelling_the_vu_leaves_the_channel_and_closes_the_socket() -> None:
    async def script(ws: ServerConnection, seen: Seen) -> None:
        await accept_join(ws, seen)
        await answer_until_closed(ws, seen)

    async with scripted(script) as (url, seen):
        result: list[tuple[Subscription, Recorder, RunContext]] = []

        async def run() -> None:
            result.append(await hold(url, math.inf))

        with anyio.fail_after(5):
            async with anyio.create_task_group() as tg:
                tg.start_soon(run)
                while "phx_join" not in seen.events:
                    await anyio.sleep(0.01)
                tg.cancel_scope.cancel()
            await seen.closed.wait()
    assert seen.events == ["phx_join", "phx_leave"]
    assert result == [], "a cancelled hold does not return"


async def test_no_target_or_key_is_one_clear_error_then_idle() -> None:
    with anyio.fail_after(5):
        subscription, recorder, _ = await hold("", 0.3)
    assert dict(subscription.errors) == {"refused": 1}
    assert "SUPABASE_URL is not set" in recorder.failures[0].error


async def test_a_channel_without_postgres_changes_is_up_at_the_ok_reply() -> None:
    async def script(ws: ServerConnection, seen: Seen) -> None:
        await accept_join(ws, seen, subscribe=False)
        await answer_until_closed(ws, seen)

    async with scripted(script) as (url, _):
        with anyio.fail_after(5):
            without, _, _ = await hold(url, 0.4, changes=[])
            with_changes, _, _ = await hold(url, 0.4, subscribe_timeout=0.2)
    assert (without.subscribed, dict(without.errors)) == (1, {})
    assert (with_changes.subscribed, dict(with_changes.errors)) == (0, {"subscribe_timeout": 1})
