"""The realtime preset's shape at 500 subscribers against the stand-in on loopback: subscribe time, memory.

The stand-in runs as `python -m dashtui.demo` in a subprocess (pinned to one core where the OS allows,
dashtui on the other), its box office inserting rows for the test event, so every subscriber also
receives changes. presets/realtime.toml runs with its stages shortened (ramp, then hold: bounded).
Prints subscribe p95, the established rate, errors by reason, delivery latency, and the generator's peak
RSS (resource.getrusage, this process only).

    .venv/bin/python -m bench.bench_realtime [--subscribers 500] [--ramp 20] [--hold 20] [--rows 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import anyio

from dashtui.demo import standin_process
from dashtui.scenario import RampingVUs, load_scenario
from dashtui.session import Session


def _rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=500)
    parser.add_argument("--ramp", type=float, default=20.0, help="seconds from 0 to all subscribers")
    parser.add_argument("--hold", type=float, default=20.0, help="seconds at all subscribers")
    parser.add_argument("--rows", type=float, default=2.0, help="rows/s the stand-in's box office inserts")
    args = parser.parse_args()

    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server_core = cores[0] if len(cores) > 1 else None
    if server_core is not None:
        os.sched_setaffinity(0, set(cores[1:]))
    with standin_process(["--box-office-rate", str(args.rows)], core=server_core) as standin:
        env = standin.env()
        preset = load_scenario("realtime", env=env)
        stages = [
            {"duration": args.ramp, "target": args.subscribers},
            {"duration": args.hold, "target": args.subscribers},
        ]
        shape = RampingVUs.model_validate(
            {"startVUs": 0, "stages": stages, "gracefulRampDown": 0, "gracefulStop": 0}
        )
        scenario = preset.model_copy(update={"scenarios": {"subscribers": shape}})
        session = Session(scenario, env=env, target=env["SUPABASE_URL"])
        where = f"pinned to core {server_core}" if server_core is not None else "not pinned"
        print(
            f"realtime preset: 0 → {args.subscribers} subscribers in {args.ramp:g} s, hold {args.hold:g} s; "
            f"stand-in at {env['SUPABASE_URL']} ({where}), box office {args.rows:g} rows/s"
        )
        rss_before = _rss_mib()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        outcome = anyio.run(session.run)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        rss_peak = _rss_mib()

    snap = outcome.snapshot
    subscribe = snap.values("realtime_subscribe_duration", ["p(50)", "p(95)", "p(99)", "max"]) or {}
    connecting = snap.values("realtime_connecting", ["p(95)"]) or {}
    latency = snap.values("realtime_delivery_latency", ["p(50)", "p(95)", "max"]) or {}
    established = snap.values("realtime_subscriptions") or {"rate": 0.0, "passes": 0, "fails": 0}
    active = snap.values("realtime_active") or {"max": 0.0}
    messages = snap.values("realtime_messages") or {"count": 0.0}
    errors = {
        key.partition("reason:")[2].rstrip("}"): int(data.sink.values(snap.elapsed)["count"])
        for key, data in snap.metrics.items()
        if key.startswith("realtime_errors{")
    }
    total_errors = int((snap.values("realtime_errors") or {"count": 0})["count"])
    health = session.progress().health
    lag = f"{health.loop_lag_p95_ms:.1f} ms" if health is not None else "n/a"

    def ms(values: dict[str, float], stat: str) -> str:
        return f"{values[stat]:.1f} ms" if stat in values else "n/a"

    print(
        f"subscribe duration: p50 {ms(subscribe, 'p(50)')}, p95 {ms(subscribe, 'p(95)')}, "
        f"p99 {ms(subscribe, 'p(99)')}, max {ms(subscribe, 'max')}"
    )
    print(f"connecting (TCP + upgrade) p95: {ms(connecting, 'p(95)')}")
    print(
        f"established: {established['rate'] * 100:.2f}% ({int(established['passes'])} of "
        f"{int(established['passes'] + established['fails'])}), peak active {int(active['max'])}"
    )
    print(f"errors: {total_errors} {errors or ''}".rstrip())
    print(
        f"changes delivered: {int(messages['count'])}, delivery latency p50 {ms(latency, 'p(50)')}, "
        f"p95 {ms(latency, 'p(95)')}, max {ms(latency, 'max')}"
    )
    per_subscriber = (rss_peak - rss_before) * 1024.0 / max(1, int(active["max"]))
    print(
        f"generator peak RSS: {rss_peak:.1f} MiB ({rss_before:.1f} MiB before the run; "
        f"~{per_subscriber:.0f} KiB per subscriber), CPU {100.0 * cpu / wall:.0f}% of one core, "
        f"event-loop lag p95 {lag}"
    )
    print(f"thresholds: exit {outcome.exit_code} ({outcome.reason})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
