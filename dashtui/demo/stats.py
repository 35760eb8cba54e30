"""What the stand-in served: REST requests per table and status, injected faults, Realtime traffic."""

from __future__ import annotations

import math
from collections import Counter, deque
from typing import Any

__all__ = ["ServerStats"]

_MAX_LATENCY_SAMPLES = 200_000
_KNOWN_TABLE_LIMIT = 64


def _percentile(ordered: list[float], p: float) -> float:
    """k6's method: linear interpolation at p·(n−1) over the sorted samples."""
    if not ordered:
        return 0.0
    rank = p * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def _summary(samples: deque[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "count": len(ordered),
        "avg": sum(ordered) / len(ordered) if ordered else 0.0,
        "p50": _percentile(ordered, 0.50),
        "p90": _percentile(ordered, 0.90),
        "p95": _percentile(ordered, 0.95),
        "p99": _percentile(ordered, 0.99),
        "max": ordered[-1] if ordered else 0.0,
    }


class ServerStats:
    """Counters the server loop updates; `snapshot` gives a JSON-ready copy.

    Injected latency is kept twice: `drawn_latency_ms` are the values drawn from the spec (the same
    for the same seed and requests) and `injected_latency_ms` the time each request was actually held,
    timer overshoot included, which is what a client's measurement should be compared with.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.by_table: dict[str, Counter[str]] = {}
        self.faults: Counter[str] = Counter()
        self.injected_latency_ms: deque[float] = deque(maxlen=_MAX_LATENCY_SAMPLES)
        self.drawn_latency_ms: deque[float] = deque(maxlen=_MAX_LATENCY_SAMPLES)
        self.realtime: Counter[str] = Counter()
        self.realtime_active = 0
        self.inserted: Counter[str] = Counter()
        self.box_office: Counter[str] = Counter()

    def record(self, table: str, status: int | str) -> None:
        self.requests += 1
        if table not in self.by_table and len(self.by_table) >= _KNOWN_TABLE_LIMIT:
            table = "(other)"
        counts = self.by_table.get(table)
        if counts is None:
            counts = self.by_table[table] = Counter()
        counts[str(status)] += 1

    def fault(self, kind: str) -> None:
        self.faults[kind] += 1

    def latency(self, drawn_ms: float, applied_ms: float | None = None) -> None:
        """One delayed request: the value drawn from the spec and the time actually held (>= drawn)."""
        self.faults["latency"] += 1
        self.drawn_latency_ms.append(drawn_ms)
        self.injected_latency_ms.append(drawn_ms if applied_ms is None else applied_ms)

    def snapshot(self) -> dict[str, Any]:
        statuses: Counter[str] = Counter()
        for counts in self.by_table.values():
            statuses.update(counts)
        failed = sum(n for status, n in statuses.items() if not status.isdigit() or int(status) >= 400)
        return {
            "requests": self.requests,
            "failed": failed,
            "by_status": dict(sorted(statuses.items())),
            "by_table": {t: dict(sorted(c.items())) for t, c in sorted(self.by_table.items())},
            "faults": {
                "latency": self.faults["latency"],
                "errors": self.faults["error"],
                "resets": self.faults["reset"],
                "slow_bodies": self.faults["slow_body"],
            },
            "injected_latency_ms": _summary(self.injected_latency_ms),
            "drawn_latency_ms": _summary(self.drawn_latency_ms),
            "inserted": dict(sorted(self.inserted.items())),
            "box_office": dict(sorted(self.box_office.items())),
            "realtime": {
                "connections": self.realtime["connections"],
                "active_connections": self.realtime_active,
                "rejected_upgrades": self.realtime["rejected_upgrades"],
                "joins": self.realtime["joins"],
                "refused_joins": self.realtime["refused_joins"],
                "subscribed": self.realtime["subscribed"],
                "leaves": self.realtime["leaves"],
                "heartbeats": self.realtime["heartbeats"],
                "pushes": self.realtime["pushes"],
                "bad_frames": self.realtime["bad_frames"],
                "dropped_by_fault": self.realtime["dropped_by_fault"],
                "dropped_frames": self.realtime["dropped_frames"],
            },
        }
