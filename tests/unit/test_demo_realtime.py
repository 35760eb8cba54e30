"""Realtime's Phoenix protocol, driven through the ASGI WebSocket interface without a network."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from dashtui.demo import Faults, StandInApp
from dashtui.demo.realtime import parse_realtime_filter
from dashtui.demo.schema import TABLES

from .test_demo_support import call, small_app

pytestmark = pytest.mark.anyio


class Socket:
    """A WebSocket client speaking ASGI messages straight to the app."""

    def __init__(self, app: StandInApp, query: str) -> None:
        self.app = app
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.scope = {
            "type": "websocket",
            "path": "/realtime/v1/websocket",
            "query_string": query.encode(),
            "headers": [],
            "extensions": {"websocket.http.response": {}},
        }
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> dict[str, Any]:
        async def receive() -> dict[str, Any]:
            return await self.incoming.get()

        async def send(message: Any) -> None:
            await self.outgoing.put(dict(message))

        self.task = asyncio.create_task(self.app(self.scope, receive, send))
        await self.incoming.put({"type": "websocket.connect"})
        return await self.message()

    async def message(self, timeout: float = 2.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.outgoing.get(), timeout)

    async def frame(self, timeout: float = 2.0) -> dict[str, Any]:
        message = await self.message(timeout)
        assert message["type"] == "websocket.send", message
        result: dict[str, Any] = json.loads(message["text"])
        return result

    async def push(self, frame: object) -> None:
        if isinstance(frame, bytes):
            await self.incoming.put({"type": "websocket.receive", "bytes": frame})
        else:
            text = frame if isinstance(frame, str) else json.dumps(frame)
            await self.incoming.put({"type": "websocket.receive", "text": text})

    async def close(self) -> None:
        await self.incoming.put({"type": "websocket.disconnect", "code": 1000})
        if self.task is not None:
            await asyncio.wait_for(self.task, 2)

    def nothing_pending(self) -> bool:
        return self.outgoing.empty()


@pytest.fixture
def app() -> StandInApp:
    return small_app()


@pytest.fixture
async def ws(app: StandInApp) -> AsyncIterator[Socket]:
    sock = Socket(app, f"apikey={app.keys.anon}&vsn=1.0.0")
    assert await sock.open() == {"type": "websocket.accept"}
    yield sock
    await sock.close()
    app.close()


def join(topic: str, *changes: dict[str, Any], ref: str = "1", **payload: Any) -> dict[str, Any]:
    config = {
        "broadcast": {"ack": False, "self": False},
        "presence": {"key": "", "enabled": False},
        "private": False,
        "postgres_changes": list(changes),
    }
    return {
        "topic": topic,
        "event": "phx_join",
        "ref": ref,
        "join_ref": ref,
        "payload": {"config": config, **payload},
    }


def reply(topic: str, ref: Any, status: str, response: Any, join_ref: Any = None) -> dict[str, Any]:
    return {
        "event": "phx_reply",
        "join_ref": join_ref,
        "payload": {"response": response, "status": status},
        "ref": ref,
        "topic": topic,
    }


async def joined(ws: Socket, topic: str, *changes: dict[str, Any]) -> list[int]:
    await ws.push(join(topic, *changes))
    answer = await ws.frame()
    assert answer["event"] == "phx_reply" and answer["payload"]["status"] == "ok", answer
    system = await ws.frame()
    assert system["event"] == "system" and system["payload"]["status"] == "ok", system
    return [b["id"] for b in answer["payload"]["response"]["postgres_changes"]]


async def insert(app: StandInApp, table: str, **row: Any) -> None:
    r = await call(app, "POST", f"/rest/v1/{table}", json=row)
    assert r.status_code == 201, r.text


# --- upgrade -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("vsn=1.0.0", "no apikey given"),
        ("apikey=garbage&vsn=1.0.0", "invalid apikey: Expected 3 parts in JWT; got 1"),
        ("apikey={anon}&vsn=2.0.0", "vsn 2.0.0 is not supported; use vsn=1.0.0"),
    ],
)
async def test_an_upgrade_without_a_valid_key_is_refused_before_accept(query: str, reason: str) -> None:
    app = small_app()
    sock = Socket(app, query.format(anon=app.keys.anon))
    start = await sock.open()
    end = await sock.message()
    app.close()
    assert start["type"] == "websocket.http.response.start"
    assert start["status"] == 403
    assert json.loads(end["body"]) == {"message": f"Realtime refused the connection: {reason}"}
    assert app.stats.realtime["rejected_upgrades"] == 1


# --- the protocol -----------------------------------------------------------------------------------


async def test_heartbeat_is_answered(ws: Socket) -> None:
    await ws.push({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "7"})
    assert await ws.frame() == reply("phoenix", "7", "ok", {})


async def test_join_replies_with_binding_ids_then_the_system_push(ws: Socket, app: StandInApp) -> None:
    change = {
        "event": "INSERT",
        "schema": "public",
        "table": "orders",
        "filter": f"event_id=eq.{app.test_event_id}",
    }
    other = {"event": "*", "schema": "public", "table": "scan_logs"}
    await ws.push(join("realtime:dash", change, other))
    answer = await ws.frame()
    bindings = answer["payload"]["response"]["postgres_changes"]
    assert answer == reply("realtime:dash", "1", "ok", {"postgres_changes": bindings}, join_ref="1")
    assert [{k: v for k, v in b.items() if k != "id"} for b in bindings] == [change, other]
    assert all(isinstance(b["id"], int) and b["id"] > 0 for b in bindings)
    assert bindings[0]["id"] != bindings[1]["id"]
    assert await ws.frame() == {
        "event": "system",
        "payload": {
            "channel": "dash",
            "extension": "postgres_changes",
            "message": "Subscribed to PostgreSQL",
            "status": "ok",
        },
        "ref": None,
        "topic": "realtime:dash",
    }


async def test_the_same_binding_gets_the_same_id(ws: Socket) -> None:
    change = {"event": "INSERT", "schema": "public", "table": "orders"}
    first = await joined(ws, "realtime:a", change)
    second = await joined(ws, "realtime:b", change)
    assert first == second


async def test_a_join_without_postgres_changes_gets_no_system_push(ws: Socket) -> None:
    await ws.push(join("realtime:plain"))
    assert (await ws.frame())["payload"] == {"response": {"postgres_changes": []}, "status": "ok"}
    await ws.push({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "2"})
    assert (await ws.frame())["ref"] == "2"


async def test_an_insert_matching_the_filter_is_pushed(ws: Socket, app: StandInApp) -> None:
    event = app.test_event_id
    change = {"event": "INSERT", "schema": "public", "table": "orders", "filter": f"event_id=eq.{event}"}
    ids = await joined(ws, "realtime:dash", change)
    other_event = next(e for e in app.db.conn.execute('SELECT id FROM "events"') if e[0] != event)[0]
    await insert(app, "orders", event_id=other_event, total_amount=1)
    await insert(app, "orders", event_id=event, total_amount=99.5, status="paid")
    pushed = await ws.frame()
    row = app.db.conn.execute('SELECT * FROM "orders" ORDER BY rowid DESC LIMIT 1').fetchone()
    record = dict(zip(TABLES["orders"].column_names, row, strict=True))
    assert pushed["event"] == "postgres_changes"
    assert (pushed["topic"], pushed["ref"]) == ("realtime:dash", None)
    assert pushed["payload"]["ids"] == ids
    data = pushed["payload"]["data"]
    assert data["record"] == record
    assert (data["type"], data["schema"], data["table"], data["errors"]) == (
        "INSERT",
        "public",
        "orders",
        None,
    )
    assert data["columns"][:3] == [
        {"name": "id", "type": "uuid"},
        {"name": "event_id", "type": "uuid"},
        {"name": "total_amount", "type": "numeric"},
    ]
    assert data["commit_timestamp"].endswith("Z")
    assert ws.nothing_pending()
    assert app.stats.realtime["pushes"] == 1


@pytest.mark.parametrize(
    ("flt", "amounts", "expected"),
    [
        ("total_amount=gt.50", [10, 60], [60.0]),
        ("total_amount=lte.10", [60, 10], [10.0]),
        ("status=neq.paid", ["paid", "pending"], ["pending"]),
        ("status=in.(refunded,pending)", ["paid", "refunded"], ["refunded"]),
    ],
)
async def test_realtime_filters(
    ws: Socket, app: StandInApp, flt: str, amounts: list[Any], expected: list[Any]
) -> None:
    await joined(ws, "realtime:f", {"event": "*", "schema": "public", "table": "orders", "filter": flt})
    key = "status" if flt.startswith("status") else "total_amount"
    for value in amounts:
        await insert(app, "orders", event_id=app.test_event_id, **{key: value})
    pushed = await ws.frame()
    assert [pushed["payload"]["data"]["record"][key]] == expected
    assert ws.nothing_pending()


async def test_a_binding_for_every_table_sees_box_office_rows(ws: Socket, app: StandInApp) -> None:
    await joined(ws, "realtime:all", {"event": "*", "schema": "public"})
    app.box_office.sell_or_scan()
    pushed = await ws.frame()
    assert pushed["payload"]["data"]["table"] in ("orders", "scan_logs")
    assert app.stats.box_office[pushed["payload"]["data"]["table"]] == 1


async def test_leave_replies_closes_and_stops_the_pushes(ws: Socket, app: StandInApp) -> None:
    await joined(ws, "realtime:dash", {"event": "INSERT", "schema": "public", "table": "orders"})
    await ws.push(
        {"topic": "realtime:dash", "event": "phx_leave", "payload": {}, "ref": "9", "join_ref": "1"}
    )
    assert await ws.frame() == reply("realtime:dash", "9", "ok", {}, join_ref="1")
    close = await ws.frame()
    assert close == {
        "event": "phx_close",
        "join_ref": "1",
        "payload": {},
        "ref": "1",
        "topic": "realtime:dash",
    }
    await insert(app, "orders", event_id=app.test_event_id)
    await ws.push({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "10"})
    assert (await ws.frame())["ref"] == "10"


async def test_an_invalid_binding_is_reported_by_a_system_error(ws: Socket) -> None:
    await ws.push(
        join(
            "realtime:bad", {"event": "INSERT", "schema": "public", "table": "orders", "filter": "nope=eq.1"}
        )
    )
    assert (await ws.frame())["payload"]["status"] == "ok"
    system = await ws.frame()
    assert system["event"] == "system"
    assert system["payload"]["status"] == "error"
    assert system["payload"]["message"].startswith("Unable to subscribe to changes with given parameters.")
    assert "column 'nope' does not exist in orders" in system["payload"]["message"]


async def test_a_join_with_a_bad_access_token_is_refused(ws: Socket) -> None:
    await ws.push(join("realtime:x", access_token="a.b"))
    answer = await ws.frame()
    assert answer["payload"] == {
        "response": {"reason": "InvalidJWTToken: Expected 3 parts in JWT; got 2"},
        "status": "error",
    }


# --- bad frames never close the socket ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("{not json", "malformed frame: not JSON"),
        ("[1, 2]", "malformed frame: expected a JSON object {topic, event, payload, ref}"),
        (
            {"topic": 5, "event": "x"},
            "malformed frame: topic and event must be strings and payload an object",
        ),
        (
            {"topic": "t", "event": "x", "payload": []},
            "malformed frame: topic and event must be strings and payload an object",
        ),
        (b"\x00\x01", "binary frames are not supported with vsn 1.0.0; send JSON text frames"),
    ],
)
async def test_garbage_gets_a_phoenix_error_reply_and_the_socket_keeps_working(
    ws: Socket, app: StandInApp, frame: object, reason: str
) -> None:
    await ws.push(frame)
    answer = await ws.frame()
    assert answer["event"] == "phx_reply"
    assert answer["payload"] == {"response": {"reason": reason}, "status": "error"}
    await ws.push({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "2"})
    assert await ws.frame() == reply("phoenix", "2", "ok", {})
    assert app.stats.realtime["bad_frames"] == 1


async def test_a_frame_for_a_topic_not_joined_is_unmatched(ws: Socket) -> None:
    await ws.push({"topic": "realtime:nope", "event": "broadcast", "payload": {}, "ref": "3"})
    assert await ws.frame() == reply("realtime:nope", "3", "error", {"reason": "unmatched topic"})


async def test_an_unknown_event_on_a_joined_topic_is_an_error_reply(ws: Socket) -> None:
    await ws.push(join("realtime:t"))
    await ws.frame()
    await ws.push({"topic": "realtime:t", "event": "dance", "payload": {}, "ref": "4"})
    assert await ws.frame() == reply("realtime:t", "4", "error", {"reason": "unknown event 'dance'"})


# --- faults -----------------------------------------------------------------------------------------


async def test_refused_joins(ws: Socket, app: StandInApp) -> None:
    app.apply_faults(Faults(realtime_refuse_joins=True))
    await ws.push(join("realtime:dash", {"event": "*", "schema": "public", "table": "orders"}))
    answer = await ws.frame()
    assert answer["payload"] == {
        "response": {"reason": "ClientJoinRateLimitReached: Too many joins per second"},
        "status": "error",
    }
    assert app.stats.realtime["refused_joins"] == 1


async def test_never_subscribe_replies_ok_but_sends_no_system_push(ws: Socket, app: StandInApp) -> None:
    app.apply_faults(Faults(realtime_never_subscribe=True))
    await ws.push(join("realtime:dash", {"event": "*", "schema": "public", "table": "orders"}))
    assert (await ws.frame())["payload"]["status"] == "ok"
    await ws.push({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "5"})
    assert (await ws.frame())["ref"] == "5"


async def test_delivery_delay_holds_each_change(ws: Socket, app: StandInApp) -> None:
    app.apply_faults(Faults().updated({"realtime_delay": "80"}))
    await joined(ws, "realtime:dash", {"event": "INSERT", "schema": "public", "table": "orders"})
    started = time.perf_counter()
    await insert(app, "orders", event_id=app.test_event_id)
    await ws.push({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "6"})
    assert (await ws.frame())["ref"] == "6"  # replies are not held behind delayed changes
    pushed = await ws.frame()
    assert pushed["event"] == "postgres_changes"
    assert time.perf_counter() - started >= 0.075


async def test_drop_after_closes_the_socket() -> None:
    app = small_app(faults=Faults(realtime_drop_after=0.05))
    sock = Socket(app, f"apikey={app.keys.anon}")
    await sock.open()
    closed = await sock.message()
    await sock.close()
    app.close()
    assert closed == {"type": "websocket.close", "code": 1001, "reason": "closed by the stand-in"}
    assert app.stats.realtime["dropped_by_fault"] == 1


def test_realtime_filter_parsing_errors_name_the_problem() -> None:
    orders = TABLES["orders"]
    for text, message in [
        ("status", "'status' is not column=operator.value"),
        ("status=like.x", "operator 'like' is not one of eq, neq, lt, lte, gt, gte, in"),
        ("event_id=eq.x", 'invalid input syntax for type uuid: "x"'),
        ("status=in.paid", "in needs a list like in.(a,b)"),
    ]:
        with pytest.raises(ValueError) as info:
            parse_realtime_filter(orders, text)
        assert message in str(info.value)
