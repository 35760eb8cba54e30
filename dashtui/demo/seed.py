"""Deterministic seed data: the same seed and scale give the same rows, ids and test event every time."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime

from .db import Database
from .schema import TABLES
from .values import SqlValue, timestamp_from_micros

__all__ = ["SCALES", "Scale", "seed_database"]


@dataclass(frozen=True)
class Scale:
    """Row counts per table; the test event takes `test_share` of every table but events."""

    events: int
    tickets: int
    orders: int
    vip_reservations: int
    scan_logs: int
    test_share: float = 0.2


SCALES: dict[str, Scale] = {
    "small": Scale(events=6, tickets=300, orders=120, vip_reservations=24, scan_logs=150, test_share=0.3),
    "default": Scale(events=50, tickets=20_000, orders=5_000, vip_reservations=500, scan_logs=10_000),
    "large": Scale(events=200, tickets=200_000, orders=50_000, vip_reservations=5_000, scan_logs=100_000),
}

_BASE = int(datetime(2025, 6, 1, 18, 0, tzinfo=UTC).timestamp()) * 1_000_000
_DAY = 86_400 * 1_000_000
_ADJECTIVES = (
    "Midnight",
    "Summer",
    "Neon",
    "Electric",
    "Harbour",
    "Golden",
    "Velvet",
    "Northern",
    "Open-Air",
)
_NOUNS = ("Sessions", "Festival", "Gala", "Showcase", "Live", "Nights", "Revue", "Weekender", "Jam")
_VENUES = ("Arena North", "The Warehouse", "Riverside Hall", "Club Aurora", "Park Stage", "The Vault")
_GATES = ("A", "B", "C", "D", "E", "F")


class _Weighted:
    """A fixed weighted choice, drawing one `random()` per pick."""

    def __init__(self, *options: tuple[str, float]) -> None:
        self.values = [value for value, _ in options]
        total = sum(weight for _, weight in options)
        running, self.bounds = 0.0, []
        for _, weight in options:
            running += weight / total
            self.bounds.append(running)

    def __call__(self, rng: random.Random) -> str:
        roll = rng.random()
        for value, bound in zip(self.values, self.bounds, strict=True):
            if roll < bound:
                return value
        return self.values[-1]


_ORDER_STATUS = _Weighted(("paid", 70), ("pending", 15), ("refunded", 8), ("cancelled", 7))
_TICKET_STATUS = _Weighted(("valid", 72), ("used", 20), ("cancelled", 5), ("refunded", 3))
_TIER = _Weighted(("general", 75), ("early_bird", 15), ("vip", 10))
_VIP_STATUS = _Weighted(("confirmed", 60), ("pending", 30), ("cancelled", 10))
_SCAN_RESULT = _Weighted(("valid", 90), ("duplicate", 7), ("invalid", 3))
_VERSION_MASK = ~((0xF000 << 64) | (0xC000 << 48))
_VERSION_BITS = (0x4000 << 64) | (0x8000 << 48)


class _Seeder:
    def __init__(self, seed: int, scale: Scale) -> None:
        self.rng = random.Random(seed)
        self.scale = scale

    def uid(self) -> str:
        h = f"{(self.rng.getrandbits(128) & _VERSION_MASK) | _VERSION_BITS:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def pick_event(self, events: list[str]) -> str:
        if self.rng.random() < self.scale.test_share or len(events) == 1:
            return events[0]
        return events[1 + int(self.rng.random() * (len(events) - 1))]


def seed_database(db: Database, seed: int, scale_name: str) -> str:
    """Fill an empty database; return the test event's id (also kept in the database's meta table)."""
    scale = SCALES[scale_name]
    s = _Seeder(seed, scale)
    rng = s.rng
    event_rows: list[tuple[SqlValue, ...]] = []
    event_ids: list[str] = []
    event_dates: dict[str, int] = {}
    for i in range(scale.events):
        event_id = s.uid()
        if i == 0:
            name, date = "dashtui Test Event: Launch Night", _BASE + 30 * _DAY
        else:
            name = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} #{i}"
            date = _BASE + int((rng.random() - 0.5) * 360) * _DAY
        created = date - (60 + int(rng.random() * 60)) * _DAY
        status = "completed" if date < _BASE else "on_sale"
        capacity = 200 + 100 * int(rng.random() * 48)
        event_rows.append(
            (
                event_id,
                name,
                timestamp_from_micros(date),
                rng.choice(_VENUES),
                capacity,
                status,
                timestamp_from_micros(created),
            )
        )
        event_ids.append(event_id)
        event_dates[event_id] = date

    def sold_at(event_id: str) -> int:
        return event_dates[event_id] - int(rng.random() * 50 * _DAY) - int(rng.random() * _DAY)

    order_rows: list[tuple[SqlValue, ...]] = []
    orders_by_event: dict[str, list[str]] = {}
    for n in range(scale.orders):
        event_id = s.pick_event(event_ids)
        order_id = s.uid()
        status = _ORDER_STATUS(rng)
        count = 1 + int(rng.random() * 6)
        amount = round(count * (20 + rng.random() * 130), 2)
        order_rows.append(
            (
                order_id,
                event_id,
                amount,
                status,
                f"guest{n}@example.com",
                count,
                timestamp_from_micros(sold_at(event_id)),
            )
        )
        orders_by_event.setdefault(event_id, []).append(order_id)

    ticket_rows: list[tuple[SqlValue, ...]] = []
    tickets_by_event: dict[str, list[str]] = {}
    for _ in range(scale.tickets):
        event_id = s.pick_event(event_ids)
        ticket_id = s.uid()
        orders = orders_by_event.get(event_id)
        ticket_order = orders[int(rng.random() * len(orders))] if orders else None
        status = _TICKET_STATUS(rng)
        tier = _TIER(rng)
        price = {"general": 45.0, "early_bird": 35.0, "vip": 120.0}[tier]
        ticket_rows.append(
            (ticket_id, event_id, ticket_order, status, tier, price, timestamp_from_micros(sold_at(event_id)))
        )
        tickets_by_event.setdefault(event_id, []).append(ticket_id)

    vip_rows: list[tuple[SqlValue, ...]] = []
    for n in range(scale.vip_reservations):
        event_id = s.pick_event(event_ids)
        status = _VIP_STATUS(rng)
        party = 1 + int(rng.random() * 8)
        price = round(party * (150 + rng.random() * 100), 2)
        vip_rows.append(
            (
                s.uid(),
                event_id,
                status,
                price,
                party,
                f"VIP guest {n}",
                timestamp_from_micros(sold_at(event_id)),
            )
        )

    scan_rows: list[tuple[SqlValue, ...]] = []
    for _ in range(scale.scan_logs):
        event_id = s.pick_event(event_ids)
        tickets = tickets_by_event.get(event_id)
        scanned_ticket = tickets[int(rng.random() * len(tickets))] if tickets else None
        scanned = event_dates[event_id] - _DAY // 12 + int(rng.random() * _DAY // 4)
        result = _SCAN_RESULT(rng)
        scan_rows.append(
            (s.uid(), event_id, scanned_ticket, timestamp_from_micros(scanned), rng.choice(_GATES), result)
        )

    for table, rows in (
        ("events", event_rows),
        ("orders", order_rows),
        ("tickets", ticket_rows),
        ("vip_reservations", vip_rows),
        ("scan_logs", scan_rows),
    ):
        db.insert(TABLES[table], rows)
    db.create_indexes()
    db.set_meta("seed", str(seed))
    db.set_meta("scale", scale_name)
    db.set_meta("test_event_id", event_ids[0])
    return event_ids[0]
