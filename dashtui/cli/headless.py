"""Headless runs: progress lines on stderr, stopping on signals (and on a stuck step), then the summary."""

from __future__ import annotations

import asyncio
import gc
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace

import anyio

from .. import stopping
from ..engine.selfmon import GeneratorHealth, LoadFigures
from ..progress import progress_bar_lines, progress_line
from ..report import render_summary
from ..run.coordinator import EXIT_ABORTED_BY_SIGNAL, Coordinator
from ..run.protocol import RunControl, RunOutcome
from .errorfeed import feed_errors

__all__ = ["OverloadNotifier", "headless", "print_outcome", "run_headless"]

WORSEN_FACTOR = 2.0
"""A live overload is reported again only when its late share or its stalls at least double (and by at least
WORSEN_MIN_SHARE / WORSEN_MIN_MS), and a window after the last line (the window fills as an overload starts,
so its share climbs for a window's length): a handful of lines over a whole run, never one per second."""
WORSEN_MIN_SHARE = 0.05
WORSEN_MIN_MS = 10.0

_BEAT = 0.25
_DEADLINE_SLACK = 1.0
"""Seconds past the planned end plus gracefulStop before the watchdog takes over a stuck loop."""


class _HeadlessStop:
    """Signals during a headless run: the first aborts it, the second (or a stuck loop) ends it now."""

    def __init__(self, session: Coordinator, color: bool) -> None:
        self.session = session
        self.color = color
        self.loop: asyncio.AbstractEventLoop | None = None
        self.outcome: RunOutcome | None = None
        self.printed = False

    def on_stop(self, name: str) -> None:
        stopping.say(f"\n{name}: stopping now; the reports are written next (signal again to exit at once)")
        self.session.interrupted_by_signal = True
        loop = self.loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: self.session.signal(graceful=False))

    def end_now(self, why: str) -> None:
        """Write what there is, print the summary, exit: from a second signal or the watchdog's thread."""
        stopping.say(f"\ndashtui: {why}")
        code = EXIT_ABORTED_BY_SIGNAL
        try:
            if self.outcome is None:
                self.session.collect_in_process()
                self.outcome = self.session.finish()
            if not self.printed:
                self.printed = True
                code = print_outcome(self.session, self.outcome, color=self.color)
            elif self.session.interrupted_by_signal:
                code = EXIT_ABORTED_BY_SIGNAL
        except Exception as error:
            stopping.say(f"dashtui: error: the reports could not be finished: {error}")
        stopping.exit_now(code=EXIT_ABORTED_BY_SIGNAL if self.session.interrupted_by_signal else code)

    def on_force(self, name: str) -> None:
        self.end_now(f"{name}: exiting now")

    def take_over(self, why: str) -> None:
        self.end_now(f"{why}: the run ends without that step (its iteration is interrupted)")


def run_deadline(session: Coordinator) -> float | None:
    """Monotonic time by which every scenario has ended, gracefulStop included (None: unbounded)."""
    planned = session.info.planned
    if planned <= 0:
        return None
    grace = max((float(c.graceful_stop) for c in session.scenario.scenarios.values()), default=0.0)
    return time.monotonic() + planned + grace + _DEADLINE_SLACK


async def _beat(watchdog: stopping.Watchdog) -> None:
    while True:
        watchdog.beat()
        await anyio.sleep(_BEAT)


class OverloadNotifier:
    """What headless says about the generator's health: a line when an overload starts, when it gets markedly
    worse than last said, and when it clears; nothing while it holds steady."""

    def __init__(self) -> None:
        self._said: LoadFigures | None = None
        self._said_at = 0.0

    def update(self, health: GeneratorHealth | None, now: float) -> str | None:
        """The line to print for this health reading at `now` (seconds on the run's clock), if any."""
        if health is None:
            return None
        figures = health.window
        if not health.overloaded:
            if self._said is None:
                return None
            self._said = None
            span = f"the last {health.window_s:g} s"
            return (
                f"dashtui: generator no longer overloaded ({figures.describe(span)}); "
                "latencies measured while it was still include its delay"
            )
        if self._said is None:
            self._said, self._said_at = figures, now
            return f"dashtui: WARNING {health.warning}"
        said = self._said
        if now - self._said_at < health.window_s or not (
            _doubled(figures.late_share, said.late_share, WORSEN_MIN_SHARE)
            or _doubled(figures.late_mean_ms, said.late_mean_ms, WORSEN_MIN_MS)
        ):
            return None
        self._said_at = now
        self._said = LoadFigures(
            late_share=max(figures.late_share, said.late_share),
            late_mean_ms=max(figures.late_mean_ms, said.late_mean_ms),
        )
        return f"dashtui: WARNING generator overload worse ({health.reason}): {health.advice}"


def _doubled(now: float, said: float, least: float) -> bool:
    return now >= WORSEN_FACTOR * said and now - said >= least


async def _warn_overload(
    run: RunControl, tty: bool, sleep: Callable[[float], Awaitable[None]] = anyio.sleep
) -> None:
    """Reads the generator's health once a second; prints what `OverloadNotifier` says above the progress."""
    notifier = OverloadNotifier()
    while True:
        await sleep(1.0)
        progress = run.progress()
        line = notifier.update(progress.health, progress.elapsed)
        if line:
            sys.stderr.write(("\r\x1b[J" if tty else "") + line + "\n")
            sys.stderr.flush()


async def _print_progress(session: Coordinator, tty: bool) -> None:
    while True:
        await anyio.sleep(1.0)
        progress = session.progress()
        if tty:
            lines = [progress_line(progress), *progress_bar_lines(progress)]
            sys.stderr.write(
                "\r\x1b[K" + "\n\x1b[K".join(lines) + (f"\x1b[{len(lines) - 1}A" if len(lines) > 1 else "")
            )
        else:
            sys.stderr.write(progress_line(progress) + "\n")
        sys.stderr.flush()


async def run_headless(
    session: Coordinator, quiet: bool = False, watchdog: stopping.Watchdog | None = None
) -> RunOutcome:
    """Run with progress lines; returns after the reports are written."""
    outcome: RunOutcome | None = None
    tty = sys.stderr.isatty()
    # the run's long-lived objects (VUs, clients, presets) need no collector scans: as the console does
    gc.collect()
    gc.freeze()
    async with anyio.create_task_group() as tg:
        if watchdog is not None:
            tg.start_soon(_beat, watchdog)
        tg.start_soon(_warn_overload, session, tty)
        tg.start_soon(feed_errors, session, tty, session.redactor.secrets)
        if not quiet:
            tg.start_soon(_print_progress, session, tty)
        outcome = await session.run()
        tg.cancel_scope.cancel()
    if tty and not quiet:
        sys.stderr.write("\r\x1b[K\x1b[J")
    assert outcome is not None
    if not quiet:
        print(progress_line(session.progress()), file=sys.stderr)
    return outcome


def headless(session: Coordinator, *, quiet: bool, color: bool) -> int:
    """A whole headless run as k6 runs it: signals abort and still write every report; returns the code."""
    stop = _HeadlessStop(session, color)

    async def main() -> RunOutcome:
        stop.loop = asyncio.get_running_loop()
        stopping.checkpoint("running")
        watchdog = stopping.Watchdog(stop.take_over, deadline=run_deadline(session))
        with watchdog:
            return await run_headless(session, quiet, watchdog)

    with stopping.during_run(stop.on_stop, stop.on_force):
        stop.outcome = anyio.run(main)
        stop.loop = None
        outcome = stop.outcome
        if session.interrupted_by_signal and outcome.exit_code != EXIT_ABORTED_BY_SIGNAL:
            outcome = replace(outcome, exit_code=EXIT_ABORTED_BY_SIGNAL, reason="interrupted by signal")
        stop.printed = True
        code = print_outcome(session, outcome, color=color)
    stopping.run_over()
    return code


def print_outcome(session: Coordinator, outcome: RunOutcome, *, color: bool) -> int:
    """The summary on stdout, report paths and the verdict on stderr; returns the exit code."""
    text = outcome.summary_text
    if color:
        data = session.summary_data(outcome.snapshot, outcome.results)
        text = render_summary(data, color=True)
        if session.scenario.report.dashboard_block:
            text += "\n" + session.dashboard_block(data)
    print(text)
    for path in outcome.report_paths:
        print(f"dashtui: wrote {path}", file=sys.stderr)
    for error in outcome.report_errors:
        print(f"dashtui: error: {error}", file=sys.stderr)
    if outcome.exit_code:
        print(f"dashtui: {outcome.reason} (exit {outcome.exit_code})", file=sys.stderr)
    return outcome.exit_code
