"""Requests/s the stand-in serves on the dashboard's six queries (the seed's initial_load + refresh).

The stand-in runs as `python -m dashtui.demo` in a subprocess pinned to one core (where the OS allows);
a few concurrent httpx clients in this process cycle through the six queries, with event_id = the test
event, for a bounded time. Prints one line per run and the median.

    .venv/bin/python bench/bench_standin.py [--seconds 5] [--clients 8] [--runs 3] [--scale default]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import anyio
import httpx

from dashtui.demo import standin_process


def _queries(event_id: str) -> list[str]:
    return [
        "/rest/v1/events?select=*&order=date.desc&limit=10",
        f"/rest/v1/tickets?select=id,event_id,status&event_id=eq.{event_id}",
        f"/rest/v1/orders?select=id,total_amount,status,created_at&event_id=eq.{event_id}&status=eq.paid&limit=100",
        f"/rest/v1/vip_reservations?select=id,status,total_price&event_id=eq.{event_id}",
        f"/rest/v1/tickets?select=count&event_id=eq.{event_id}",
        f"/rest/v1/scan_logs?select=count&event_id=eq.{event_id}",
    ]


async def _client(
    url: str, headers: dict[str, str], queries: list[str], stop_at: float, counts: list[int]
) -> None:
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        i = 0
        while time.perf_counter() < stop_at:
            response = await client.get(queries[i % len(queries)])
            if response.status_code != 200:
                raise SystemExit(f"unexpected {response.status_code} for {queries[i % len(queries)]}")
            counts[0] += 1
            i += 1


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), to see what one request costs the server."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _run_once(
    url: str, headers: dict[str, str], queries: list[str], clients: int, seconds: float, pid: int
) -> tuple[float, float | None]:
    """(requests/s achieved, requests per server CPU-second: what one core can serve)."""
    warm: list[int] = [0]
    await _client(url, headers, queries, time.perf_counter() + 0.5, warm)
    counts = [0]
    cpu_before = _cpu_seconds(pid)
    started = time.perf_counter()
    stop_at = started + seconds
    async with anyio.create_task_group() as tg:
        for n in range(clients):
            tg.start_soon(_client, url, headers, queries[n % 6 :] + queries[: n % 6], stop_at, counts)
    elapsed = time.perf_counter() - started
    cpu_after = _cpu_seconds(pid)
    per_cpu = None
    if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
        per_cpu = counts[0] / (cpu_after - cpu_before)
    return counts[0] / elapsed, per_cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="default")
    args = parser.parse_args()
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    server_core = cores[0] if len(cores) > 1 else None
    if server_core is not None:
        os.sched_setaffinity(0, set(cores[1:]))
    with standin_process(["--scale", args.scale, "--box-office-rate", "0"], core=server_core) as standin:
        env = standin.env()
        url = env["SUPABASE_URL"]
        key = env["SUPABASE_ANON_KEY"]
        headers = {"apikey": key, "Authorization": f"Bearer {key}"}
        queries = _queries(env["TEST_EVENT_ID"])
        where = f"pinned to core {server_core}" if server_core is not None else "not pinned"
        print(
            f"stand-in {args.scale} scale at {url} ({where}); "
            f"{args.clients} httpx clients, {args.seconds:g} s runs"
        )
        results, capacities = [], []
        for n in range(args.runs):
            rate, per_cpu = anyio.run(
                _run_once, url, headers, queries, args.clients, args.seconds, standin.pid
            )
            results.append(rate)
            extra = ""
            if per_cpu is not None:
                capacities.append(per_cpu)
                extra = f" ({per_cpu:,.0f} requests per server CPU-second)"
            print(f"run {n + 1}: {rate:,.0f} requests/s{extra}")
        print(
            f"median of {args.runs}: {statistics.median(results):,.0f} requests/s "
            "on the six dashboard queries"
        )
        if capacities:
            print(f"median server capacity on one core: {statistics.median(capacities):,.0f} requests/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
