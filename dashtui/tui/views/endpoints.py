"""The per-endpoint table: one row per request name, its columns and how rows sort."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ...metrics.snapshot import Snapshot, WindowStats
from ..format import fmt_count, fmt_ms, fmt_percent, fmt_rate

__all__ = [
    "COLUMNS",
    "COMPACT_COLUMNS",
    "RATE_SECONDS",
    "Column",
    "EndpointRow",
    "endpoint_rows",
    "sort_order",
]

RATE_SECONDS = 5
"""Rates (req/s, the header's error rate) are averages over the last 5 closed seconds, everywhere in the
console; latencies (p50/p95/p99/max) are over the whole run, as the thresholds judge them."""


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: its key, header, width in cells and whether it is numeric (right-aligned)."""

    key: str
    label: str
    width: int
    numeric: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("mark", " ", 1, numeric=False),
    Column("name", "endpoint", 16, numeric=False),
    Column("requests", "reqs", 6),
    Column("rps", "req/s", 6),
    Column("2xx", "2xx", 6),
    Column("3xx", "3xx", 4),
    Column("4xx", "4xx", 5),
    Column("5xx", "5xx", 5),
    Column("network", "net", 4),
    Column("errors", "err%", 6),
    Column("p50", "p50", 6),
    Column("p95", "p95", 6),
    Column("p99", "p99", 6),
    Column("max", "max", 6),
    Column("last", "last", 4),
)
"""Every column, in display order; `mark` flags a row that breaches a threshold."""

COMPACT_COLUMNS: tuple[Column, ...] = tuple(
    c for c in COLUMNS if c.key not in ("2xx", "3xx", "4xx", "5xx", "network", "last")
)
"""What fits 80 columns: the status classes go (err% stays), every latency stays."""


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """What the table shows for one request name (k6's `name` tag)."""

    name: str
    method: str
    requests: int
    rps: float
    """Requests per second over the last `RATE_SECONDS` closed seconds."""
    classes: tuple[int, int, int, int, int]
    """2xx, 3xx, 4xx, 5xx and network errors (no response)."""
    error_rate: float
    p50: float
    p95: float
    p99: float
    max: float
    last_status: int
    last_error: str
    breaching: bool

    def cells(self) -> dict[str, str]:
        """The formatted value of every column, by column key."""
        c2, c3, c4, c5, net = self.classes
        return {
            "mark": "▲" if self.breaching else " ",
            "name": self.name,
            "requests": fmt_count(self.requests),
            "rps": fmt_rate(self.rps),
            "2xx": fmt_count(c2),
            "3xx": fmt_count(c3),
            "4xx": fmt_count(c4),
            "5xx": fmt_count(c5),
            "network": fmt_count(net),
            "errors": fmt_percent(self.error_rate),
            "p50": fmt_ms(self.p50),
            "p95": fmt_ms(self.p95),
            "p99": fmt_ms(self.p99),
            "max": fmt_ms(self.max),
            "last": str(self.last_status) if self.last_status else "err",
        }

    def sort_value(self, column: str) -> float | str:
        """The raw value a column sorts by (numbers, not their formatted text)."""
        values: dict[str, float | str] = {
            "mark": float(self.breaching),
            "name": self.name,
            "requests": self.requests,
            "rps": self.rps,
            "2xx": self.classes[0],
            "3xx": self.classes[1],
            "4xx": self.classes[2],
            "5xx": self.classes[3],
            "network": self.classes[4],
            "errors": self.error_rate,
            "p50": self.p50,
            "p95": self.p95,
            "p99": self.p99,
            "max": self.max,
            "last": self.last_status,
        }
        return values[column]


def endpoint_rows(
    snapshot: Snapshot, breaching: frozenset[str] = frozenset(), *, rate_seconds: int = RATE_SECONDS
) -> tuple[EndpointRow, ...]:
    """A row per endpoint, in the order the endpoints were first seen."""
    recent: Sequence[WindowStats] = snapshot.windows[-rate_seconds:] if rate_seconds > 0 else ()
    rows: list[EndpointRow] = []
    for name, stats in snapshot.endpoints.items():
        classes = stats.status_classes
        duration = stats.duration
        rows.append(
            EndpointRow(
                name=name,
                method=stats.method,
                requests=stats.requests,
                rps=sum(w.endpoint_requests.get(name, 0) for w in recent) / len(recent) if recent else 0.0,
                classes=(
                    classes.get("2xx", 0),
                    classes.get("3xx", 0),
                    classes.get("4xx", 0),
                    classes.get("5xx", 0),
                    classes.get("network", 0),
                ),
                error_rate=stats.error_rate,
                p50=duration.stat("med"),
                p95=duration.stat("p(95)"),
                p99=duration.stat("p(99)"),
                max=duration.stat("max"),
                last_status=stats.last_status,
                last_error=stats.last_error,
                breaching=name in breaching,
            )
        )
    return tuple(rows)


def sort_order(rows: Iterable[EndpointRow], column: str | None, *, reverse: bool = False) -> Sequence[str]:
    """Endpoint names in display order: first-seen order without a sort column, else by that column."""
    listed = list(rows)
    if column is None:
        return [row.name for row in listed]
    ordered = sorted(listed, key=lambda row: (row.sort_value(column), row.name), reverse=reverse)
    return [row.name for row in ordered]
