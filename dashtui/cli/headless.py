"""Headless runs: progress lines on stderr, signal handling, then the summary on stdout."""

from __future__ import annotations

import gc
import signal
import sys

import anyio

from ..engine.control import RunOutcome
from ..progress import progress_bar_lines, progress_line
from ..report import render_summary
from ..session import Session

__all__ = ["print_outcome", "run_headless"]


async def _watch_signals(session: Session) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        count = 0
        async for signum in signals:
            count += 1
            name = signal.Signals(signum).name
            if count == 1:
                print(f"\n{name}: stopping gracefully; press Ctrl-C again to stop at once", file=sys.stderr)
                session.signal(graceful=True)
            else:
                print(f"\n{name}: stopping now", file=sys.stderr)
                session.signal(graceful=False)


async def _print_progress(session: Session, tty: bool) -> None:
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


async def run_headless(session: Session, quiet: bool = False) -> RunOutcome:
    """Run with progress lines and signal handling; returns after the reports are written."""
    outcome: RunOutcome | None = None
    tty = sys.stderr.isatty()
    # the run's long-lived objects (VUs, clients, presets) need no collector scans: as the console does
    gc.collect()
    gc.freeze()
    async with anyio.create_task_group() as tg:
        tg.start_soon(_watch_signals, session)
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


def print_outcome(session: Session, outcome: RunOutcome, *, color: bool) -> int:
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
    if outcome.exit_code:
        print(f"dashtui: {outcome.reason} (exit {outcome.exit_code})", file=sys.stderr)
    return outcome.exit_code
