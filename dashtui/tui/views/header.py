"""The header: what runs where, how far along it is, and whether the generator can be trusted."""

from __future__ import annotations

from enum import StrEnum

from textual.content import Content

from ...engine.selfmon import ADVICE
from ...run.protocol import Progress, RunInfo
from ..format import fmt_clock, fmt_count, fmt_ms

__all__ = [
    "Health",
    "RunState",
    "health_level",
    "is_overloaded",
    "progress_bar",
    "render_header",
    "run_state",
]

LAG_WARN_MS = 10.0
"""Event-loop lag adds straight to every latency measured; past 10 ms it starts to show in p95."""
LAG_BAD_MS = 50.0
CPU_WARN = 80.0
CPU_BAD = 95.0
BAR_WIDTH = 16


class RunState(StrEnum):
    RUNNING = "RUNNING"
    PAUSED = "PAUSED"
    STOPPING = "STOPPING"
    ABORTED = "ABORTED"
    FINISHED = "FINISHED"


class Health(StrEnum):
    """The generator's own health: OK, or WARN/BAD when its lag or CPU would distort latencies."""

    OK = "ok"
    WARN = "warn"
    BAD = "bad"


def run_state(progress: Progress) -> RunState:
    status = progress.status
    if status.aborted_by_threshold:
        return RunState.ABORTED
    if not status.running:
        return RunState.FINISHED
    if status.stopping:
        return RunState.STOPPING
    if status.paused:
        return RunState.PAUSED
    return RunState.RUNNING


def health_level(loop_lag_ms: float, cpu_percent: float) -> Health:
    if loop_lag_ms >= LAG_BAD_MS or cpu_percent >= CPU_BAD:
        return Health.BAD
    if loop_lag_ms >= LAG_WARN_MS or cpu_percent >= CPU_WARN:
        return Health.WARN
    return Health.OK


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """`████████░░░░░░░░` for 0.5 at width 16; the fraction is clamped to 0–1."""
    clamped = min(1.0, max(0.0, fraction))
    filled = round(clamped * width)
    return "█" * filled + "░" * (width - filled)


_STATE_STYLE = {
    RunState.RUNNING: "bold $text-success on $success-muted",
    RunState.PAUSED: "bold $text-warning on $warning-muted",
    RunState.STOPPING: "bold $text-warning on $warning-muted",
    RunState.ABORTED: "bold $text-error on $error-muted",
    RunState.FINISHED: "bold $text-primary on $primary-muted",
}
_HEALTH_STYLE = {Health.OK: "$text-muted", Health.WARN: "bold $warning", Health.BAD: "bold $error"}


def _lag(ms: float) -> str:
    """Lag to the millisecond: finer digits would change every frame and only cost repaints."""
    return "<1ms" if ms < 1 else (f"{round(ms)}ms" if ms < 999.5 else fmt_ms(ms))


def is_overloaded(progress: Progress) -> bool:
    """The generator's time-weighted verdict (engine/selfmon.py): what turns the header red."""
    return progress.health is not None and progress.health.overloaded


def _health_part(progress: Progress) -> tuple[str, str]:
    if progress.health is not None and progress.health.overloaded:
        return (f"⚠ generator overloaded: {progress.health.reason} · {ADVICE}", "bold $text-error")
    health = health_level(progress.loop_lag_ms, progress.cpu_percent)
    return (
        f"generator: loop lag {_lag(progress.loop_lag_ms)} · CPU {progress.cpu_percent:.0f}%",
        _HEALTH_STYLE[health],
    )


def render_header(info: RunInfo, progress: Progress, *, stop_left: float | None = None) -> Content:
    """Three lines: state and target; progress, VUs and iterations; the generator's health, and why it is
    overloaded when it is. `stop_left`: the graceful stop's countdown, shown while it runs."""
    state = run_state(progress)
    executors = {s.name: s.executor for s in progress.scenarios}
    scenarios = ", ".join(
        f"{name} ({executors.get(name) or executor})"
        for name, executor in zip(info.scenarios, info.executors, strict=False)
    )
    countdown: tuple[str, str] | str = ""
    if stop_left is not None and state is RunState.STOPPING:
        countdown = (f" iterations finishing: {fmt_clock(stop_left)} left · q aborts now ", "bold $warning")
    first = Content.assemble(
        (f" {state.value} ", _STATE_STYLE[state]),
        countdown,
        " ",
        (info.preset, "bold"),
        " · ",
        scenarios,
        " · ",
        (info.target, "$text-muted"),
    )
    planned = progress.planned or info.planned
    if planned > 0:
        fraction = progress.elapsed / planned
        timing = Content.assemble(
            (progress_bar(fraction), "$accent"),
            f" {fmt_clock(progress.elapsed)} / {fmt_clock(planned)} {min(100, int(fraction * 100))}%",
        )
    else:
        timing = Content(f"{fmt_clock(progress.elapsed)} elapsed")
    second = Content.assemble(
        timing,
        "  VUs ",
        (f"{progress.vus}/{progress.vus_max}", "bold"),
        "  iterations ",
        (fmt_count(progress.complete), "bold"),
        f" ({fmt_count(progress.interrupted)} interrupted)",
    )
    third_parts: list[Content | str | tuple[str, str]] = [_health_part(progress)]
    changes = sum(delta for _, delta in progress.vu_changes)
    if changes:
        third_parts.append(f" · VUs changed by hand {changes:+d}")
    if progress.status.aborted_by_threshold:
        third_parts.append((f" · aborted by {progress.status.aborted_by_threshold}", "bold $error"))
    return Content("\n").join([first, second, Content.assemble(*third_parts)])
