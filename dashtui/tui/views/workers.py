"""The header's worker line: each worker's VUs, loop lag, CPU, last contact and clock offset."""

from __future__ import annotations

from textual.content import Content

from ...run.protocol import WorkerStatus
from .header import Health, health_level

__all__ = ["SILENT_AFTER_S", "render_workers"]

SILENT_AFTER_S = 3.0
"""Deltas come every second: a worker not heard from for 3 s is shown as silent."""

_STYLE = {Health.OK: "$text-muted", Health.WARN: "bold $warning", Health.BAD: "bold $error"}


def _lag(ms: float) -> str:
    return "<1ms" if ms < 1 else f"{round(ms)}ms"


def _one(worker: WorkerStatus) -> Content:
    if worker.state == "lost":
        return Content.assemble((f"{worker.name} LOST", "bold $error"), f" ({worker.error})")
    health = health_level(worker.loop_lag_ms, worker.cpu_percent)
    silent = worker.state == "running" and worker.last_contact_s > SILENT_AFTER_S
    contact = f"{worker.last_contact_s:.0f}s ago" if silent else worker.state
    return Content.assemble(
        (worker.name, "bold"),
        f" {worker.vus} VUs ",
        (f"lag {_lag(worker.loop_lag_ms)} CPU {worker.cpu_percent:.0f}%", _STYLE[health]),
        " ",
        (contact, "bold $warning" if silent else "$text-muted"),
        (f" {worker.clock_offset_ms:+.1f}ms", "$text-muted"),
    )


def render_workers(workers: tuple[WorkerStatus, ...]) -> Content | None:
    """One line for a run of several workers (or one that was lost); None for a single healthy worker."""
    if len(workers) < 2 and not any(w.state == "lost" for w in workers):
        return None
    return Content.assemble(f"workers {len(workers)}: ", Content(" · ").join([_one(w) for w in workers]))
