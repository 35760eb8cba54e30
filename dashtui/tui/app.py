"""The live console: runs a session in an async worker and shows it from snapshots pulled at a fixed rate."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
from collections.abc import Callable, Sequence
from typing import ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType

from .. import stopping
from ..metrics.snapshot import Snapshot
from ..run.protocol import RunOutcome, RunSession
from .commands import RunCommands
from .farewell import render_farewell
from .messages import RunCrashed, RunFinished
from .screens.help import HelpScreen
from .screens.main import MainScreen
from .screens.results import ResultsScreen, RunErrorScreen
from .views.live import build_live_view

__all__ = ["CRASH_EXIT_CODE", "DashApp", "run_console"]

CRASH_EXIT_CODE = 1
"""The app's return code when `run()` raised; `run_console` re-raises the error itself."""

_RUN_ACTIONS = frozenset({"toggle_pause", "add_vu", "remove_vu", "stop"})


class DashApp(App[None]):
    """The console for one run.

    The session runs in an async worker on Textual's event loop (anyio runs on its asyncio backend).
    The UI never receives a message per request: a timer pulls `progress()` and `threshold_results()`
    `fps` times a second, and `snapshot()` once per second of the run (its 1 s windows are what the
    panels show), and pushes one computed frame into the widgets.

    Args:
        session: The run to drive and watch.
        fps: Frames per second: how often the header and threshold lights are refreshed.
        exit_on_end: Exit with the outcome's exit code as soon as the run ends, without the results
            screen (for automation).
        graceful_stop: Seconds `s` gives running iterations (the longest gracefulStop): the countdown.
        interrupt: How `q` aborts the run as a signal does (exit 105); None: `stop(graceful=False)`.
        notices: Warnings about the run's options, shown as notifications when the console opens.
    """

    CSS_PATH = "dashtui.tcss"
    TITLE = "dashtui"
    COMMANDS = App.COMMANDS | {RunCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "toggle_pause", "Pause"),
        Binding("plus,equals_sign", "add_vu", "+VU", key_display="+"),
        Binding("minus", "remove_vu", "-VU", key_display="-"),
        Binding("s", "stop", "Stop"),
        Binding("q", "quit", "Abort"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(
        self,
        session: RunSession,
        *,
        fps: float = 4.0,
        exit_on_end: bool = False,
        graceful_stop: float = 30.0,
        interrupt: Callable[[], None] | None = None,
        notices: Sequence[str] = (),
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        if not fps > 0:
            raise ValueError(f"fps must be a positive number of frames per second, got {fps!r}")
        super().__init__()
        self.session = session
        self.fps = fps
        self.exit_on_end = exit_on_end
        self.outcome: RunOutcome | None = None
        """How the run ended, once `run()` has returned."""
        self.run_error: BaseException | None = None
        """What `run()` raised, if it did."""
        self.frames = 0
        """Frames drawn so far."""
        self.snapshots = 0
        """Snapshots pulled so far (at most one per second of the run, plus the final one)."""
        self._snapshot: Snapshot | None = None
        self._snapshot_second = -1
        self.graceful_stop = graceful_stop
        self.notices = tuple(notices)
        self.interrupt = interrupt
        self.heartbeat = heartbeat
        """Called a few times a second while the event loop runs (the watchdog listens)."""
        self._aborting = False
        self._graceful_from: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.signalled: str | None = None
        """The name of the signal that stopped the run, if one did."""
        self._main = MainScreen(session.info, fps=fps, on_frame=self._draw_frame)

    @property
    def run_ended(self) -> bool:
        return self.outcome is not None or self.run_error is not None

    async def on_mount(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.push_screen(self._main)
        if self.heartbeat is not None:
            self.set_interval(0.1, self.heartbeat)
        for notice in self.notices:
            self.notify(notice, title="Options", severity="warning", timeout=12)
        self.call_after_refresh(self._start_run)

    def _start_run(self) -> None:
        """Start the load once the first screen is drawn, so its one-off cost misses the run.

        The app's widgets, styles and caches live as long as the process; freezing them out of the
        garbage collector's reach keeps every full collection during the run from scanning them
        again (measured: Textual's objects otherwise add a third to the time of each one).
        """
        gc.collect()
        gc.freeze()
        self._run_session()

    def on_unmount(self) -> None:
        gc.unfreeze()

    @work(exclusive=True, exit_on_error=False, group="run", description="load test run")
    async def _run_session(self) -> None:
        try:
            outcome = await self.session.run()
        except Exception as error:
            self.post_message(RunCrashed(error))
            return
        self.post_message(RunFinished(outcome))

    def _draw_frame(self, *, everything: bool = False) -> None:
        """Pull progress and threshold results every frame, a snapshot once per second of the run.

        A snapshot copies every sink, which costs the generator more as the run grows; its 1 s
        windows are what the per-second panels show, so pulling it more often would buy nothing.
        """
        if self.run_ended:
            return
        session = self.session
        progress = session.progress()
        second = int(progress.elapsed)
        if everything or self._snapshot is None or second != self._snapshot_second:
            self._snapshot = session.snapshot()
            self._snapshot_second = second
            self.snapshots += 1
        view = build_live_view(session.info, self._snapshot, progress, session.threshold_results())
        self._main.show(view, everything=everything, stop_left=self._stop_left(progress.elapsed))
        self.frames += 1

    @on(RunFinished)
    def _run_finished(self, message: RunFinished) -> None:
        self._main.stop_frames()
        self._draw_frame(everything=True)
        self.outcome = message.outcome
        if self.exit_on_end:
            self.exit(return_code=message.outcome.exit_code)
            return
        self.push_screen(ResultsScreen(message.outcome))

    @on(RunCrashed)
    def _run_crashed(self, message: RunCrashed) -> None:
        self._main.stop_frames()
        self.run_error = message.error
        if self.exit_on_end:
            self.exit(return_code=CRASH_EXIT_CODE)
            return
        self.push_screen(RunErrorScreen(message.error))

    def on_signal(self, name: str) -> None:
        """From the signal handler (any moment on the app's thread): stop as headless does, on the loop."""
        self.signalled = name
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._stop_on_signal)

    def _stop_on_signal(self) -> None:
        """Abort at once; leave as soon as the reports are written, with the outcome's code (105)."""
        self.exit_on_end = True
        if self.outcome is not None:
            self.exit(return_code=stopping.EXIT_SIGNAL)
        elif self.run_error is not None:
            self.exit(return_code=CRASH_EXIT_CODE)
        elif self.interrupt is not None:
            self.interrupt()
        else:
            self.session.stop(graceful=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Run controls disappear from the footer and do nothing once the run has ended."""
        if action in _RUN_ACTIONS and self.run_ended:
            return False
        return True

    def action_toggle_pause(self) -> None:
        if self.session.progress().status.paused:
            self.session.resume()
        else:
            self.session.pause()
        self._draw_frame()

    def _change_vus(self, delta: int) -> None:
        try:
            self.session.add_vus(delta)
        except (ValueError, RuntimeError, NotImplementedError) as error:
            self.notify(str(error), title="VUs unchanged", severity="warning", timeout=4)
            return
        self._draw_frame()

    def action_add_vu(self) -> None:
        self._change_vus(1)

    def action_remove_vu(self) -> None:
        self._change_vus(-1)

    def _stop_left(self, elapsed: float) -> float | None:
        """Seconds of the graceful stop's countdown left, or None when no graceful stop is under way."""
        if self._graceful_from is None or self._aborting:
            return None
        return max(0.0, self.graceful_stop - (elapsed - self._graceful_from))

    def action_stop(self) -> None:
        """Graceful stop: no new iterations, running ones get gracefulStop to finish; q still aborts."""
        if self._graceful_from is not None or self._aborting:
            return
        self._graceful_from = self.session.progress().elapsed
        self.session.stop(graceful=True)
        self.notify("stopping gracefully: running iterations finish (q aborts now)", timeout=4)
        self._draw_frame()

    async def action_quit(self) -> None:
        self._quit()

    def _quit(self) -> None:
        """Abort as k6 does on a signal (iterations interrupted, reports written, exit 105); after the run,
        exit with its code."""
        if self.outcome is not None:
            self.exit(return_code=self.outcome.exit_code)
        elif self.run_error is not None:
            self.exit(return_code=CRASH_EXIT_CODE)
        elif not self._aborting:
            self._aborting = True
            if self.interrupt is not None:
                self.interrupt()
            else:
                self.session.stop(graceful=False)
            self.notify(
                "aborting: running iterations are interrupted, the reports are written next", timeout=4
            )
            self._draw_frame()

    def action_help_quit(self) -> None:
        """Ctrl-C aborts like q instead of Textual's "press ctrl+q" hint."""
        self._quit()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


_RESTORE = "\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1049l\x1b[?25h"
"""Mouse tracking and bracketed paste off, the main screen back, the cursor shown."""


def _terminal_restorer() -> Callable[[], None]:
    """A way back to the terminal as it is now, for an exit that cannot wait for Textual's own."""
    try:
        import termios

        fd = sys.stdin.fileno()
        saved = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        return lambda: None

    def restore() -> None:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, saved)
            os.write(sys.__stdout__.fileno() if sys.__stdout__ else 1, _RESTORE.encode())
        except (OSError, ValueError):
            pass

    return restore


def run_console(
    session: RunSession,
    *,
    fps: float = 4.0,
    exit_on_end: bool = False,
    headless: bool = False,
    graceful_stop: float = 30.0,
    interrupt: Callable[[], None] | None = None,
    finish_now: Callable[[], RunOutcome] | None = None,
    verdict: bool | None = None,
    notices: Sequence[str] = (),
    deadline: float | None = None,
) -> int:
    """Run the console until the person leaves it; returns the exit code headless mode would give.

    `headless=True` runs the app without a terminal (benchmarks, tests); it then ends only by itself,
    so pair it with `exit_on_end=True`. SIGINT, SIGTERM and SIGHUP stop the run as headless does
    (`interrupt`: abort, reports written, exit 105); a second signal writes what there is
    (`finish_now`), restores the terminal and exits 105 at once. Once the app has closed, the
    verdict, the thresholds and the report paths are printed to stdout (`verdict`; by default when not
    headless) to stay in the terminal. A step that blocks the event loop past `deadline` (monotonic: the
    planned end plus gracefulStop), or through a signal, is taken over by a watchdog thread that writes
    what there is (`finish_now`), restores the terminal and exits 105, as headless does.

    Raises:
        Exception: whatever the session's `run()` raised, after the terminal is restored.
    """
    app = DashApp(
        session,
        fps=fps,
        exit_on_end=exit_on_end,
        graceful_stop=graceful_stop,
        interrupt=interrupt,
        notices=notices,
    )
    watchdog = stopping.Watchdog(
        lambda why: force(f"{why}: the run ends without that step (its iteration is interrupted)"),
        deadline=deadline,
    )
    app.heartbeat = watchdog.beat
    restore = _terminal_restorer() if not headless else (lambda: None)

    def force(name: str) -> None:
        outcome = app.outcome
        errors: tuple[str, ...] = ()
        code = stopping.EXIT_SIGNAL
        try:
            if outcome is None and finish_now is not None:
                outcome = finish_now()
            errors = outcome.report_errors if outcome is not None else ()
            if outcome is not None and stopping.state.requested_at is None:
                code = outcome.exit_code
        finally:
            restore()
            for error in errors:
                stopping.say(f"dashtui: error: {error}")
            if outcome is not None and (not headless if verdict is None else verdict):
                print(render_farewell(outcome), flush=True)
            stopping.exit_now(f"dashtui: {name}: exiting now (exit {code})", code)

    with stopping.during_run(app.on_signal, force), watchdog:
        app.run(headless=headless)
    if app.signalled is not None:
        stopping.say(f"dashtui: {app.signalled}: the run was stopped (exit {stopping.EXIT_SIGNAL})")
    if app.outcome is not None:
        for error in app.outcome.report_errors:
            stopping.say(f"dashtui: error: {error}")
    if app.outcome is not None and (not headless if verdict is None else verdict):
        print(render_farewell(app.outcome), flush=True)
    if app.run_error is not None:
        raise app.run_error
    if app.return_code is not None:
        return app.return_code
    return app.outcome.exit_code if app.outcome is not None else CRASH_EXIT_CODE
