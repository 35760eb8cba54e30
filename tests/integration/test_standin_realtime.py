"""The official `realtime` Python client (and a raw WebSocket) against the stand-in on a real socket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import websockets
from realtime import AsyncRealtimeClient, RealtimeSubscribeStates

from dashtui.demo import Faults, StandIn, StandInConfig

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    with StandIn(StandInConfig(scale="small")) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults(standin: StandIn) -> Iterator[None]:
    yield
    standin.set_faults(Faults())


async def post(standin: StandIn, table: str, row: dict[str, Any]) -> None:
    headers = {"apikey": standin.anon_key}
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{standin.url}/rest/v1/{table}", json=row, headers=headers)
    assert response.status_code == 201, response.text


async def other_event(standin: StandIn) -> str:
    headers = {"apikey": standin.anon_key}
    url = f"{standin.url}/rest/v1/events?select=id&id=neq.{standin.test_event_id}&limit=1"
    async with httpx.AsyncClient() as client:
        response = await client.get(url, headers=headers)
    return str(response.json()[0]["id"])


async def test_subscribe_then_receive_only_matching_inserts(standin: StandIn) -> None:
    client = AsyncRealtimeClient(standin.realtime_url, token=standin.anon_key, auto_reconnect=False)
    changes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    system: asyncio.Queue[Any] = asyncio.Queue()
    states: list[RealtimeSubscribeStates] = []
    channel = client.channel("dashboard")
    channel.on_postgres_changes(
        "INSERT",
        lambda p: changes.put_nowait(dict(p)),
        table="orders",
        filter=f"event_id=eq.{standin.test_event_id}",
    )
    channel.on_system(system.put_nowait)
    try:
        await channel.subscribe(lambda state, _err: states.append(state))
        assert states == [RealtimeSubscribeStates.SUBSCRIBED]
        ready = await asyncio.wait_for(system.get(), 5)
        assert (ready.status, ready.message, ready.channel) == ("ok", "Subscribed to PostgreSQL", "dashboard")
        other = await other_event(standin)
        standin_event = standin.test_event_id
        await post(standin, "orders", {"event_id": other, "customer_email": "not-me@x"})
        await post(
            standin, "orders", {"event_id": standin_event, "customer_email": "me@x", "total_amount": 12}
        )
        change = await asyncio.wait_for(changes.get(), 5)
        record = change["data"]["record"]
        assert (record["customer_email"], record["event_id"], record["total_amount"]) == (
            "me@x",
            standin_event,
            12.0,
        )
        assert change["data"]["table"] == "orders"
        assert change["ids"] == [channel.postgres_changes_callbacks[0].id]
        await channel.unsubscribe()
    finally:
        await client.close()
    assert changes.empty()


async def test_box_office_rows_reach_a_subscriber() -> None:
    with StandIn(StandInConfig(scale="small", box_office_rate=50)) as running:
        client = AsyncRealtimeClient(running.realtime_url, token=running.anon_key, auto_reconnect=False)
        changes: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        channel = client.channel("live")
        channel.on_postgres_changes("*", lambda p: changes.put_nowait(dict(p)), table="scan_logs")
        try:
            await channel.subscribe()
            change = await asyncio.wait_for(changes.get(), 5)
        finally:
            await client.close()
        assert change["data"]["table"] == "scan_logs"
        assert running.stats()["box_office"]["scan_logs"] >= 1


async def test_a_wrong_key_is_refused_at_the_upgrade(standin: StandIn) -> None:
    url = f"{standin.realtime_url.replace('http', 'ws')}/websocket?apikey=wrong&vsn=1.0.0"
    with pytest.raises(websockets.InvalidStatus) as info:
        async with websockets.connect(url):
            pass
    assert info.value.response.status_code == 403


async def test_refused_joins_reach_the_client_as_a_channel_error(standin: StandIn) -> None:
    standin.set_faults(realtime_refuse_joins=True)
    client = AsyncRealtimeClient(standin.realtime_url, token=standin.anon_key, auto_reconnect=False)
    states: list[tuple[RealtimeSubscribeStates, Exception | None]] = []
    channel = client.channel("refused")
    channel.on_postgres_changes("*", lambda p: None, table="orders")
    try:
        await channel.subscribe(lambda state, err: states.append((state, err)))
    finally:
        await client.close()
    assert states[0][0] == RealtimeSubscribeStates.CHANNEL_ERROR
    assert "ClientJoinRateLimitReached" in str(states[0][1])


async def raw(standin: StandIn) -> Any:
    return websockets.connect(f"{standin.realtime_url}/websocket?apikey={standin.anon_key}&vsn=1.0.0")


async def test_garbage_frames_get_error_replies_and_the_socket_survives(standin: StandIn) -> None:
    async with await raw(standin) as ws:
        for frame in ("{{{", "[]", json.dumps({"event": 1}), b"\x00"):
            await ws.send(frame)
            answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert answer["event"] == "phx_reply"
            assert answer["payload"]["status"] == "error"
        await ws.send(json.dumps({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "1"}))
        answer = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert answer["payload"] == {"response": {}, "status": "ok"}


async def test_never_subscribe_leaves_the_client_without_the_system_push(standin: StandIn) -> None:
    standin.set_faults(realtime_never_subscribe=True)
    async with await raw(standin) as ws:
        config = {"postgres_changes": [{"event": "*", "schema": "public", "table": "orders"}]}
        await ws.send(
            json.dumps(
                {"topic": "realtime:x", "event": "phx_join", "payload": {"config": config}, "ref": "1"}
            )
        )
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["payload"]["status"] == "ok"
        await ws.send(json.dumps({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "2"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 5))["ref"] == "2"


async def test_drop_after_closes_sockets_from_the_server(standin: StandIn) -> None:
    standin.set_faults(realtime_drop_after=0.2)
    async with await raw(standin) as ws:
        with pytest.raises(websockets.ConnectionClosed) as info:
            await asyncio.wait_for(ws.recv(), 5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1001
    assert standin.stats()["realtime"]["dropped_by_fault"] >= 1


async def test_the_server_stops_cleanly_with_a_socket_open() -> None:
    running = StandIn(StandInConfig(scale="small")).start()
    async with await raw(running) as ws:
        await asyncio.to_thread(running.stop)
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
