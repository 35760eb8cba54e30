"""Stopping as k6 stops: SIGINT, SIGTERM and SIGHUP handled from the entry point's first line to its last.

`install()` runs before anything heavy is imported. From then on a signal never ends in a traceback:
- before a run has started (imports, the stand-in's start-up, loading the preset): exit 105 at once;
- during a run: the first signal calls the run's `on_stop` (abort at once, reports written, exit 105);
  a second one calls `on_force` (write what there is, exit 105 now);
- after the run (the summary is out, the stand-in shuts down): exit 105 at once.
A watchdog thread ends a run whose event loop is held by a blocking Python step: see `Watchdog`.
Only the standard library is imported here.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = [
    "EXIT_SIGNAL",
    "SIGNALS",
    "SignalExit",
    "StopState",
    "Watchdog",
    "checkpoint",
    "during_run",
    "exit_now",
    "install",
    "run_over",
    "say",
    "state",
]

EXIT_SIGNAL = 105
SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))

StopHook = Callable[[str], None]


class SignalExit(SystemExit):
    """A signal before the run: exit 105; its own type, so catching a preset's `sys.exit()` lets it by."""


class StopState:
    """What the process knows about stopping: how many signals, and who handles them now."""

    def __init__(self) -> None:
        self.count = 0
        self.first: str | None = None
        self.requested_at: float | None = None
        """Monotonic time of the first signal, read by the watchdog (set even while the loop is stuck)."""
        self.on_stop: StopHook | None = None
        self.on_force: StopHook | None = None
        self.run_over = False


state = StopState()


def say(message: str) -> None:
    """One line on stderr, written straight to the descriptor: safe inside a signal handler."""
    try:
        os.write(2, (message + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def exit_now(message: str | None = None, code: int = EXIT_SIGNAL) -> None:
    """Flush what was printed and end the process at once (no cleanup that a stuck thread could hold up)."""
    try:
        if message:
            say(message)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, RuntimeError):
                pass
    finally:
        os._exit(code)


def checkpoint(name: str) -> None:
    """A test seam: with DASHTUI_CHECKPOINTS set, say `dashtui: checkpoint NAME` on stderr, and wait there
    (at most 60 s) when NAME is listed in DASHTUI_PAUSE_AT, so a test can signal at that exact moment."""
    if not os.environ.get("DASHTUI_CHECKPOINTS"):
        return
    say(f"dashtui: checkpoint {name}")
    if name in os.environ.get("DASHTUI_PAUSE_AT", "").split(","):
        for _ in range(600):
            time.sleep(0.1)


def _handle(signum: int, frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    state.count += 1
    if state.first is None:
        state.first, state.requested_at = name, time.monotonic()
    if state.run_over:
        exit_now(f"\ndashtui: {name}: exiting (exit {EXIT_SIGNAL})")
    on_stop, on_force = state.on_stop, state.on_force
    if on_stop is None:
        if state.count == 1:
            say(f"\ndashtui: {name} before the run started: stopped (exit {EXIT_SIGNAL})")
            raise SignalExit(EXIT_SIGNAL)
        exit_now()
    elif state.count == 1:
        on_stop(name)
    elif on_force is not None:
        on_force(name)
    else:
        exit_now()


def install() -> None:
    """Handle SIGINT, SIGTERM and SIGHUP as dashtui does; call first, before the heavy imports."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, _handle)


@contextmanager
def during_run(on_stop: StopHook, on_force: StopHook) -> Iterator[StopState]:
    """Route signals to the run for its duration; afterwards (summary printed) a signal exits at once.

    `on_stop` is called from the signal handler, on the main thread between two bytecodes of whatever
    runs there: it must only schedule work (e.g. `loop.call_soon_threadsafe`). `on_force` ends the process.
    A signal that came before the run started (and was not acted on) is passed on at once.
    """
    state.on_stop, state.on_force = on_stop, on_force
    if state.count and state.first is not None:
        on_stop(state.first)
    try:
        yield state
    finally:
        state.on_stop = state.on_force = None


def run_over() -> None:
    """The reports are written and the summary printed: from here a signal ends the process at once."""
    state.run_over = True


class Watchdog:
    """Ends a run whose event loop is held by a blocking step, with its reports written.

    A step that blocks (a `time.sleep`, a synchronous HTTP call) holds the one event loop every VU shares,
    and nothing on that loop can interrupt it. The loop beats (`beat()`) a few times a second; this thread
    notices when the beats stop while the run should be ending — a signal came, or the planned duration
    plus gracefulStop has passed — and then calls `take_over` from its own thread (the loop's thread is
    stuck in the step, so the metrics are not changing under it), which writes the reports and exits.
    """

    def __init__(
        self,
        take_over: Callable[[str], None],
        *,
        deadline: float | None,
        stall: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.take_over = take_over
        self.deadline = deadline
        """Monotonic time by which the run must have ended (None: no planned end)."""
        self.stall = stall
        self.clock = clock
        self.last_beat = clock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="dashtui-watchdog", daemon=True)

    def beat(self) -> None:
        self.last_beat = self.clock()

    def reason(self) -> str | None:
        """Why the run must be taken over now, or None while the loop is alive or the run may go on."""
        now = self.clock()
        stalled = now - self.last_beat
        if stalled < self.stall:
            return None
        if state.requested_at is not None and now - state.requested_at >= self.stall:
            return f"{state.first} came while a step held the event loop ({stalled:.1f} s)"
        if self.deadline is not None and now >= self.deadline:
            return f"the run's time was up while a step held the event loop ({stalled:.1f} s)"
        return None

    def _watch(self) -> None:
        while not self._done.wait(0.1):
            why = self.reason()
            if why is not None:
                self.take_over(why)
                return

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join(5)
