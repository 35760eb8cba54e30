"""Scale-out: requests per wall-second by worker count, coordinator CPU, Dask start cost, wire size.

Usage:
  .venv/bin/python -m bench.bench_scaleout workers [--vus 40] [--seconds 10] [--workers 1 2]
  .venv/bin/python -m bench.bench_scaleout cluster [--workers 2]
  .venv/bin/python -m bench.bench_scaleout wire [--requests 2000]
`workers` runs `dashtui --headless --workers N` (constant-vus, no think time) against nginx `return 200` on
127.0.0.1 (not Python) and prints requests per wall-second, the coordinator's CPU against its workers' CPU,
and the peak RSS of each dashtui process.
`cluster` starts `LocalCluster(processes=True)` as `--cluster` tests do and prints the wall time until every
worker is up and the summed RSS of the scheduler and worker processes. `wire` folds one second of the
dashboard flow's samples (`--requests` requests) into a delta and prints its encoded size and encode time.
"""

from __future__ import annotations

import argparse
import random
import time

NGINX_CONF = """
worker_processes 2;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path {dir}; proxy_temp_path {dir}; fastcgi_temp_path {dir};
    uwsgi_temp_path {dir}; scgi_temp_path {dir};
    server {{
        listen 127.0.0.1:{port};
        location / {{ default_type application/json; return 200 '[{{"id":1,"status":"paid"}}]'; }}
    }}
}}
"""

PRESET = """
name = "bench-scaleout"
[scenarios.s]
executor = "constant-vus"
vus = {vus}
duration = "{seconds}s"
[[steps]]
request = {{ url = "http://127.0.0.1:{port}/rest/v1/events", name = "events" }}
"""


def workers(vus: int, seconds: int, counts: list[int]) -> None:
    import json
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    import psutil

    from ._target import free_port

    folder = Path(tempfile.mkdtemp(prefix="dashtui-bench-"))
    port = free_port()
    (folder / "nginx.conf").write_text(NGINX_CONF.format(dir=folder, port=port))
    (folder / "preset.toml").write_text(PRESET.format(vus=vus, seconds=seconds, port=port))
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    subprocess.run([nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder)], check=True)
    try:
        for count in counts:
            out = folder / f"r{count}.json"
            command = [sys.executable, "-m", "dashtui", "--headless", "-q", str(folder / "preset.toml")]
            command += ["--workers", str(count), "--out", str(out)]
            env = os.environ | {"CI": "true", "SUPABASE_URL": f"http://127.0.0.1:{port}"}
            env |= {"SUPABASE_ANON_KEY": "bench", "SUPABASE_SERVICE_ROLE_KEY": "bench"}
            process = psutil.Popen(command, env=env, stdout=subprocess.DEVNULL, cwd=folder)
            peak: dict[int, int] = {}
            cpu: dict[int, float] = {}
            while process.poll() is None:
                for proc in [process, *process.children(recursive=True)]:
                    try:
                        peak[proc.pid] = max(peak.get(proc.pid, 0), proc.memory_info().rss)
                        times = proc.cpu_times()
                        cpu[proc.pid] = times.user + times.system
                    except psutil.Error:
                        pass
                time.sleep(0.2)
            data = json.loads(out.read_text())
            requests = data["metrics"]["http_reqs"]["values"]
            coordinator = cpu.get(process.pid, 0.0)
            children = sum(v for pid, v in cpu.items() if pid != process.pid)
            share = f"{coordinator / children * 100:.1f}% of the workers'" if children else "(in process)"
            print(
                f"--workers {count}: {requests['rate']:.0f} requests per wall-second "
                f"({requests['count']:.0f} in {data['state']['testRunDurationMs'] / 1000:.1f} s); "
                f"coordinator CPU {coordinator:.1f} s {share}; "
                f"peak RSS {', '.join(f'{v / 2**20:.0f}' for v in peak.values())} MiB "
                f"(sum {sum(peak.values()) / 2**20:.0f})"
            )
    finally:
        subprocess.run(
            [nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder), "-s", "stop"], check=False
        )


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
    k = sub.add_parser("workers")
    k.add_argument("--vus", type=int, default=40)
    k.add_argument("--seconds", type=int, default=10)
    k.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    c = sub.add_parser("cluster")
    c.add_argument("--workers", type=int, default=2)
    w = sub.add_parser("wire")
    w.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if args.what == "workers":
        workers(args.vus, args.seconds, args.workers)
    elif args.what == "cluster":
        cluster(args.workers)
    else:
        wire(args.requests)


if __name__ == "__main__":
    main()
