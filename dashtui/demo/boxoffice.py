"""The box office: a background task that sells orders and scans tickets so a dashboard sees live change."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from .db import Database
from .errors import PostgrestError
from .schema import TABLES, Table

__all__ = ["BoxOffice"]

log = logging.getLogger("dashtui.demo")

InsertRows = Callable[[Table, list[dict[str, Any]]], None]


class BoxOffice:
    """Inserts `rate` rows per second: 40% orders, 60% scan logs, half of them for the test event."""

    def __init__(self, db: Database, insert: InsertRows, test_event_id: str, rate: float, seed: int) -> None:
        self.db = db
        self.insert = insert
        self.test_event_id = test_event_id
        self.rate = rate
        self.rng = random.Random(seed + 2)
        self._wake = asyncio.Event()
        self._events: list[str] = []
        self._tickets: dict[str, int] = {}
        self._sold = 0

    def set_rate(self, rate: float) -> None:
        self.rate = rate
        self._wake.set()

    async def run(self) -> None:
        self._events = [r[0] for r in self.db.conn.execute('SELECT "id" FROM "events" ORDER BY "id"')]
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            if self.rate <= 0:
                self._wake.clear()
                await self._wake.wait()
                next_at = loop.time()
                continue
            next_at = max(next_at + 1.0 / self.rate, loop.time() - 1.0)
            delay = next_at - loop.time()
            if delay > 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), delay)
                    next_at = loop.time()
                    continue
                except TimeoutError:
                    pass
            try:
                self.sell_or_scan()
            except PostgrestError as exc:  # only if someone deleted rows under us; keep going
                log.warning("box office: %s", exc.message)

    def sell_or_scan(self) -> None:
        rng = self.rng
        event_id = self.test_event_id if rng.random() < 0.5 or not self._events else rng.choice(self._events)
        if rng.random() < 0.4:
            self._sold += 1
            count = 1 + int(rng.random() * 4)
            order = {
                "event_id": event_id,
                "total_amount": round(count * (20 + rng.random() * 130), 2),
                "status": "paid" if rng.random() < 0.8 else "pending",
                "customer_email": f"walk-up{self._sold}@example.com",
                "ticket_count": count,
            }
            self.insert(TABLES["orders"], [order])
            return
        tickets = self._tickets.get(event_id)
        if tickets is None:
            sql = 'SELECT count(*) FROM "tickets" WHERE "event_id" = ?'
            tickets = self._tickets[event_id] = self.db.scalar(sql, (event_id,))
        ticket_id = None
        if tickets:
            sql = 'SELECT "id" FROM "tickets" WHERE "event_id" = ? ORDER BY "id" LIMIT 1 OFFSET ?'
            row = self.db.conn.execute(sql, (event_id, int(rng.random() * tickets))).fetchone()
            ticket_id = row[0] if row else None
        result = "valid" if rng.random() < 0.9 else "duplicate"
        scan = {"event_id": event_id, "ticket_id": ticket_id, "gate": rng.choice("ABCDEF"), "result": result}
        self.insert(TABLES["scan_logs"], [scan])
