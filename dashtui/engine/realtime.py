"""Realtime subscriptions held by VUs: connect, join, heartbeat, reconnect; the realtime_* samples.

The WebSocket client is `websockets` (its asyncio implementation): the well-kept asyncio client, with a
cancel-safe `recv()` that makes timeouts simple, and independent of httpx's connection pool, so the REST
connections a VU holds, and their timings, are not touched by the subscription it keeps open. It needs
anyio's asyncio backend, which is the one dashtui runs on.

What counts (supabase-js's behaviour, counted rather than hidden):
- an attempt is one phx_join; it ends in one `realtime_subscriptions` sample: 1 when the `system`
  "Subscribed to PostgreSQL" push arrives (not the phx_reply; a channel without postgres_changes gets no
  such push, so there the ok reply counts), 0 when it fails; an attempt cut off because the hold ended
  gives no sample, as k6 drops interrupted iterations;
- every failure is one `realtime_errors` sample tagged with its `reason` (see `Reason`);
- after a failure the client waits 1 s, 2 s, 5 s, then 10 s between tries (supabase-js's reconnectAfterMs
  and rejoinAfterMs), reconnecting a lost socket or rejoining on a socket that is still open;
- a heartbeat still unanswered when the next one is due is a `heartbeat_timeout` and the socket is replaced,
  as supabase-js does;
- `realtime_delivery_latency` is arrival (wall clock) minus the change's `commit_timestamp`: exact on one
  machine (to the timestamp's millisecond), but against a remote Supabase it includes the skew between the
  two clocks; a negative difference (a server clock ahead of ours) is recorded as 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import anyio

from ..metrics.snapshot import FailureRecord
from ..metrics.types import Sample, Tags
from ..scenario.model import GroupStep, RealtimeSpec, RealtimeStep
from ..secrets import redact
from .context import RealtimeHook
from .phoenix import (
    Frame,
    FrameError,
    change_config,
    commit_time,
    decode,
    encode,
    join_payload,
    reply_status,
    subscribed_status,
    topic_for,
    websocket_url,
)

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection

    from .vu import VU

__all__ = [
    "BACKOFF",
    "ChangeHandler",
    "ERROR_KEYS",
    "Reason",
    "Subscription",
    "default_realtime_hook",
    "hold_subscription",
    "realtime_hook",
    "uses_realtime",
]

BACKOFF: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0)
"""Seconds between tries after the 1st, 2nd, 3rd and later failures; reset once a subscription is up."""
CLOSE_TIMEOUT = 1.0
"""How long leaving (phx_leave and the close handshake) may take when a hold ends or a VU stops."""
MAX_FRAME = 1 << 20

ChangeHandler = Callable[["VU", Mapping[str, Any]], None]
"""Called with each postgres_changes `data` a VU receives (for Python scenarios and tests)."""


class Reason(StrEnum):
    """The `reason` tag of `realtime_errors`."""

    REFUSED = "refused"
    """No WebSocket: connection refused or timed out, or the target is not configured."""
    UPGRADE_REJECTED = "upgrade_rejected"
    """The server answered the upgrade with an HTTP error (401 for a wrong key)."""
    JOIN_ERROR = "join_error"
    """phx_reply with status error (e.g. ChannelRateLimitReached)."""
    SUBSCRIBE_TIMEOUT = "subscribe_timeout"
    """No "Subscribed to PostgreSQL" push within `subscribe_timeout` of the join."""
    HEARTBEAT_TIMEOUT = "heartbeat_timeout"
    CLOSED_BY_SERVER = "closed_by_server"
    """The socket closed, or the server closed or crashed the channel (phx_close, phx_error)."""
    BAD_FRAME = "bad_frame"
    """A frame that is not a vsn 1.0.0 Phoenix message, or a change without data."""


ERROR_KEYS: tuple[str, ...] = tuple(f"realtime_errors{{reason:{reason.value}}}" for reason in Reason)
"""Submetrics to track so the console, summary and JSON show errors by reason (only those that occur)."""


class _Replace(Exception):
    """The socket must be replaced; the error has been counted."""


class Subscription:
    """One VU's subscription to one channel, from its first connect to its phx_leave."""

    def __init__(self, vu: VU, spec: RealtimeSpec, *, on_change: ChangeHandler | None = None) -> None:
        self.vu = vu
        self.spec = spec
        self.ctx = vu.ctx
        self.clock = vu.ctx.clock
        self.on_change = on_change
        self.tags: Tags = vu.step_tags()
        self.topic = topic_for(spec.channel)
        self.changes = [change_config(c.event, c.schema_, c.table, c.filter) for c in spec.changes]
        auth = self.ctx.header_sets.get(spec.auth, {})
        self.apikey = auth.get("apikey", "")
        self.token = auth.get("Authorization", "").removeprefix("Bearer ").strip() or self.apikey
        self.established = False
        self.messages = 0
        self.subscribed = 0
        self.errors: Counter[str] = Counter()
        self._failures_in_a_row = 0
        self._ref = 0
        self._join_ref: str | None = None
        self._join_sent = 0.0
        self._rejoin_at: float | None = None
        self._heartbeat_ref: str | None = None
        self._next_heartbeat = 0.0

    async def hold(self) -> None:
        """Keep the subscription for `spec.hold` seconds from now, or until cancelled for hold = "vu"."""
        hold = self.spec.hold
        await self.run(math.inf if hold == "vu" else self.clock.now() + float(hold))

    async def run(self, until: float) -> None:
        """Subscribe, and resubscribe after every failure, until clock time `until`."""
        self._emit("realtime_active", float(self.ctx.realtime_active), ())
        try:
            url = self._url()
            if url is None:
                await self._sleep_until(until)
                return
            while self.clock.now() < until:
                ws = await self._connect(url, until)
                if ws is not None:
                    try:
                        if await self._session(ws, until):
                            return
                    finally:
                        await self._close(ws)
                if not await self._back_off(until):
                    return
        finally:
            self._set_established(False)

    # ------------------------------------------------------------------------------ connection

    def _url(self) -> str | None:
        base = self.ctx.realtime_base_url
        if not base:
            self._fail(Reason.REFUSED, "no target: SUPABASE_URL is not set")
            return None
        if not self.apikey:
            variable = "SUPABASE_SERVICE_ROLE_KEY" if self.spec.auth == "service" else "SUPABASE_ANON_KEY"
            self._fail(Reason.REFUSED, f"auth = {self.spec.auth!r} but {variable} is not set")
            return None
        try:
            return websocket_url(base, self.apikey)
        except ValueError as exc:
            self._fail(Reason.REFUSED, str(exc))
            return None

    async def _connect(self, url: str, until: float) -> ClientConnection | None:
        """Open the socket (TCP, TLS, upgrade) and emit realtime_connecting; None when it failed."""
        # websockets loads with the first subscription: REST-only runs and coordinators never need it
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus

        started = self.clock.now()
        timeout = self.spec.subscribe_timeout
        ws: ClientConnection | None = None
        try:
            with anyio.move_on_after(until - started):
                ws = await connect(
                    url,
                    open_timeout=timeout,
                    close_timeout=CLOSE_TIMEOUT,
                    ping_interval=None,
                    compression=None,
                    max_size=MAX_FRAME,
                    user_agent_header=self.ctx.user_agent,
                )
        except InvalidStatus as exc:
            status = exc.response.status_code
            self._fail(Reason.UPGRADE_REJECTED, f"HTTP {status} at the WebSocket upgrade", status=status)
        except InvalidHandshake as exc:
            self._fail(Reason.UPGRADE_REJECTED, f"bad WebSocket upgrade: {type(exc).__name__}")
        except TimeoutError:
            self._fail(Reason.REFUSED, f"no WebSocket within {timeout:g} s")
        except OSError as exc:
            self._fail(Reason.REFUSED, exc.strerror or type(exc).__name__)
        except Exception as exc:  # whatever the client raises, the VU goes on
            self._fail(Reason.REFUSED, f"{type(exc).__name__}: {exc}")
        if ws is not None:
            self._emit("realtime_connecting", (self.clock.now() - started) * 1000.0, self.tags)
        return ws

    async def _session(self, ws: ClientConnection, until: float) -> bool:
        """Join and hold on one socket. True when the hold ended, False when the socket must be replaced."""
        from websockets.exceptions import ConnectionClosed

        self._ref = 0
        self._heartbeat_ref = None
        self._next_heartbeat = self.clock.now() + self.spec.heartbeat_interval
        nothing = object()
        try:
            await self._join(ws)
            while True:
                now = self.clock.now()
                if now >= until:
                    return True
                await self._tick(ws, now)
                raw: object = nothing
                with anyio.move_on_after(max(0.0, self._next_deadline(until) - self.clock.now())):
                    raw = await ws.recv()
                if raw is not nothing:
                    assert isinstance(raw, str | bytes)
                    self._handle(raw)
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd is not None else 1006
            self._lose(Reason.CLOSED_BY_SERVER, f"socket closed (code {code})")
            return False
        except _Replace:
            return False
        except Exception as exc:  # counted and shown, and the socket replaced, rather than ending the VU
            self._lose(Reason.CLOSED_BY_SERVER, f"the socket failed: {type(exc).__name__}: {exc}")
            return False

    async def _close(self, ws: ClientConnection) -> None:
        """Leave and close within CLOSE_TIMEOUT, even while the VU is being cancelled."""
        from websockets.protocol import State

        self._set_established(False)
        with anyio.CancelScope(shield=True, deadline=anyio.current_time() + CLOSE_TIMEOUT):
            try:
                if self._join_ref is not None and ws.state is State.OPEN:
                    await self._send(ws, self.topic, "phx_leave", {}, join_ref=self._join_ref)
                await ws.close()
            except Exception:  # the socket is going away either way
                pass
        self._join_ref = None
        if ws.state is not State.CLOSED:
            ws.transport.abort()

    async def _back_off(self, until: float) -> bool:
        """Wait before the next try; False when the hold ends first."""
        await self._sleep_until(min(until, self.clock.now() + self._next_backoff()))
        return self.clock.now() < until

    def _next_backoff(self) -> float:
        delay = BACKOFF[min(self._failures_in_a_row, len(BACKOFF)) - 1] if self._failures_in_a_row else 0.0
        return delay

    async def _sleep_until(self, until: float) -> None:
        if math.isinf(until):
            await anyio.sleep_forever()
        await self.clock.sleep(until - self.clock.now())

    # ------------------------------------------------------------------------------ channel

    async def _send(
        self, ws: ClientConnection, topic: str, event: str, payload: Mapping[str, Any], join_ref: str | None
    ) -> str:
        self._ref += 1
        ref = str(self._ref)
        await ws.send(encode(topic, event, payload, ref, join_ref))
        return ref

    async def _join(self, ws: ClientConnection) -> None:
        self._ref += 1
        ref = str(self._ref)
        self._join_ref = ref
        self._rejoin_at = None
        self._join_sent = self.clock.now()
        await ws.send(encode(self.topic, "phx_join", join_payload(self.changes, self.token), ref, ref))

    async def _tick(self, ws: ClientConnection, now: float) -> None:
        """What is due now: a subscribe timeout, a rejoin, a heartbeat (or its timeout)."""
        if self._join_ref is not None and not self.established:
            if now >= self._join_sent + self.spec.subscribe_timeout:
                timeout = self.spec.subscribe_timeout
                self._fail(Reason.SUBSCRIBE_TIMEOUT, f"not subscribed within {timeout:g} s of the join")
                await self._send(ws, self.topic, "phx_leave", {}, join_ref=self._join_ref)
                self._join_ref = None
                self._rejoin_at = now + self._next_backoff()
        if self._join_ref is None and self._rejoin_at is not None and now >= self._rejoin_at:
            await self._join(ws)
        if now >= self._next_heartbeat:
            if self._heartbeat_ref is not None:
                interval = self.spec.heartbeat_interval
                self._lose(Reason.HEARTBEAT_TIMEOUT, f"no heartbeat reply within {interval:g} s")
                raise _Replace
            self._heartbeat_ref = await self._send(ws, "phoenix", "heartbeat", {}, join_ref=None)
            self._next_heartbeat = now + self.spec.heartbeat_interval

    def _next_deadline(self, until: float) -> float:
        deadline = min(until, self._next_heartbeat)
        if self._join_ref is not None and not self.established:
            deadline = min(deadline, self._join_sent + self.spec.subscribe_timeout)
        if self._join_ref is None and self._rejoin_at is not None:
            deadline = min(deadline, self._rejoin_at)
        return deadline

    def _handle(self, raw: str | bytes) -> None:
        try:
            frame = decode(raw)
        except FrameError as exc:
            self._error(Reason.BAD_FRAME, str(exc))
            return
        if frame.topic == "phoenix":
            if frame.event == "phx_reply" and frame.ref is not None and frame.ref == self._heartbeat_ref:
                self._heartbeat_ref = None
            return
        joined = self._join_ref
        if frame.topic != self.topic or joined is None:
            return
        if frame.join_ref is not None and frame.join_ref != joined:
            return
        event = frame.event
        if event == "phx_reply" and frame.ref == joined:
            ok, reason = reply_status(frame)
            if not ok:
                self._fail(Reason.JOIN_ERROR, f"join refused: {reason}")
                self._schedule_rejoin()
            elif not self.changes and not self.established:
                self._subscribed()
        elif event == "system":
            if subscribed_status(frame) and not self.established:
                self._subscribed()
        elif event == "postgres_changes":
            self._change(frame)
        elif event in ("phx_close", "phx_error"):
            self._lose(Reason.CLOSED_BY_SERVER, f"the server sent {event} for the channel")
            self._schedule_rejoin()

    def _schedule_rejoin(self) -> None:
        self._join_ref = None
        self._rejoin_at = self.clock.now() + self._next_backoff()

    def _subscribed(self) -> None:
        now = self.clock.now()
        self._emit("realtime_subscribe_duration", (now - self._join_sent) * 1000.0, self.tags, now)
        self._emit("realtime_subscriptions", 1.0, self.tags, now)
        self.subscribed += 1
        self._failures_in_a_row = 0
        self._set_established(True)

    def _change(self, frame: Frame) -> None:
        data = frame.payload.get("data")
        if not isinstance(data, dict):
            self._error(Reason.BAD_FRAME, "a postgres_changes push without data")
            return
        arrived = self.clock.wall()
        self.messages += 1
        self._emit("realtime_messages", 1.0, self.tags)
        committed = commit_time(data)
        if committed is not None:
            self._emit("realtime_delivery_latency", max(0.0, arrived - committed) * 1000.0, self.tags)
        if self.on_change is not None:
            try:
                self.on_change(self.vu, data)
            except Exception as exc:  # a handler's bug must not end the subscription
                self._record(f"on_change raised {type(exc).__name__}: {exc}", 0)

    # ------------------------------------------------------------------------------ samples

    def _set_established(self, up: bool) -> None:
        if up == self.established:
            return
        self.established = up
        self.ctx.realtime_active += 1 if up else -1
        self._emit("realtime_active", float(self.ctx.realtime_active), ())

    def _fail(self, reason: Reason, detail: str, *, status: int = 0) -> None:
        """A failed attempt: realtime_subscriptions 0 and an error."""
        self._emit("realtime_subscriptions", 0.0, self.tags)
        self._failures_in_a_row += 1
        self._error(reason, detail, status=status)

    def _lose(self, reason: Reason, detail: str) -> None:
        """The socket or channel went away: a failed attempt if one was pending, else a dropped one."""
        if self._join_ref is not None and not self.established:
            self._fail(reason, detail)
        else:
            self._failures_in_a_row += 1
            self._error(reason, detail)
        self._set_established(False)

    def _error(self, reason: Reason, detail: str, *, status: int = 0) -> None:
        self.errors[reason.value] += 1
        self._emit("realtime_errors", 1.0, (*self.tags, ("reason", reason.value)))
        self._record(f"{reason.value}: {detail}", status)

    def _record(self, error: str, status: int) -> None:
        self.ctx.sink.add_failure(
            FailureRecord(
                elapsed=max(0.0, self.clock.now() - self.ctx.start),
                name=f"realtime {self.spec.channel}",
                status=status,
                error=redact(error, self.ctx.secrets),
                body_excerpt="",
            )
        )

    def _emit(self, metric: str, value: float, tags: Tags, time: float | None = None) -> None:
        self.ctx.emit(Sample(metric, value, tags, self.clock.now() if time is None else time))


async def hold_subscription(vu: VU, spec: RealtimeSpec) -> None:
    """The engine's RealtimeHook: hold one subscription for the VU (never raises, never outlives its hold)."""
    await Subscription(vu, spec).hold()


def realtime_hook(*, on_change: ChangeHandler | None = None) -> RealtimeHook:
    """A RealtimeHook that also hands every change a VU receives to `on_change`."""

    async def hook(vu: VU, spec: RealtimeSpec) -> None:
        await Subscription(vu, spec, on_change=on_change).hold()

    return hook


def _has_realtime(steps: Any) -> bool:
    for step in steps:
        if isinstance(step, RealtimeStep):
            return True
        if isinstance(step, GroupStep) and _has_realtime(step.steps):
            return True
    return False


def uses_realtime(scenario: Any) -> bool:
    """Whether any flow of the scenario has a realtime step (at any depth)."""
    return any(_has_realtime(flow) for flow in scenario.flows.values())


def default_realtime_hook(scenario: Any) -> RealtimeHook | None:
    """`hold_subscription` when the scenario subscribes to Realtime, else None."""
    return hold_subscription if uses_realtime(scenario) else None
