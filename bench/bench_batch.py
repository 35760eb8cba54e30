"""Generator throughput in-process: requests per CPU-second of the engine alone, seed batch, no think time.

Usage: .venv/bin/python -m bench.bench_batch [--vus 20 200] [--seconds 10] [--runs 3]
(bench_engine's figures before it ran dashtui as a subprocess against nginx; kept so the README's row stays.)
The target is a tiny ASGI app in another process on 127.0.0.1, so the figure is the generator's cost.
"""

from __future__ import annotations

import argparse
import statistics
import time

import anyio

from dashtui.clock import SystemClock
from dashtui.engine.runner import Engine
from dashtui.metrics import Aggregator
from dashtui.scenario.model import Scenario
from dashtui.session import registry_for

from ._target import serve_target
from .bench_engine import QUERIES


def seed_batch(base: str) -> list[dict[str, object]]:
    """The seed's initial_load batch against `base`: every dashboard query, each checked for a 200."""
    return [
        {"url": base + path, "name": name, "checks": [{"name": f"{name} status 200", "status": 200}]}
        for name, path in QUERIES
    ]


def seed_batch_scenario(base: str, vus: int, seconds: float) -> Scenario:
    batch = seed_batch(base)
    return Scenario.model_validate(
        {
            "name": "bench",
            "scenarios": {
                "bench": {"executor": "constant-vus", "vus": vus, "duration": seconds, "gracefulStop": 5}
            },
            "flows": {"default": [{"group": "initial_load", "steps": [{"batch": batch}]}]},
        }
    )


async def one_run(base: str, vus: int, seconds: float) -> tuple[float, float, float]:
    scenario = seed_batch_scenario(base, vus, seconds)
    clock = SystemClock()
    aggregator = Aggregator(registry_for(scenario), clock=clock)
    engine = Engine(scenario, sink=aggregator, clock=clock, env={})
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await engine.run()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    values = aggregator.snapshot().values("http_reqs") or {"count": 0.0}
    return values["count"] / cpu, values["count"] / wall, 100.0 * cpu / wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vus", type=int, nargs="+", default=[20, 200])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with serve_target(workers=1) as base:
        for vus in args.vus:
            results = [anyio.run(one_run, base, vus, args.seconds) for _ in range(args.runs)]
            per_cpu = statistics.median(r[0] for r in results)
            per_wall = statistics.median(r[1] for r in results)
            cpu = statistics.median(r[2] for r in results)
            print(
                f"{vus:>5} VUs: {per_cpu:,.0f} requests per CPU-second "
                f"({per_wall:,.0f} req/s wall, generator CPU {cpu:.0f}%), median of {args.runs} runs"
            )


if __name__ == "__main__":
    main()
