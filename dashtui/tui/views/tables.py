"""Checks, group timings and recent failures: the console's small text tables."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.content import Content

from ...metrics.snapshot import CheckStats, Snapshot
from ...secrets import redact
from ..format import fmt_clock, fmt_count, fmt_ms, fmt_percent

__all__ = [
    "FailureRow",
    "GroupRow",
    "check_rows",
    "failure_rows",
    "group_label",
    "group_rows",
    "render_checks",
    "render_failures",
    "render_groups",
]

FAILURE_ROWS = 20
EXCERPT_CHARS = 120


def group_label(path: str) -> str:
    """A k6 group path (`::initial_load`, `::a::b`) as a person reads it (`initial_load`, `a › b`)."""
    parts = [part for part in path.split("::") if part]
    return " › ".join(parts) if parts else "(root)"


def check_rows(snapshot: Snapshot) -> tuple[CheckStats, ...]:
    """Every check, failing ones first (lowest pass rate first), then the rest by group and name."""
    rows = list(snapshot.checks.values())
    failing = sorted((r for r in rows if r.fails), key=lambda r: (r.rate, r.group, r.name))
    passing = sorted((r for r in rows if not r.fails), key=lambda r: (r.group, r.name))
    return tuple(failing + passing)


def render_checks(rows: Iterable[CheckStats]) -> Content:
    """`✗  90.3% orders status 200  ✓65 ✗7  initial_load`; failing checks in the error colour.

    The name comes whole before anything else, so a narrow panel cuts the counts and the group (shown
    only when the checks sit in more than one group), never the name.
    """
    listed = list(rows)
    if not listed:
        return Content.styled("no checks yet", "$text-muted")
    several_groups = len({row.group for row in listed}) > 1
    lines: list[Content] = []
    for row in listed:
        failing = row.fails > 0
        lines.append(
            Content.assemble(
                ("✗" if failing else "✓", "$error" if failing else "$success"),
                (f" {fmt_percent(row.rate):>6} ", "bold"),
                (row.name, "$error" if failing else ""),
                (f"  ✓{fmt_count(row.passes)} ✗{fmt_count(row.fails)}", "$text-muted"),
                (f"  {group_label(row.group)}", "$text-muted") if several_groups else "",
            )
        )
    return Content("\n").join(lines)


@dataclass(frozen=True, slots=True)
class GroupRow:
    path: str
    count: int
    avg: float
    p95: float
    p99: float
    max: float


def group_rows(snapshot: Snapshot) -> tuple[GroupRow, ...]:
    """A row per group, by path."""
    return tuple(
        GroupRow(
            path=path,
            count=int(sink.stat("count")),
            avg=sink.stat("avg"),
            p95=sink.stat("p(95)"),
            p99=sink.stat("p(99)"),
            max=sink.stat("max"),
        )
        for path, sink in sorted(snapshot.groups.items())
    )


def render_groups(rows: Iterable[GroupRow]) -> Content:
    """A fixed-width table: group, avg, p95, p99, max (the iteration count is in the header)."""
    listed = list(rows)
    if not listed:
        return Content.styled("no groups yet", "$text-muted")
    name_width = max(5, *(len(group_label(r.path)) for r in listed))
    header = f"{'group':<{name_width}} {'avg':>6} {'p95':>6} {'p99':>6} {'max':>6}"
    lines = [Content.styled(header, "bold")]
    for r in listed:
        cells = [fmt_ms(r.avg), fmt_ms(r.p95), fmt_ms(r.p99), fmt_ms(r.max)]
        lines.append(Content(f"{group_label(r.path):<{name_width}} " + " ".join(f"{c:>6}" for c in cells)))
    return Content("\n").join(lines)


@dataclass(frozen=True, slots=True)
class FailureRow:
    elapsed: float
    name: str
    status: int
    error: str
    excerpt: str


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def failure_rows(snapshot: Snapshot, limit: int = FAILURE_ROWS) -> tuple[FailureRow, ...]:
    """The newest `limit` failures, newest first, excerpts flattened to one short line; key-shaped text
    (`?apikey=…`, a JWT, a bearer token) is redacted again here, whoever recorded the failure."""
    return tuple(
        FailureRow(
            f.elapsed,
            redact(f.name),
            f.status,
            redact(f.error),
            _one_line(redact(f.body_excerpt), EXCERPT_CHARS),
        )
        for f in snapshot.failures[:limit]
    )


def render_failures(rows: Iterable[FailureRow]) -> Content:
    """`  12s events 503 {"message":"…"}` — time into the run, request name, status or error, excerpt."""
    lines: list[Content] = []
    for row in rows:
        if row.status:
            status = f"{row.status} {row.error}" if row.error else str(row.status)
        else:
            status = row.error or "network error"
        lines.append(
            Content.assemble(
                (f"{fmt_clock(row.elapsed):>7}", "$text-muted"),
                " ",
                (row.name, "bold"),
                " ",
                (status, "$error"),
                " ",
                (row.excerpt, "$text-muted"),
            )
        )
    if not lines:
        return Content.styled("no failed requests", "$text-muted")
    return Content("\n").join(lines)
