"""How VUs get their connections: one TLS context per protocol, routing, the stand-in's keep-alive."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from dashtui.clock import SystemClock
from dashtui.demo.server import uvicorn_config
from dashtui.engine.context import RunContext
from dashtui.engine.http import PreparedRequest
from dashtui.engine.transport import AiohttpTransport
from dashtui.metrics.aggregator import SampleSink
from dashtui.run.local import InProcessWorker

pytestmark = pytest.mark.anyio

HTTP = PreparedRequest("GET", "http://127.0.0.1:1/x", "x")
HTTPS = PreparedRequest("GET", "https://127.0.0.1:1/x", "x")
FLOW = [{"request": {"url": "http://127.0.0.1:1/x"}}]


def _ctx(**options: object) -> tuple[RunContext, list[ssl.SSLContext]]:
    built: list[ssl.SSLContext] = []

    def factory() -> ssl.SSLContext:
        built.append(ssl.create_default_context())
        return built[-1]

    ctx = RunContext(clock=SystemClock(), sink=SampleSink(), ssl_factory=factory, **options)  # type: ignore[arg-type]
    return ctx, built


async def test_every_vu_shares_one_tls_context_per_protocol() -> None:
    ctx, built = _ctx()
    vus = [ctx.new_connections() for _ in range(5)]
    try:
        assert len(built) == 1, "the h2 context waits for the first client"
        assert all(v.client is not None for v in vus)
        assert len(built) == 2
        direct = {id(v.direct._ssl) for v in vus if v.direct is not None}  # noqa: SLF001
        assert len(direct) == 1
    finally:
        for connections in vus:
            await connections.aclose()


async def test_http_goes_direct_https_by_h2_unless_http1() -> None:
    ctx, _ = _ctx()
    h2 = ctx.new_connections()
    ctx1, built = _ctx(http1=True)
    h1 = ctx1.new_connections()
    try:
        assert isinstance(h2.transport_for(HTTP), AiohttpTransport)
        assert h2.transport_for(HTTPS) is None
        assert isinstance(h1.transport_for(HTTPS), AiohttpTransport)
        assert len(built) == 1
    finally:
        await h2.aclose()
        await h1.aclose()


async def test_a_transport_factory_keeps_every_request_on_the_client() -> None:
    ctx = RunContext(
        clock=SystemClock(),
        sink=SampleSink(),
        transport_factory=lambda: httpx.MockTransport(lambda r: httpx.Response(200)),
    )
    connections = ctx.new_connections()
    try:
        assert connections.transport_for(HTTP) is None
        assert (await connections.client.get("http://t.local/")).status_code == 200
    finally:
        await connections.aclose()


def test_the_stand_in_keeps_idle_connections_as_long_as_nginx() -> None:
    assert uvicorn_config(object()).timeout_keep_alive == 75  # type: ignore[arg-type]


def test_http1_flag_reaches_the_run_context() -> None:
    from dashtui.cli.options import build_parser
    from dashtui.session import Session

    from .engine_helpers import scenario

    assert build_parser().parse_args([]).http1 is False
    args = build_parser().parse_args(["--http1"])
    session = Session(scenario(FLOW), env={}, target="http://127.0.0.1:1", http1=args.http1)
    handle = session.handles[0]
    assert isinstance(handle, InProcessWorker)
    assert handle.worker.engine.ctx.http1 is True


def test_http1_flag_reaches_a_worker_process(tmp_path: Path) -> None:
    """A worker process rebuilds its engine from the coordinator's spec: `--http1` must travel in it."""
    from dashtui.run.worker_main import build_worker

    preset = tmp_path / "p.toml"
    preset.write_text(
        '[scenarios.s]\nexecutor = "shared-iterations"\nvus = 1\niterations = 1\n'
        '[[flows.default]]\nrequest = { url = "http://127.0.0.1:1/rest/v1/events" }\n',
        encoding="utf-8",
    )
    spec = {"preset": str(preset), "env": {}, "name": "w1", "http1": True}
    assert build_worker(spec, SystemClock()).engine.ctx.http1 is True
    assert build_worker({**spec, "http1": False}, SystemClock()).engine.ctx.http1 is False


def test_no_vu_connection_reuse_is_a_k6_option_the_engine_passes_on() -> None:
    from dashtui.engine.runner import Engine

    from .engine_helpers import scenario

    sc = scenario(FLOW, options={"noVUConnectionReuse": True})
    assert sc.options.no_vu_connection_reuse is True
    assert scenario(FLOW).options.no_vu_connection_reuse is False
    engine = Engine(sc, sink=SampleSink(), clock=SystemClock(), env={})
    assert engine.ctx.no_vu_connection_reuse is True


def test_a_k6_script_s_connection_options_import(tmp_path: Path) -> None:
    from dashtui.importer import import_k6
    from dashtui.scenario import load_scenario

    script = tmp_path / "script.js"
    script.write_text(
        "import http from 'k6/http';\n"
        "export const options = { noConnectionReuse: true, noVUConnectionReuse: true };\n"
        "export default function () { http.get('http://127.0.0.1:9/a'); }\n",
        encoding="utf-8",
    )
    text, notes = import_k6(script)
    assert not any("ConnectionReuse" in note.what for note in notes)
    preset = tmp_path / "imported.toml"
    preset.write_text(text, encoding="utf-8")
    options = load_scenario(preset, env={}).options
    assert options.no_connection_reuse is True and options.no_vu_connection_reuse is True


def test_a_prepared_request_carries_what_aiohttp_is_handed_built_from_it() -> None:
    from dashtui.engine.http import _request_size
    from dashtui.engine.transport import WIRE, Wire

    prepared = PreparedRequest(
        "GET", "http://127.0.0.1:9/rest/v1/events?select=*", "events", headers={"apikey": "k"}, timeout=7.0
    )
    sent = prepared.http_request("dashtui/test", {"timeout": prepared.timeouts})
    wire = sent.extensions[WIRE]
    assert isinstance(wire, Wire)
    assert wire.url == str(sent.url)
    assert list(wire.headers.items()) == sent.headers.multi_items()
    assert wire.headers["user-agent"] == "dashtui/test" and wire.headers["apikey"] == "k"
    assert wire.timeout.total == 7.0
    assert prepared.sent_size("dashtui/test") == _request_size(prepared, sent)
    assert prepared.http_request("dashtui/test", {}).extensions[WIRE] is wire


async def test_a_vus_client_is_built_only_when_needed_and_closing_closes_the_direct_path() -> None:
    ctx, _ = _ctx()
    connections = ctx.new_connections()
    assert connections.transport_for(HTTP) is connections.direct is not None
    assert not connections.client_built, "an http:// request goes direct: no AsyncClient yet"
    assert connections.transport_for(HTTPS) is None
    client = connections.client
    assert connections.client_built and connections.client is client, "built once, then kept"
    await connections.aclose()
    assert client.is_closed

    unbuilt = ctx.new_connections()
    closed: list[bool] = []
    direct = unbuilt.direct
    assert direct is not None

    async def close_direct() -> None:
        closed.append(True)

    direct.aclose = close_direct  # type: ignore[method-assign]
    await unbuilt.aclose()
    assert closed == [True] and not unbuilt.client_built
