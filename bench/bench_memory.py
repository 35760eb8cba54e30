"""Memory: Trend digest size after 1 M vs 10 M samples, and peak RSS of the dashboard flow at many VUs.

Usage:
  .venv/bin/python -m bench.bench_memory trend [--samples 1000000 10000000]
  .venv/bin/python -m bench.bench_memory vus [--vus 1000 10000] [--seconds 20]
Each VU count runs in its own process so its peak RSS (ru_maxrss) is its own. The target is a tiny ASGI
app on 127.0.0.1 in another process.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tracemalloc

import anyio

from dashtui.clock import SystemClock
from dashtui.engine.runner import Engine
from dashtui.metrics import Aggregator
from dashtui.metrics.digest import TrendDigest
from dashtui.scenario import load_scenario
from dashtui.scenario.model import RealtimeStep
from dashtui.session import registry_for

from ._target import serve_target


def trend(samples: list[int]) -> None:
    rng = random.Random(1)
    for count in samples:
        tracemalloc.start()
        digest = TrendDigest()
        for _ in range(count):
            digest.add(rng.lognormvariate(3.0, 0.8))
        size, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"Trend after {count:>11,} samples: {size / 1024:8.1f} KiB held, "
            f"{digest.memory_cells():,} cells, p95={digest.percentile(95):.3f}"
        )


async def _run_vus(base: str, vus: int, seconds: float) -> tuple[int, int]:
    env = {"SUPABASE_URL": base, "SUPABASE_SERVICE_ROLE_KEY": "bench-key", "TEST_EVENT_ID": "e1"}
    scenario = load_scenario("dashboard", env=env)
    first = next(iter(scenario.scenarios.values()))
    rest_only = [s for s in scenario.flows["default"] if not isinstance(s, RealtimeStep)]
    bench = first.model_copy(update={"vus": vus, "duration": seconds, "graceful_stop": 1})
    scenario = scenario.model_copy(update={"scenarios": {"bench": bench}, "flows": {"default": rest_only}})
    clock = SystemClock()
    aggregator = Aggregator(registry_for(scenario), clock=clock)
    engine = Engine(scenario, sink=aggregator, clock=clock, env=env)
    await engine.run()
    reqs = aggregator.snapshot().values("http_reqs") or {"count": 0}
    return int(reqs["count"]), engine.progress().vus_max


def vus_child(base: str, vus: int, seconds: float) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    reqs, vus_max = anyio.run(_run_vus, base, vus, seconds)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{vus:>6,} VUs (max {vus_max:,}): peak RSS {peak_mib:,.0f} MiB, {reqs:,} requests in {seconds:g} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    t = sub.add_parser("trend")
    t.add_argument("--samples", type=int, nargs="+", default=[1_000_000, 10_000_000])
    v = sub.add_parser("vus")
    v.add_argument("--vus", type=int, nargs="+", default=[1_000, 10_000])
    v.add_argument("--seconds", type=float, default=20.0)
    c = sub.add_parser("child")
    c.add_argument("base")
    c.add_argument("vus", type=int)
    c.add_argument("seconds", type=float)
    args = parser.parse_args()
    if args.what == "trend":
        trend(args.samples)
    elif args.what == "child":
        vus_child(args.base, args.vus, args.seconds)
    else:
        with serve_target(workers=1) as base:
            for vus in args.vus:
                subprocess.run(
                    [sys.executable, "-m", "bench.bench_memory", "child", base, str(vus), str(args.seconds)],
                    check=True,
                    timeout=args.seconds + 300,
                )


if __name__ == "__main__":
    main()
