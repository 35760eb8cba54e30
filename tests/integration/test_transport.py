"""The fast request path on real sockets: k6's six phases, kept connections, the retry, h2 by ALPN, errors."""

from __future__ import annotations

import gzip
import json
import socket
import time

import anyio
import pytest

from dashtui.clock import SystemClock
from dashtui.engine.context import RunContext
from dashtui.engine.errors import DIAL_REFUSED, TIMEOUT, TLS_HOSTNAME, TLS_UNKNOWN_AUTHORITY
from dashtui.engine.http import HttpResult, PreparedRequest
from dashtui.engine.vu import VU
from dashtui.scenario.model import RequestStep

from .realtime_support import Recorder
from .transport_support import Certificates, Script, certificates, delayed_app, hypercorn_server, raw_server

pytestmark = [pytest.mark.anyio, pytest.mark.integration]

DELAY = 0.03
"""How long the servers wait before answering: waiting can be no shorter."""


def _vu(trust: Certificates | None = None, **options: object) -> tuple[VU, Recorder]:
    """A VU of a run whose TLS contexts trust `trust`'s throwaway CA."""
    sink = Recorder()
    ctx = RunContext(clock=SystemClock(), sink=sink, **options)  # type: ignore[arg-type]
    if trust is not None:
        ctx.ssl_factory = trust.client
    return VU(1, ctx, scenario="t"), sink


async def _get(vu: VU, url: str, *, timeout: float = 10.0) -> HttpResult:
    result, _ = await vu.request(PreparedRequest("GET", url, "r", timeout=timeout))
    return result


def _assert_fresh_phases(result: HttpResult, *, tls: bool) -> None:
    t = result.timings
    assert result.status == 200, result.error
    assert t.blocked > 0
    assert t.connecting > 0
    assert (t.tls_handshaking > 0) is tls
    assert t.sending > 0
    assert t.waiting > 0
    assert t.sending + t.waiting >= DELAY * 1000 * 0.9
    assert t.duration == pytest.approx(t.sending + t.waiting + t.receiving)


async def test_fresh_connection_has_every_phase_and_body_time_counts_as_receiving() -> None:
    rows = [{"id": n, "title": "x" * 40} for n in range(40_000)]
    script = Script(head_delay=DELAY, body_delay=DELAY, body=json.dumps(rows).encode())
    with raw_server(script) as base:
        vu, sink = _vu()
        try:
            result = await _get(vu, f"{base}/rest/v1/x")
        finally:
            await vu.aclose()
    _assert_fresh_phases(result, tls=False)
    t = result.timings
    assert t.receiving > 0
    assert t.sending + t.waiting + t.receiving >= 2 * DELAY * 1000 * 0.9
    assert result.json() == rows
    tags = dict(sink.of("http_reqs")[0].tags)
    assert tags["proto"] == "HTTP/1.1"
    assert tags["status"] == "200"


async def test_a_gzip_body_is_decoded_and_counted_as_received_on_the_wire() -> None:
    rows = [{"id": n, "title": "same words again"} for n in range(2000)]
    wire = gzip.compress(json.dumps(rows).encode())
    script = Script(body=wire, headers=b"Content-Encoding: gzip\r\n")
    with raw_server(script) as base:
        vu, sink = _vu()
        try:
            result = await _get(vu, f"{base}/rest/v1/x")
        finally:
            await vu.aclose()
    assert result.json() == rows
    received = next(s.value for s in sink.samples if s.metric == "data_received")
    assert len(wire) < received < len(wire) + 200


async def test_idle_connection_is_reused_with_no_client_side_expiry() -> None:
    script = Script(head_delay=DELAY)
    with raw_server(script) as base:
        vu, _ = _vu()
        try:
            first = await _get(vu, f"{base}/a")
            direct = vu.connections.direct
            assert direct is not None
            assert direct.idle_connections == 1
            assert direct.expiry_scheduled is False
            await anyio.sleep(0.3)
            second = await _get(vu, f"{base}/b")
        finally:
            await vu.aclose()
    assert first.timings.connecting > 0
    assert second.status == 200
    assert second.timings.connecting == 0
    assert second.timings.blocked > 0
    assert second.timings.sending + second.timings.waiting >= DELAY * 1000 * 0.9
    assert script.connections == 1 and script.requests == 2


async def test_a_vu_on_the_direct_path_builds_no_client_and_closing_it_closes_its_connections() -> None:
    script = Script()
    with raw_server(script) as base:
        vu, _ = _vu()
        result = await _get(vu, f"{base}/a")
        direct = vu.connections.direct
        assert direct is not None and direct.idle_connections == 1
        assert not vu.connections.client_built
        await vu.aclose()
    assert result.status == 200
    assert direct.idle_connections == 0


async def test_no_connection_reuse_reconnects_every_request() -> None:
    script = Script()
    with raw_server(script) as base:
        vu, _ = _vu(no_connection_reuse=True)
        try:
            await _get(vu, f"{base}/a")
            second = await _get(vu, f"{base}/b")
        finally:
            await vu.aclose()
    assert second.timings.connecting > 0
    assert script.connections == 2
    assert script.connection_headers == [b"close", b"close"]


async def test_python_steps_client_goes_through_the_same_transport() -> None:
    script = Script()
    with raw_server(script) as base:
        vu, _ = _vu()
        try:
            response = await vu.client.get(f"{base}/a")
            await _get(vu, f"{base}/b")
        finally:
            await vu.aclose()
    assert response.status_code == 200 and response.json() == [{"id": 1, "title": "ok"}]
    assert script.connections == 1


async def test_a_reused_connection_closed_before_any_byte_is_retried_once_and_counted_once() -> None:
    script = Script(drop={(1, 2)})
    with raw_server(script) as base:
        vu, sink = _vu()
        try:
            await _get(vu, f"{base}/a")
            second = await _get(vu, f"{base}/b")
        finally:
            await vu.aclose()
    assert second.status == 200 and second.error == ""
    assert second.timings.connecting > 0
    assert script.connections == 2 and script.requests == 3
    assert len(sink.of("http_reqs")) == 2


async def test_a_post_is_not_retried_even_on_a_reused_connection() -> None:
    script = Script(drop={(1, 2)})
    with raw_server(script) as base:
        vu, _ = _vu()
        try:
            await _get(vu, f"{base}/a")
            post, _ = await vu.request(PreparedRequest("POST", f"{base}/rpc/f", "rpc", content=b"{}"))
        finally:
            await vu.aclose()
    assert post.status == 0 and post.error == "EOF"
    assert script.requests == 2


async def test_a_fresh_connection_closed_before_any_byte_is_not_retried() -> None:
    script = Script(drop={(1, 1)})
    with raw_server(script) as base:
        vu, sink = _vu()
        try:
            result = await _get(vu, f"{base}/a")
        finally:
            await vu.aclose()
    assert result.status == 0
    assert result.error == "EOF"
    assert script.requests == 1
    assert dict(sink.of("http_reqs")[0].tags)["error_code"] == "1000"


async def test_no_vu_connection_reuse_closes_connections_between_iterations() -> None:
    script = Script()
    with raw_server(script) as base:
        for option, connections in ((False, 1), (True, 2)):
            script.connections = 0
            vu, _ = _vu(no_vu_connection_reuse=option)
            flow = [RequestStep.model_validate({"request": {"url": f"{base}/a"}})]
            try:
                await vu.iteration(flow)
                await vu.iteration(flow)
            finally:
                await vu.aclose()
            assert script.connections == connections, option


async def test_https_with_http1_takes_the_fast_path_and_times_the_tls_handshake() -> None:
    certs = certificates("127.0.0.1")
    tls = certs.server
    tls.set_alpn_protocols(["http/1.1"])
    script = Script(head_delay=DELAY)
    with raw_server(script, tls=tls) as base:
        vu, sink = _vu(certs, http1=True)
        try:
            assert vu.connections.transport_for(PreparedRequest("GET", f"{base}/a", "a")) is not None
            first = await _get(vu, f"{base}/a")
            second = await _get(vu, f"{base}/b")
        finally:
            await vu.aclose()
    _assert_fresh_phases(first, tls=True)
    assert second.timings.tls_handshaking == 0 and second.timings.connecting == 0
    assert {dict(s.tags)["proto"] for s in sink.of("http_reqs")} == {"HTTP/1.1"}


async def test_https_defaults_to_h2_by_alpn_with_every_phase() -> None:
    certs = certificates("127.0.0.1")
    with hypercorn_server(delayed_app(DELAY), certs) as base:
        vu, sink = _vu(certs)
        try:
            assert vu.connections.transport_for(PreparedRequest("GET", f"{base}/a", "a")) is None
            first = await _get(vu, f"{base}/a")
            second = await _get(vu, f"{base}/b")
        finally:
            await vu.aclose()
    _assert_fresh_phases(first, tls=True)
    assert second.status == 200
    assert second.timings.connecting == 0 and second.timings.tls_handshaking == 0
    assert second.timings.sending + second.timings.waiting >= DELAY * 1000 * 0.9
    assert {dict(s.tags)["proto"] for s in sink.of("http_reqs")} == {"HTTP/2.0"}


async def test_http1_against_an_h2_server_speaks_http11() -> None:
    certs = certificates("127.0.0.1")
    with hypercorn_server(delayed_app(DELAY), certs) as base:
        vu, sink = _vu(certs, http1=True)
        try:
            result = await _get(vu, f"{base}/a")
        finally:
            await vu.aclose()
    _assert_fresh_phases(result, tls=True)
    assert dict(sink.of("http_reqs")[0].tags)["proto"] == "HTTP/1.1"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_network_failures_on_the_fast_path_carry_k6_error_codes() -> None:
    script = Script(head_delay=1.0)
    wrong_name = certificates("other.example")
    wrong_name_tls = wrong_name.server
    with raw_server(script) as slow, raw_server(Script(), tls=certificates().server) as untrusted:
        with raw_server(Script(), tls=wrong_name_tls) as misnamed:
            vu, _ = _vu(wrong_name, http1=True)
            try:
                refused = await _get(vu, f"http://127.0.0.1:{_closed_port()}/")
                timed_out = await _get(vu, f"{slow}/", timeout=0.1)
                hostname = await _get(vu, f"{misnamed}/")
            finally:
                await vu.aclose()
            stranger, _ = _vu(http1=True)
            try:
                unknown = await _get(stranger, f"{untrusted}/")
            finally:
                await stranger.aclose()
    assert (refused.status, refused.error_code) == (0, DIAL_REFUSED)
    assert (timed_out.status, timed_out.error_code) == (0, TIMEOUT)
    assert hostname.error_code == TLS_HOSTNAME and hostname.error.startswith("x509: ")
    assert unknown.error_code == TLS_UNKNOWN_AUTHORITY


async def test_data_sent_counts_only_requests_that_reached_a_connection() -> None:
    """k6 counts data_sent from the socket: a refused dial sent nothing; a request that timed out
    waiting for its answer was written in full."""
    with raw_server(Script(head_delay=1.0)) as slow:
        vu, sink = _vu(http1=True)
        try:
            await _get(vu, f"http://127.0.0.1:{_closed_port()}/")
            await _get(vu, f"{slow}/", timeout=0.1)
        finally:
            await vu.aclose()
    sent = [s.value for s in sink.samples if s.metric == "data_sent"]
    codes = [dict(s.tags)["error_code"] for s in sink.of("http_reqs")]
    assert codes == [str(DIAL_REFUSED), str(TIMEOUT)]
    assert sent[0] == 0.0
    assert sent[1] > len("GET / HTTP/1.1\r\n")


async def test_socket_stamps_leave_the_generators_own_queueing_out_and_report_it() -> None:
    """Two responses become readable in one loop pass; whichever VU task resumes first hogs the loop.

    The server answers both together, 0.1 s after both arrived, while the client's loop is blocked for 0.4 s;
    the other task's phases end at its socket read, so the hog lands in its queueing, not in its phases.
    """
    script = Script(head_delay=0.1)
    hog_ms = 60.0
    done: list[tuple[HttpResult, float]] = []
    with raw_server(script) as base:
        vu, _ = _vu()

        async def one(path: str) -> None:
            start = time.perf_counter()
            result = await _get(vu, f"{base}/{path}")
            if not done:
                time.sleep(hog_ms / 1000)
            done.append((result, (time.perf_counter() - start) * 1000))

        try:
            await _get(vu, f"{base}/warm")
            script.together = 2
            async with anyio.create_task_group() as tg:
                tg.start_soon(one, "a")
                tg.start_soon(one, "b")
                with anyio.fail_after(5):
                    while script.requests < 3:
                        await anyio.sleep(0.001)
                time.sleep(0.4)
        finally:
            await vu.aclose()
    late, elapsed = done[1]
    t = late.timings
    assert late.status == 200
    assert elapsed - (t.blocked + t.connecting + t.tls_handshaking + t.duration) >= hog_ms * 0.9
    figures = vu.ctx.queueing.figures()
    assert figures["count"] == 3
    assert figures["max_ms"] >= hog_ms * 0.9
