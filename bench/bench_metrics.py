"""Metrics cost per request: eleven `Sample`s folded one by one (the old path) vs one `RequestRecord`.

Usage:
  .venv/bin/python -m bench.bench_metrics [--requests 20000] [--runs 7]
Run against a tree without the one-record path (PYTHONPATH=that tree), it prints the old path's figures only.
Folds the same fixed requests (5 endpoints, 4 groups, 2 scenarios, statuses and errors as a dashboard run
sees them, the seed's thresholds tracked as submetrics) into a fresh Aggregator per run and prints CPU µs
per request, the median of the runs:
- fold: prebuilt samples / prebuilt records into the sink;
- emit + fold: also building the tags as `perform` did (a dict, make_tags, eleven Samples) vs as it does
  now (`engine.records.record_request`: an interned tag tuple and one record);
- checks: one check result, a `checks` Sample with its own tag tuple vs `add_check`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from dashtui.clock import FakeClock
from dashtui.engine.http import PreparedRequest, Timings
from dashtui.metrics import Aggregator, Registry, Sample, make_tags
from dashtui.metrics.types import Tags

try:
    from dashtui.engine.records import record_request
except ImportError:  # a tree from before the one-record path: old figures only
    record_request = None  # type: ignore[assignment]

TRACK = (
    "http_req_duration{name:events}",
    "http_req_duration{name:tickets}",
    "http_req_duration{group:::initial_load}",
    "http_req_duration{group:::refresh}",
    "http_req_failed{name:orders}",
    "http_reqs{status:500}",
    "checks{check:events 200}",
)
ENDPOINTS = (
    PreparedRequest("GET", "http://127.0.0.1:54321/rest/v1/events?select=*&limit=20", "events"),
    PreparedRequest("GET", "http://127.0.0.1:54321/rest/v1/tickets?select=count", "tickets"),
    PreparedRequest("GET", "http://127.0.0.1:54321/rest/v1/orders?select=total", "orders"),
    PreparedRequest("GET", "http://127.0.0.1:54321/rest/v1/vip_reservations", "vip_reservations"),
    PreparedRequest("GET", "http://127.0.0.1:54321/rest/v1/scan_logs?select=count", "scan_logs"),
)
OUTCOMES = ((200, "", 0),) * 18 + ((500, "Internal Server Error", 1500), (0, "request timeout", 1050))


class Request:
    """One request's inputs, as `perform` has them when it is about to emit."""

    __slots__ = ("error", "error_code", "request", "status", "time", "timings", "vu_tags")

    def __init__(self, rng: random.Random, index: int) -> None:
        scenario = "dashboard" if index % 5 else "writers"
        group = ("::initial_load", "::refresh", "::initial_load::charts", "")[index % 4]
        self.vu_tags: Tags = make_tags({"scenario": scenario, "group": group})
        self.request = ENDPOINTS[index % len(ENDPOINTS)]
        self.status, self.error, self.error_code = rng.choice(OUTCOMES)
        self.timings = Timings(
            blocked=rng.uniform(0, 0.3),
            sending=rng.uniform(0.01, 0.1),
            waiting=rng.lognormvariate(4.0, 0.4),
            receiving=rng.uniform(0.0, 1.0),
        )
        self.time = index * 0.001


def old_emission(req: Request) -> list[Sample]:
    """The tags and samples `perform` built before the one-record path (engine/http.py at 0e558e8)."""
    expected = req.status != 0 and 200 <= req.status <= 399
    request, timings = req.request, req.timings
    base = dict(req.vu_tags)
    base.update(request.tags)
    base.update(
        {
            "name": request.name,
            "method": request.method,
            "url": request.url,
            "status": str(req.status),
            "expected_response": "true" if expected else "false",
            "proto": "HTTP/1.1",
        }
    )
    if req.error:
        base["error"] = req.error
        base["error_code"] = str(req.error_code)
    tags = make_tags(base)
    return [
        Sample(metric, value, tags, req.time)
        for metric, value in (
            ("http_reqs", 1.0),
            ("http_req_duration", timings.duration),
            ("http_req_blocked", timings.blocked),
            ("http_req_connecting", timings.connecting),
            ("http_req_tls_handshaking", timings.tls_handshaking),
            ("http_req_sending", timings.sending),
            ("http_req_waiting", timings.waiting),
            ("http_req_receiving", timings.receiving),
            ("http_req_failed", 0.0 if expected else 1.0),
            ("data_sent", 240.0),
            ("data_received", 1800.0),
        )
    ]


def new_emission(sink: Aggregator, req: Request) -> None:
    expected = req.status != 0 and 200 <= req.status <= 399
    record_request(
        sink,
        req.request,
        vu_tags=req.vu_tags,
        timings=req.timings,
        status=req.status,
        expected=expected,
        error=req.error,
        error_code=req.error_code,
        sent_bytes=240,
        received_bytes=1800,
        time=req.time,
    )


def _fresh() -> Aggregator:
    return Aggregator(Registry(), clock=FakeClock(start=0.0), track=TRACK)


def _cpu_us_per_item(work: Callable[[Aggregator], None], items: int, runs: int) -> float:
    figures = []
    for _ in range(runs):
        sink = _fresh()
        started = time.process_time()
        work(sink)
        figures.append((time.process_time() - started) / items * 1e6)
    return statistics.median(figures)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    n, runs = args.requests, args.runs
    rng = random.Random(5)
    requests = [Request(rng, i) for i in range(n)]
    samples = [old_emission(r) for r in requests]
    records: list[Any] = []
    if record_request is not None:
        collector = _fresh()
        collector.add_request = records.append  # type: ignore[method-assign,assignment]
        for r in requests:
            new_emission(collector, r)

    def fold_samples(sink: Aggregator) -> None:
        add = sink.add
        for eleven in samples:
            for sample in eleven:
                add(sample)

    def fold_records(sink: Aggregator) -> None:
        # the records' tags were interned by another sink: same values, so the routes are the same
        add_request = sink.add_request
        for record in records:
            add_request(record)

    def emit_samples(sink: Aggregator) -> None:
        add = sink.add
        for r in requests:
            for sample in old_emission(r):
                add(sample)

    def emit_records(sink: Aggregator) -> None:
        for r in requests:
            new_emission(sink, r)

    def check_samples(sink: Aggregator) -> None:
        add = sink.add
        for r in requests:
            add(Sample("checks", 1.0, make_tags({**dict(r.vu_tags), "check": "events 200"}), r.time))

    def check_calls(sink: Aggregator) -> None:
        add_check = sink.add_check
        for r in requests:
            add_check(r.vu_tags, "events 200", True, r.time)

    print(f"{n:,} requests, {len(TRACK)} tracked submetrics, median of {runs} runs, CPU µs per item")
    for label, old, new in (
        ("fold", fold_samples, fold_records),
        ("emit + fold", emit_samples, emit_records),
        ("one check result", check_samples, check_calls),
    ):
        old_us = _cpu_us_per_item(old, n, runs)
        line = f"  {label:<17} old path {old_us:7.2f} µs"
        if record_request is not None:
            new_us = _cpu_us_per_item(new, n, runs)
            line += f"   new path {new_us:7.2f} µs   ×{old_us / new_us:.1f}"
        print(line)


if __name__ == "__main__":
    main()
