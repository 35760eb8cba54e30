"""CPU per request of the request path: today's httpx `AsyncClient.send` against the direct aiohttp transport.

Usage: .venv/bin/python -m bench.bench_transport [--vus 50] [--seconds 8] [--delay 0] [--runs 2]
The target is bench/nginx_target.py's nginx (Debian's nginx-light + libnginx-mod-http-echo) on 127.0.0.1,
plain HTTP and HTTPS (h2 by ALPN, a throwaway CA's certificate), started and stopped here: `/fast` with no
delay, `/rest/v1/` after `--delay`; without nginx the bench says so and stops.
Each mode runs `--vus` loops of `perform()` with no think time; records go nowhere (the metrics' cost is
bench_engine's), so the figure is the request path's: generator CPU time per request and requests per
CPU-second. Modes: httpx (before), direct (after), direct on uvloop (when installed), https HTTP/1.1 direct,
https h2.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import ssl
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

from .nginx_target import TargetUnavailable, TlsFiles, nginx_target


@contextlib.contextmanager
def nginx(delay: float) -> Iterator[tuple[str, str, trustme.CA]]:
    """bench/nginx_target.py's nginx, plain and TLS (h2 by ALPN) with a throwaway CA: (http, https, CA)."""
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    with tempfile.TemporaryDirectory(prefix="dashtui-tls-") as tmp:
        tls = TlsFiles(certificate=Path(tmp) / "cert.pem", key=Path(tmp) / "key.pem")
        leaf.cert_chain_pems[0].write_to_path(str(tls.certificate))
        leaf.private_key_pem.write_to_path(str(tls.key))
        with nginx_target(delay, connections=8192, tls=tls) as target:
            assert target.https_url is not None
            yield target.url, target.https_url, ca


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
    request = PreparedRequest("GET", url, "orders")
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
    path = "/rest/v1/orders?select=id&limit=1" if args.delay > 0 else "/fast"
    try:
        with nginx(args.delay) as (http_base, https_base, ca):
            run_modes(modes, path, http_base, https_base, ca, args)
    except TargetUnavailable as exc:
        raise SystemExit(f"bench_transport: {exc}") from None


def run_modes(
    modes: list[tuple[str, str, str]],
    path: str,
    http_base: str,
    https_base: str,
    ca: trustme.CA,
    args: argparse.Namespace,
) -> None:
    """Each mode `--runs` times, one line per run."""
    for mode, scheme, loop in modes:
        for _ in range(args.runs):
            url = (http_base if scheme == "http" else https_base) + path
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
