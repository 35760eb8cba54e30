"""What the live console costs the generator: throughput with the console running versus headless.

Usage: .venv/bin/python -m bench.bench_console [--vus 20] [--seconds 15] [--rounds 9] [--fps 4]

Every mode runs the same Session (the seed's four-request batch, no think time, so the generator is
CPU-bound) against a tiny ASGI target in another process on 127.0.0.1, in interleaved rounds so that
drift on a shared machine hits all of them; medians are reported. The console runs with Textual's
headless driver at 120×40: it pulls snapshots, builds every frame and composes the screen as in a
terminal, but skips writing the escape codes to a tty (a few kB per frame).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import anyio

from dashtui.run.protocol import RunOutcome
from dashtui.scenario.model import Scenario
from dashtui.session import Session
from dashtui.tui import DashApp

from ._target import serve_target
from .bench_batch import seed_batch


def scenario(base: str, vus: int, seconds: float) -> Scenario:
    batch = seed_batch(base)
    return Scenario.model_validate(
        {
            "name": "bench-console",
            "scenarios": {
                "viewers": {"executor": "constant-vus", "vus": vus, "duration": seconds, "gracefulStop": 5}
            },
            "flows": {"default": [{"group": "initial_load", "steps": [{"batch": batch}]}]},
            "thresholds": {
                "http_req_duration": ["p(95)<3000"],
                "http_req_failed": ["rate<0.01"],
                "http_req_duration{name:orders}": ["p(95)<1000"],
            },
        }
    )


def _requests(outcome: RunOutcome) -> float:
    values = outcome.snapshot.values("http_reqs") or {"count": 0.0}
    return values["count"]


def run_headless(session: Session) -> RunOutcome:
    """The run as headless mode makes it, with the console's GC treatment so that only UI work differs.

    The console freezes the objects that exist when the load starts out of the collector's reach
    (`DashApp._start_run`); that alone makes the generator faster, so the baseline gets it too.
    """
    gc.collect()
    gc.freeze()
    try:
        return anyio.run(session.run)
    finally:
        gc.unfreeze()


def run_console(session: Session, fps: float) -> RunOutcome:
    app = DashApp(session, fps=fps, exit_on_end=True)
    app.run(headless=True, size=(120, 40))
    assert app.outcome is not None, app.run_error
    return app.outcome


def measure(session: Session, run: Callable[[Session], RunOutcome], seconds: float) -> tuple[float, float]:
    """Requests per second of run time, and requests per CPU-second of this process during the run.

    CPU is counted from the start of `session.run()` to its return, so the console's one-off start
    and exit (about half a CPU-second, before and after the load) are not charged to the run.
    """
    cpu: list[float] = []
    original = session.run

    async def timed_run() -> RunOutcome:
        start = time.process_time()
        try:
            return await original()
        finally:
            cpu.append(time.process_time() - start)

    session.run = timed_run  # type: ignore[method-assign]
    outcome = run(session)
    requests = _requests(outcome)
    return requests / seconds, requests / cpu[0]


MODES = ("headless", "console", "no frames")
"""`no frames` is the console app with its frame timer slower than the run: the app, its event loop
and its GC treatment without the UI work, to tell the cost of drawing from the cost of hosting."""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--vus", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--fps", type=float, default=4.0)
    args = parser.parse_args()
    idle_fps = 0.5 / args.seconds
    runners: dict[str, Callable[[Session], RunOutcome]] = {
        "headless": run_headless,
        "console": lambda s: run_console(s, args.fps),
        "no frames": lambda s: run_console(s, idle_fps),
    }
    results: dict[str, list[tuple[float, float]]] = {mode: [] for mode in MODES}
    with serve_target(workers=1) as base:
        for round_ in range(args.rounds):
            line = []
            for mode in MODES:
                session = Session(scenario(base, args.vus, args.seconds), env={}, target=base)
                rps, per_cpu = measure(session, runners[mode], args.seconds)
                results[mode].append((rps, per_cpu))
                line.append(f"{mode} {rps:,.0f} req/s ({per_cpu:,.0f} per CPU-s)")
            print(f"round {round_ + 1}: " + ", ".join(line), flush=True)
    medians = {mode: tuple(statistics.median(r[i] for r in results[mode]) for i in (0, 1)) for mode in MODES}
    print(f"{args.vus} VUs, {args.seconds:g} s runs, {args.fps:g} fps, medians of {args.rounds} rounds:")
    for index, unit in ((0, "req/s"), (1, "requests per CPU-second")):
        h, c, n = (medians[mode][index] for mode in MODES)
        print(
            f"  {unit}: headless {h:,.0f}, console {c:,.0f}, no frames {n:,.0f}; "
            f"the console costs {_cost(h, c):.1f}% (drawing alone {_cost(n, c):.1f}%)"
        )


def _cost(baseline: float, other: float) -> float:
    return 100.0 * (baseline - other) / baseline if baseline else 0.0


if __name__ == "__main__":
    main()
