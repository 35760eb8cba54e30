"""The stand-in as one ASGI application: routing, lifespan (box office) and the state tests steer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock, SystemClock
from .admin import AdminService
from .asgi import Receive, Scope, Send, gateway_error, respond_json
from .boxoffice import BoxOffice
from .config import StandInConfig
from .db import Database
from .faults import Faults, Injector
from .keys import Keys, make_keys
from .realtime import RealtimeHub
from .rest import RestService
from .schema import Table
from .seed import seed_database
from .stats import ServerStats
from .writes import prepare_rows

__all__ = ["StandInApp", "create_app"]

log = logging.getLogger("dashtui.demo")


class StandInApp:
    """PostgREST at `/rest/v1`, Realtime at `/realtime/v1/websocket`, the admin API at `/admin/v1`.

    Building one opens (and if needed seeds) the database, so `test_event_id` is known at once.
    All request handling runs on one event loop; `loop` is that loop once the app has served anything.
    """

    def __init__(self, config: StandInConfig, clock: Clock | None = None) -> None:
        self.config = config
        self.clock: Clock = clock or SystemClock()
        self.keys: Keys = make_keys(config.jwt_secret)
        self.db = Database(config.db_path)
        if self.db.is_empty():
            self.test_event_id = seed_database(self.db, config.seed, config.scale)
        else:
            stored = self.db.meta("test_event_id")
            if stored is None:
                self.db.close()
                raise ValueError(f"{config.db_path} has data but is not a dashtui stand-in database")
            self.test_event_id = stored
        self.stats = ServerStats()
        self.injector = Injector(config.faults, config.seed)
        self.hub = RealtimeHub(self.keys, self.stats, self.injector, self.clock)
        self.rest = RestService(
            self.db,
            self.keys,
            self.stats,
            self.injector,
            self.hub.publish,
            clock=self.clock,
            max_rows=config.max_rows,
            max_body_bytes=config.max_body_bytes,
        )
        self.admin = AdminService(self)
        self.box_office = BoxOffice(
            self.db, self.insert_rows, self.test_event_id, config.box_office_rate, config.seed
        )
        self.loop: asyncio.AbstractEventLoop | None = None
        self._box_task: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if self.loop is None and kind != "lifespan":
            self.loop = asyncio.get_running_loop()
        if kind == "http":
            path: str = scope["path"]
            if path.startswith("/rest/v1/"):
                await self.rest.handle(scope, receive, send)
            elif path.startswith("/admin/v1/"):
                await self.admin.handle(scope, receive, send)
            else:
                status, payload = gateway_error("route")
                await respond_json(send, status, payload)
        elif kind == "websocket":
            if scope["path"].rstrip("/") == "/realtime/v1/websocket":
                await self.hub.handle(scope, receive, send)
            else:
                await receive()
                await send({"type": "websocket.close", "code": 1008})
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.loop = asyncio.get_running_loop()
                self._box_task = asyncio.create_task(self.box_office.run())
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._box_task is not None:
                    self._box_task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await self._box_task
                await send({"type": "lifespan.shutdown.complete"})
                return

    # --- state the admin API and StandIn steer (call on the app's loop) ----------------------------

    def insert_rows(self, table: Table, payload: list[dict[str, Any]]) -> None:
        """Insert as a POST would (checks, defaults, Realtime fan-out); used by the box office."""
        rows = prepare_rows(self.db, table, payload, now=datetime.fromtimestamp(self.clock.wall(), UTC))
        self.db.insert(table, [tuple(r[c] for c in table.column_names) for r in rows])
        self.stats.box_office[table.name] += len(rows)
        self.rest.rows_inserted(table, rows)

    def current_faults(self) -> Faults:
        return self.injector.faults

    def apply_faults(self, faults: Faults) -> None:
        self.injector.set(faults)

    def stats_snapshot(self) -> dict[str, Any]:
        return self.stats.snapshot()

    def reset_stats(self) -> dict[str, Any]:
        before = self.stats.snapshot()
        active = self.stats.realtime_active
        self.stats.reset()
        self.stats.realtime_active = active
        return before

    def box_office_rate(self) -> float:
        return self.box_office.rate

    def set_box_office_rate(self, rate: float) -> None:
        self.box_office.set_rate(rate)

    def info(self) -> dict[str, Any]:
        return {
            "test_event_id": self.test_event_id,
            "seed": int(self.db.meta("seed") or self.config.seed),
            "scale": self.db.meta("scale"),
            "rows": self.db.row_counts(),
            "max_rows": self.config.max_rows,
        }

    def close(self) -> None:
        self.db.close()


def create_app(config: StandInConfig | None = None, *, clock: Clock | None = None) -> StandInApp:
    """The raw ASGI app (for `httpx.ASGITransport` in tests, or any ASGI server).

    `clock` supplies wall time (row timestamps, token expiry, commit timestamps) and the monotonic time
    that injected latency is measured against; the default is the system clock.
    """
    return StandInApp(config or StandInConfig(), clock)
