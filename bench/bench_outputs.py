"""Per-sample outputs: memory of `--out json=` / `csv=` over a long stream of requests, and their cost.

Usage:
  .venv/bin/python -m bench.bench_outputs [--requests 100000 1000000] [--kind json csv json.gz]
Requests go through the tee sink into an aggregator and one stream writer, as in a run; each count runs in
its own process, so the peak RSS (ru_maxrss) printed is that run's own. Flat memory: the same peak for 10x
the requests. Also prints the CPU per request with and without the stream (the tee's cost).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dashtui.clock import SystemClock
from dashtui.metrics import Aggregator, Registry
from dashtui.metrics.types import RequestRecord
from dashtui.report.ci import CiOutputs, ci_sink, metric_info
from dashtui.report.streams import StreamSpec

NAMES = ("events", "tickets", "orders", "vip_reservations", "tickets_count", "scan_logs_count")


def one(requests: int, kind: str) -> None:
    clock = SystemClock()
    registry = Registry(())
    aggregator = Aggregator(registry, clock=clock)
    with tempfile.TemporaryDirectory() as directory:
        streams = ()
        if kind != "none":
            name, _, suffix = kind.partition(".")
            streams = (StreamSpec(name, Path(directory) / f"out.{kind}"),)
        sink = ci_sink(
            aggregator,
            CiOutputs(streams=streams),
            clock=clock,
            registry=registry,
            info=metric_info({}),
            secrets=(),
        )
        vu_tags = (("group", "::initial_load"), ("scenario", "default"))
        tags = [
            sink.interner.request(
                vu_tags, (), name=n, method="GET", url=f"http://127.0.0.1:1/rest/v1/{n}", status=200,
                expected=True, proto="HTTP/1.1", error="", error_code=0,
            )
            for n in NAMES
        ]  # fmt: skip
        cpu = time.process_time()
        for i in range(requests):
            now = clock.now()
            sink.add_request(
                RequestRecord(tags[i % 6], now, 0.1, 0.0, 0.0, 0.02, 40.0 + i % 50, 0.1, False, 300, 900)
            )
        if hasattr(sink, "close"):
            sink.close()
        spent = time.process_time() - cpu
        size = sum(p.stat().st_size for p in Path(directory).iterdir())
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{kind:8} {requests:>9} requests: peak RSS {peak_kib / 1024:.1f} MiB, "
        f"{spent / requests * 1e6:.2f} µs CPU per request, file {size / 1e6:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--kind", nargs="+", default=["none", "json", "csv", "json.gz"])
    parser.add_argument("--one", nargs=2, metavar=("REQUESTS", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(int(args.one[0]), args.one[1])
        return
    for kind in args.kind:
        for count in args.requests:
            subprocess.run(
                [sys.executable, "-m", "bench.bench_outputs", "--one", str(count), kind], check=True
            )


if __name__ == "__main__":
    main()
