"""k6's progress line for headless runs, as pure functions of a `Progress`."""

from __future__ import annotations

from .run.protocol import Progress
from .scenario.durations import format_duration

__all__ = ["format_elapsed", "progress_bar_lines", "progress_line"]


def format_elapsed(seconds: float) -> str:
    """k6's run-time format: `13.0s`, `1m02.3s`, `1h00m05.0s`."""
    seconds = max(0.0, seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 1:
        return f"{int(hours)}h{int(minutes):02d}m{secs:04.1f}s"
    if minutes >= 1:
        return f"{int(minutes)}m{secs:04.1f}s"
    return f"{secs:.1f}s"


def _time_left(progress: Progress) -> str:
    """`, 34%, 1m57s left` for a run with a planned length (graceful stops not counted), else ``."""
    if progress.planned <= 0 or not progress.status.running:
        return ""
    share = min(1.0, max(0.0, progress.elapsed / progress.planned))
    left = max(0, int(progress.planned - progress.elapsed + 0.999))
    minutes, seconds = divmod(left, 60)
    clock = f"{minutes}m{seconds:02d}s" if minutes else f"{seconds}s"
    return f", {int(share * 100)}%, {clock} left"


def progress_line(progress: Progress) -> str:
    """`running (1m02.3s), 20/20 VUs, 145 complete and 0 interrupted iterations, 34%, 1m58s left`: k6's
    wording, then how far the planned run is and the time left."""
    state = "running"
    if progress.status.paused:
        state = "paused"
    elif progress.status.stopping:
        state = "stopping"
    width = len(str(progress.vus_max))
    return (
        f"{state} ({format_elapsed(progress.elapsed)}), {progress.vus:0{width}d}/{progress.vus_max} VUs, "
        f"{progress.complete} complete and {progress.interrupted} interrupted iterations"
        f"{_time_left(progress)}"
    )


def progress_bar_lines(progress: Progress, *, width: int = 40) -> list[str]:
    """One k6-style bar per scenario: `dashboard_viewers   [=====>-----] 20 VUs  1m02.3s/3m0s`."""
    lines = []
    name_width = max((len(s.name) for s in progress.scenarios), default=0)
    for scenario in progress.scenarios:
        share = min(1.0, scenario.elapsed / scenario.planned) if scenario.planned > 0 else 0.0
        if scenario.done:
            share = 1.0
        filled = int(share * width)
        bar = "=" * filled + (">" if filled < width else "") + "-" * max(0, width - filled - 1)
        lines.append(
            f"{scenario.name:<{name_width}}   [{bar}] {scenario.vus} VUs  "
            f"{format_elapsed(scenario.elapsed)}/{format_duration(scenario.planned)}"
        )
    return lines
