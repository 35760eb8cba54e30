"""Scale-out costs that are not load figures: Dask start cost and wire size.

Usage:
  .venv/bin/python -m bench.bench_scaleout cluster [--workers 2]
  .venv/bin/python -m bench.bench_scaleout wire [--requests 2000]
Worker counts against a target (requests per wall-second, coordinator CPU, summed RSS) are
`python -m bench.bench_engine --figure scale-ratio scale3000`, against nginx from bench/nginx_target.py.
`cluster` starts `LocalCluster(processes=True)` as `--cluster` tests do and prints the wall time until every
worker is up and the summed RSS of the scheduler and worker processes. `wire` folds one second of the
dashboard flow's samples (`--requests` requests) into a delta and prints its encoded size and encode time.
"""

from __future__ import annotations

import argparse
import random
import time


def cluster(workers: int) -> None:
    import psutil
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            processes=True, n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None
        ) as local,
        Client(local) as client,
    ):
        client.wait_for_workers(workers, timeout=60)
        up = time.perf_counter() - start
        me = psutil.Process()
        procs = [me, *me.children(recursive=True)]
        rss = sum(p.memory_info().rss for p in procs if p.is_running())
        print(f"LocalCluster(processes=True, n_workers={workers}): up in {up:.2f} s")
        print(f"RSS of this process + {len(procs) - 1} cluster processes: {rss / 2**20:.0f} MiB")


def wire(requests: int) -> None:
    from dashtui.clock import FakeClock
    from dashtui.metrics import Aggregator, Registry, Sample, make_tags
    from dashtui.run.wire import dumps, encode_snapshot

    rng = random.Random(1)
    clock = FakeClock(start=0.0)
    aggregator = Aggregator(Registry(), clock=clock, track=["http_req_duration{name:events}"])
    names = ["events", "orders", "tickets", "scan_logs", "event_stats", "box_office"]
    phases = ("http_req_blocked", "http_req_connecting", "http_req_sending", "http_req_waiting")
    for i in range(requests):
        tags = make_tags(
            {"name": names[i % 6], "status": "200", "expected_response": "true", "method": "GET"}
        )
        t = i / requests
        aggregator.add(Sample("http_reqs", 1.0, tags, t))
        aggregator.add(Sample("http_req_duration", rng.lognormvariate(3.9, 0.2), tags, t))
        aggregator.add(Sample("http_req_failed", 0.0, tags, t))
        for phase in phases:
            aggregator.add(Sample(phase, rng.random(), tags, t))
    clock.advance(1.5)
    snapshot = aggregator.snapshot()
    start = time.perf_counter()
    data = dumps({"s": encode_snapshot(snapshot)})
    took = time.perf_counter() - start
    print(
        f"one second of {requests} requests: {len(data) / 1024:.0f} KiB on the wire, "
        f"encoded in {took * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="what", required=True)
    c = sub.add_parser("cluster")
    c.add_argument("--workers", type=int, default=2)
    w = sub.add_parser("wire")
    w.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if args.what == "cluster":
        cluster(args.workers)
    else:
        wire(args.requests)


if __name__ == "__main__":
    main()
