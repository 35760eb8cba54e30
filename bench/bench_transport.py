"""CPU per request of the request path: today's httpx `AsyncClient.send` against the direct aiohttp transport.

Usage: .venv/bin/python -m bench.bench_transport [--vus 50] [--seconds 8] [--delay 0] [--runs 2]
The target is nginx (Debian's nginx-light + libnginx-mod-http-echo, found at /usr/sbin/nginx) on 127.0.0.1,
plain HTTP and HTTPS with h2, started and stopped here; without nginx the bench says so and stops.
Each mode runs `--vus` loops of `perform()` with no think time; records go nowhere (the metrics' cost is
bench_engine's), so the figure is the request path's: generator CPU time per request and requests per
CPU-second. Modes: httpx (before), direct (after), direct on uvloop (when installed), https HTTP/1.1 direct,
https h2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import shutil
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import anyio
import httpx
import trustme

from dashtui.clock import SystemClock
from dashtui.engine.context import RunContext
from dashtui.engine.http import PreparedRequest, perform
from dashtui.metrics import Sample
from dashtui.metrics.aggregator import SampleSink
from dashtui.metrics.snapshot import FailureRecord
from dashtui.metrics.types import RequestRecord

from ._target import BODY, free_port

NGINX = "/usr/sbin/nginx"
ECHO_MODULE = "/usr/lib/nginx/modules/ngx_http_echo_module.so"


@contextlib.contextmanager
def nginx(delay: float) -> Iterator[tuple[str, str, trustme.CA]]:
    """nginx on 127.0.0.1: yields (http base, https base, the CA its certificate chains to)."""
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="dashtui-nginx-") as tmp:
        root = Path(tmp)
        leaf.cert_chain_pems[0].write_to_path(str(root / "cert.pem"))
        leaf.private_key_pem.write_to_path(str(root / "key.pem"))
        http_port, https_port = free_port(), free_port()
        body = BODY.decode().replace("'", "")
        answer = f"echo_sleep {delay}; echo '{body}';" if delay > 0 else f"return 200 '{body}';"
        (root / "nginx.conf").write_text(
            f"""load_module {ECHO_MODULE};
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path {root};
    server {{
        listen 127.0.0.1:{http_port} reuseport backlog=4096;
        listen 127.0.0.1:{https_port} ssl http2 backlog=4096;
        ssl_certificate {root}/cert.pem;
        ssl_certificate_key {root}/key.pem;
        default_type application/json;
        location / {{ {answer} }}
    }}
}}
"""
        )
        process = subprocess.Popen([NGINX, "-p", str(root), "-c", str(root / "nginx.conf")])
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{http_port}/", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.05)
            yield f"http://127.0.0.1:{http_port}", f"https://127.0.0.1:{https_port}", ca
        finally:
            process.terminate()
            process.wait(10)


class _Protocols(SampleSink):
    """Keeps only the protocols and non-200 statuses seen: the metrics' cost is bench_engine's."""

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def add(self, sample: Sample) -> None:
        pass

    def add_request(self, record: RequestRecord) -> None:
        tags = dict(record.tags)
        self.seen.add(tags.get("proto", ""))
        if tags.get("status") != "200":
            self.seen.add("status " + tags.get("status", "?"))

    def add_failure(self, record: FailureRecord) -> None:
        pass


async def _loops(
    mode: str, url: str, ca: trustme.CA, vus: int, seconds: float
) -> tuple[int, float, float, set[str]]:
    """Run `vus` request loops for `seconds`: (requests, CPU seconds, wall seconds, protocols seen)."""
    clock = SystemClock()

    def trusted() -> ssl.SSLContext:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        return context

    sink = _Protocols()
    ctx = RunContext(clock=clock, sink=sink, batch_per_host=6, http1=mode != "https-h2")
    ctx.ssl_factory = trusted
    request = PreparedRequest("GET", f"{url}/rest/v1/orders?select=id&limit=1", "orders")
    shared = trusted()
    clients = []
    transports: list[httpx.AsyncBaseTransport | None] = []
    for _ in range(vus):
        if mode == "httpx":
            limits = httpx.Limits(max_connections=20, max_keepalive_connections=6, keepalive_expiry=None)
            transport = httpx.AsyncHTTPTransport(verify=shared, limits=limits)
            client = httpx.AsyncClient(transport=transport, headers={"User-Agent": ctx.user_agent})
            clients.append(client)
            transports.append(None)
        else:
            connections = ctx.new_connections()
            clients.append(connections.client)
            transports.append(connections.transport_for(request))
    count = 0

    async def loop(index: int, until: float) -> None:
        nonlocal count
        while clock.now() < until:
            await perform(
                clients[index], request, clock=clock, tags=(), sink=sink, transport=transports[index]
            )
            count += 1

    warm_until = clock.now() + 1.0
    async with anyio.create_task_group() as tg:
        for index in range(vus):
            tg.start_soon(loop, index, warm_until)
    count = 0
    cpu0, wall0 = time.process_time(), clock.now()
    async with anyio.create_task_group() as tg:
        for index in range(vus):
            tg.start_soon(loop, index, wall0 + seconds)
    cpu, wall = time.process_time() - cpu0, clock.now() - wall0
    for client in clients:
        await client.aclose()
    return count, cpu, wall, sink.seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--vus", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--delay", type=float, default=0.0, help="nginx's delay before answering (s)")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    if not (os.path.exists(NGINX) and os.path.exists(ECHO_MODULE)) or shutil.which("nginx") is None:
        raise SystemExit("bench_transport: needs nginx-light and libnginx-mod-http-echo (apt-get install)")
    modes = [
        ("httpx", "http", "asyncio"),
        ("direct", "http", "asyncio"),
        ("direct", "http", "uvloop"),
        ("https-http1", "https", "asyncio"),
        ("https-h2", "https", "asyncio"),
    ]
    if importlib.util.find_spec("uvloop") is None:
        modes.remove(("direct", "http", "uvloop"))
    print(
        f"{args.vus} VUs, no think time, nginx delay {args.delay * 1000:.0f} ms, {args.seconds:.0f} s per run"
    )
    print(
        f"{'path':<22} {'loop':<8} {'requests':>9} {'req/s':>8} {'µs CPU/req':>11} {'req/CPU-s':>10}  proto"
    )
    with nginx(args.delay) as (http_base, https_base, ca):
        for mode, scheme, loop in modes:
            for _ in range(args.runs):
                url = http_base if scheme == "http" else https_base
                options = {"use_uvloop": True} if loop == "uvloop" else {}
                count, cpu, wall, protos = anyio.run(
                    _loops, mode, url, ca, args.vus, args.seconds, backend="asyncio", backend_options=options
                )
                per = cpu / count * 1e6 if count else float("nan")
                print(
                    f"{mode:<22} {loop:<8} {count:>9} {count / wall:>8.0f} {per:>11.0f} "
                    f"{count / cpu if cpu else 0:>10.0f}  {','.join(sorted(protos))}"
                )


if __name__ == "__main__":
    main()
