"""Supabase Realtime over Phoenix channels (vsn 1.0.0): joins, heartbeats, leaves, postgres_changes pushes.

Frames are JSON objects `{topic, event, payload, ref, join_ref}`. A join with a `postgres_changes`
config is answered `phx_reply` ok with one id per binding, then (asynchronously, as Realtime does) a
`system` push "Subscribed to PostgreSQL". Every inserted row that matches a binding's table and filter is
pushed as a `postgres_changes` INSERT. Garbage never closes the socket: it gets a `phx_reply` error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from ..clock import Clock
from .asgi import Receive, Scope, Send
from .errors import PostgrestError
from .faults import Injector
from .keys import JwtError, Keys, decode_jwt
from .schema import TABLES, Column, Table
from .stats import ServerStats
from .values import SqlValue, coerce_text

__all__ = ["RealtimeHub", "parse_realtime_filter"]

log = logging.getLogger("dashtui.demo")

_EVENTS = ("*", "INSERT", "UPDATE", "DELETE")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
}
_MAX_OUTBOX = 10_000
_JOIN_LIMIT_REASON = "ClientJoinRateLimitReached: Too many joins per second"


def _dumps(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def parse_realtime_filter(table: Table, text: str) -> Callable[[Mapping[str, SqlValue]], bool]:
    """Compile a Realtime filter (`column=op.value`, ops eq/neq/lt/lte/gt/gte/in) to a row predicate."""
    column_name, sep, rest = text.partition("=")
    op, dot, raw = rest.partition(".")
    if not sep or not dot:
        raise ValueError(f"{text!r} is not column=operator.value")
    column = table.column(column_name)
    if column is None:
        raise ValueError(f"column {column_name!r} does not exist in {table.name}")
    if op == "in":
        if not (raw.startswith("(") and raw.endswith(")")):
            raise ValueError(f"{text!r}: in needs a list like in.(a,b)")
        values = {_value(column, v.strip().strip('"')) for v in raw[1:-1].split(",") if v.strip()}
        name = column.name
        return lambda row: row.get(name) in values
    compare = _COMPARE.get(op)
    if compare is None:
        raise ValueError(f"{text!r}: operator {op!r} is not one of eq, neq, lt, lte, gt, gte, in")
    expected = _value(column, raw)
    name = column.name

    def match(row: Mapping[str, SqlValue]) -> bool:
        value = row.get(name)
        return value is not None and expected is not None and compare(value, expected)

    return match


def _value(column: Column, raw: str) -> SqlValue:
    try:
        return coerce_text(column, raw)
    except PostgrestError as exc:
        raise ValueError(exc.message) from None


def _binding_id(binding: Mapping[str, Any]) -> int:
    """A stable positive id per binding, as Realtime's `phash2(params)` is."""
    return (zlib.crc32(_dumps(binding).encode()) & 0x7FFFFFF) or 1


@dataclass
class _Binding:
    id: int
    event: str
    table: str | None
    predicate: Callable[[Mapping[str, SqlValue]], bool] | None

    def matches(self, table: str, event: str) -> bool:
        if self.event not in ("*", event):
            return False
        return self.table in (None, "*", table)


@dataclass
class _Channel:
    topic: str
    join_ref: Any
    bindings: list[_Binding]


class _Connection:
    """One socket: joined channels and an outbox drained by a single writer task."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.channels: dict[str, _Channel] = {}
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.last_due = 0.0

    def put(self, frame: Mapping[str, Any] | None, stats: ServerStats) -> None:
        if self.outbox.qsize() >= _MAX_OUTBOX:
            stats.realtime["dropped_frames"] += 1
            return
        self.outbox.put_nowait(None if frame is None else _dumps(frame))

    async def write_loop(self) -> None:
        while True:
            text = await self.outbox.get()
            if text is None:
                await self.send({"type": "websocket.close", "code": 1001, "reason": "closed by the stand-in"})
                return
            await self.send({"type": "websocket.send", "text": text})


class RealtimeHub:
    """All Realtime sockets of one stand-in, and the fan-out of inserted rows to them."""

    def __init__(self, keys: Keys, stats: ServerStats, injector: Injector, clock: Clock) -> None:
        self.keys = keys
        self.clock = clock
        self.stats = stats
        self.injector = injector
        self.connections: set[_Connection] = set()

    # --- upgrade and socket loop -------------------------------------------------------------

    def _authorized(self, scope: Mapping[str, Any]) -> str | None:
        """None if the upgrade may proceed, else the reason it is refused."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        token = (query.get("apikey") or [None])[0] or headers.get("apikey") or headers.get("x-api-key")
        if not token:
            return "no apikey given"
        vsn = (query.get("vsn") or ["1.0.0"])[0]
        if vsn != "1.0.0":
            return f"vsn {vsn} is not supported; use vsn=1.0.0"
        try:
            claims = decode_jwt(token, self.keys.secret, now=self.clock.wall())
        except JwtError as exc:
            return f"invalid apikey: {exc.message}"
        if "role" not in claims or "exp" not in claims:
            return "the apikey needs role and exp claims"
        return None

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        first = await receive()
        if first.get("type") != "websocket.connect":
            return
        refusal = self._authorized(scope)
        if refusal is not None:
            self.stats.realtime["rejected_upgrades"] += 1
            await self._reject(scope, send, refusal)
            return
        await send({"type": "websocket.accept"})
        conn = _Connection(send)
        self.connections.add(conn)
        self.stats.realtime["connections"] += 1
        self.stats.realtime_active += 1
        writer = asyncio.create_task(self._writer(conn))
        dropper = None
        drop_after = self.injector.faults.realtime_drop_after
        if drop_after is not None:
            dropper = asyncio.get_running_loop().call_later(drop_after, self._drop, conn)
        try:
            while True:
                message = await receive()
                kind = message.get("type")
                if kind == "websocket.disconnect":
                    break
                if kind != "websocket.receive":
                    continue
                try:
                    self._on_frame(conn, message)
                except Exception:  # a bad frame must never take the socket or the server down
                    log.exception("realtime: could not handle a frame")
                    self._bad_frame(conn, "the stand-in could not handle this frame")
        finally:
            self.connections.discard(conn)
            self.stats.realtime_active -= 1
            if dropper is not None:
                dropper.cancel()
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    async def _reject(self, scope: Mapping[str, Any], send: Send, reason: str) -> None:
        if "websocket.http.response" in scope.get("extensions", {}):
            body = _dumps({"message": f"Realtime refused the connection: {reason}"}).encode()
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({"type": "websocket.http.response.start", "status": 403, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008})

    async def _writer(self, conn: _Connection) -> None:
        try:
            await conn.write_loop()
        except asyncio.CancelledError:
            raise
        except Exception:  # the client went away while we were writing
            log.debug("realtime: write failed", exc_info=True)

    def _drop(self, conn: _Connection) -> None:
        self.stats.realtime["dropped_by_fault"] += 1
        conn.put(None, self.stats)

    # --- frames --------------------------------------------------------------------------------

    def _reply(self, conn: _Connection, msg: Mapping[str, Any], status: str, response: object) -> None:
        frame = {
            "event": "phx_reply",
            "join_ref": msg.get("join_ref"),
            "payload": {"response": response, "status": status},
            "ref": msg.get("ref"),
            "topic": msg.get("topic"),
        }
        conn.put(frame, self.stats)

    def _bad_frame(self, conn: _Connection, reason: str, msg: Mapping[str, Any] | None = None) -> None:
        self.stats.realtime["bad_frames"] += 1
        source = msg or {}
        topic = source.get("topic") if isinstance(source.get("topic"), str) else "phoenix"
        ref = source.get("ref") if isinstance(source.get("ref"), str | int) else None
        self._reply(conn, {"topic": topic, "ref": ref, "join_ref": None}, "error", {"reason": reason})

    def _on_frame(self, conn: _Connection, message: Mapping[str, Any]) -> None:
        text = message.get("text")
        if text is None:
            self._bad_frame(conn, "binary frames are not supported with vsn 1.0.0; send JSON text frames")
            return
        try:
            msg = json.loads(text)
        except ValueError:
            self._bad_frame(conn, "malformed frame: not JSON")
            return
        if not isinstance(msg, dict):
            self._bad_frame(conn, "malformed frame: expected a JSON object {topic, event, payload, ref}")
            return
        topic, event, payload = msg.get("topic"), msg.get("event"), msg.get("payload", {})
        if not isinstance(topic, str) or not isinstance(event, str) or not isinstance(payload, dict):
            reason = "malformed frame: topic and event must be strings and payload an object"
            self._bad_frame(conn, reason, msg)
            return
        if topic == "phoenix" and event == "heartbeat":
            self.stats.realtime["heartbeats"] += 1
            self._reply(conn, msg, "ok", {})
        elif event == "phx_join":
            self._join(conn, msg, topic, payload)
        elif topic not in conn.channels:
            self._reply(conn, msg, "error", {"reason": "unmatched topic"})
        elif event == "phx_leave":
            self._leave(conn, msg, topic)
        elif event == "access_token":
            self._access_token(conn, msg, payload)
        elif event in ("broadcast", "presence"):
            self._reply(conn, msg, "ok", {})
        else:
            self._reply(conn, msg, "error", {"reason": f"unknown event {event!r}"})

    def _access_token(self, conn: _Connection, msg: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
        token = payload.get("access_token")
        try:
            decode_jwt(str(token), self.keys.secret, now=self.clock.wall())
        except JwtError as exc:
            self._reply(conn, msg, "error", {"reason": f"InvalidJWTToken: {exc.message}"})
            return
        self._reply(conn, msg, "ok", {})

    def _join(
        self, conn: _Connection, msg: Mapping[str, Any], topic: str, payload: Mapping[str, Any]
    ) -> None:
        self.stats.realtime["joins"] += 1
        config = payload.get("config", {})
        changes = config.get("postgres_changes", []) if isinstance(config, dict) else None
        if not isinstance(changes, list) or not all(isinstance(c, dict) for c in changes):
            self._reply(
                conn, msg, "error", {"reason": "malformed join: config.postgres_changes must be a list"}
            )
            return
        token = payload.get("access_token")
        if token is not None:
            try:
                decode_jwt(str(token), self.keys.secret, now=self.clock.wall())
            except JwtError as exc:
                self._reply(conn, msg, "error", {"reason": f"InvalidJWTToken: {exc.message}"})
                return
        if self.injector.faults.realtime_refuse_joins:
            self.stats.realtime["refused_joins"] += 1
            self._reply(conn, msg, "error", {"reason": _JOIN_LIMIT_REASON})
            return
        bindings: list[_Binding] = []
        echoed: list[dict[str, Any]] = []
        problems: list[str] = []
        for change in changes:
            binding, echo, problem = self._binding(change)
            bindings.append(binding)
            echoed.append(echo)
            if problem:
                problems.append(problem)
        conn.channels[topic] = _Channel(
            topic, msg.get("join_ref", msg.get("ref")), bindings if not problems else []
        )
        self._reply(conn, msg, "ok", {"postgres_changes": echoed})
        if not changes or self.injector.faults.realtime_never_subscribe:
            return
        channel = topic.removeprefix("realtime:")
        if problems:
            message = (
                "Unable to subscribe to changes with given parameters. Please check Realtime is enabled "
                f"for the given connect parameters: {'; '.join(problems)}"
            )
            status = "error"
        else:
            message, status = "Subscribed to PostgreSQL", "ok"
            self.stats.realtime["subscribed"] += 1
        system = {"channel": channel, "extension": "postgres_changes", "message": message, "status": status}
        conn.put({"event": "system", "payload": system, "ref": None, "topic": topic}, self.stats)

    def _binding(self, change: Mapping[str, Any]) -> tuple[_Binding, dict[str, Any], str | None]:
        event = change.get("event", "*")
        schema = change.get("schema", "public")
        table_name = change.get("table")
        filter_text = change.get("filter")
        echo: dict[str, Any] = {"event": event, "schema": schema}
        if table_name is not None:
            echo["table"] = table_name
        if filter_text is not None:
            echo["filter"] = filter_text
        echo = {"id": _binding_id(echo), **echo}
        binding = _Binding(echo["id"], str(event), None if table_name is None else str(table_name), None)
        where = f"[event: {event}, schema: {schema}, table: {table_name}, filters: [{filter_text or ''}]]"
        if event not in _EVENTS or schema != "public":
            return binding, echo, where
        if table_name in (None, "*"):
            return binding, echo, where if filter_text else None
        table = TABLES.get(str(table_name))
        if table is None:
            return binding, echo, where
        if filter_text:
            try:
                binding.predicate = parse_realtime_filter(table, str(filter_text))
            except ValueError as exc:
                return binding, echo, f"{where}: {exc}"
        return binding, echo, None

    def _leave(self, conn: _Connection, msg: Mapping[str, Any], topic: str) -> None:
        self.stats.realtime["leaves"] += 1
        channel = conn.channels.pop(topic)
        self._reply(conn, msg, "ok", {})
        close = {"event": "phx_close", "join_ref": channel.join_ref, "payload": {}, "ref": channel.join_ref}
        conn.put({**close, "topic": topic}, self.stats)

    # --- fan-out ---------------------------------------------------------------------------------

    def publish(self, table: Table, rows: list[dict[str, SqlValue]]) -> None:
        """Push each inserted row to every channel with a matching binding (call after the commit)."""
        if not self.connections:
            return
        now = datetime.fromtimestamp(self.clock.wall(), UTC)
        commit = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"
        columns = [{"name": c.name, "type": c.pg_type} for c in table.columns]
        loop = asyncio.get_running_loop()
        for row in rows:
            data = {
                "columns": columns,
                "commit_timestamp": commit,
                "errors": None,
                "record": row,
                "schema": "public",
                "table": table.name,
                "type": "INSERT",
            }
            for conn in list(self.connections):
                for channel in conn.channels.values():
                    ids = [
                        b.id
                        for b in channel.bindings
                        if b.matches(table.name, "INSERT") and (b.predicate is None or b.predicate(row))
                    ]
                    if ids:
                        frame = {
                            "event": "postgres_changes",
                            "payload": {"data": data, "ids": ids},
                            "ref": None,
                            "topic": channel.topic,
                        }
                        self._deliver(loop, conn, frame)

    def _deliver(self, loop: asyncio.AbstractEventLoop, conn: _Connection, frame: dict[str, Any]) -> None:
        self.stats.realtime["pushes"] += 1
        delay = self.injector.realtime_delay_ms() / 1000.0
        if delay <= 0 and conn.last_due <= loop.time():
            conn.put(frame, self.stats)
            return
        due = max(loop.time() + delay, conn.last_due)
        conn.last_due = due
        loop.call_at(due, conn.put, frame, self.stats)
