"""The engine's requests: k6's metrics and tags, failures as status 0, batches, checks and seed bindings."""

from __future__ import annotations

import socket
import ssl

import anyio
import httpx
import pytest

from dashtui.clock import SystemClock
from dashtui.engine.errors import DIAL_REFUSED, TIMEOUT, classify_error
from dashtui.engine.http import PreparedRequest, perform

from .engine_helpers import SampleList, run, scenario

pytestmark = pytest.mark.anyio

HTTP_METRICS = {
    "http_reqs",
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
    "http_req_failed",
    "data_sent",
    "data_received",
}


async def test_a_request_emits_every_k6_http_metric_with_k6_tags() -> None:
    samples = SampleList()
    transport = httpx.MockTransport(lambda r: httpx.Response(206, json=[1, 2]))
    async with httpx.AsyncClient(transport=transport) as client:
        request = PreparedRequest("GET", "http://t.local/rest/v1/events?limit=2", "events")
        result = await perform(client, request, clock=SystemClock(), tags=(("group", "::g"),), sink=samples)
    assert result.status == 206 and result.expected
    assert {s.metric for s in samples} == HTTP_METRICS
    tags = dict(samples[0].tags)
    assert tags["name"] == "events"
    assert tags["method"] == "GET"
    assert tags["status"] == "206"
    assert tags["group"] == "::g"
    assert tags["expected_response"] == "true"
    assert tags["url"] == "http://t.local/rest/v1/events?limit=2"
    by_metric = {s.metric: s.value for s in samples}
    assert by_metric["http_req_failed"] == 0.0
    assert by_metric["data_received"] >= len(b"[1,2]")
    parts = sum(by_metric[m] for m in ("http_req_sending", "http_req_waiting", "http_req_receiving"))
    assert by_metric["http_req_duration"] == pytest.approx(parts)


async def test_unexpected_status_is_failed_with_k6_error_code() -> None:
    samples = SampleList()
    transport = httpx.MockTransport(lambda r: httpx.Response(503, text="busy"))
    async with httpx.AsyncClient(transport=transport) as client:
        result = await perform(
            client,
            PreparedRequest("GET", "http://t.local/x", "x"),
            clock=SystemClock(),
            tags=(),
            sink=samples,
        )
    assert not result.expected
    failed = next(s for s in samples if s.metric == "http_req_failed")
    assert failed.value == 1.0
    assert failed.tag("error_code") == "1503"
    assert failed.tag("expected_response") == "false"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_refused_connection_is_status_0_with_dial_refused() -> None:
    samples = SampleList()
    url = f"http://127.0.0.1:{_closed_port()}/"
    async with httpx.AsyncClient() as client:
        result = await perform(
            client, PreparedRequest("GET", url, "down"), clock=SystemClock(), tags=(), sink=samples
        )
    assert result.status == 0
    assert result.error_code == DIAL_REFUSED
    tags = dict(samples[0].tags)
    assert tags["status"] == "0"
    assert tags["error_code"] == str(DIAL_REFUSED)
    assert next(s.value for s in samples if s.metric == "http_req_failed") == 1.0
    assert next(s.value for s in samples if s.metric == "data_sent") == 0.0


def _chained(outer: Exception, cause: BaseException) -> Exception:
    outer.__cause__ = cause
    return outer


def _tls_failure(message: str) -> Exception:
    cause = ssl.SSLCertVerificationError(1, message)
    cause.verify_message = message.partition(": ")[2]
    return _chained(httpx.ConnectError(message), cause)


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (httpx.ReadTimeout("slow"), TIMEOUT),
        (httpx.ConnectError("x", request=None), 1210),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), 1000),
        (httpx.ReadError("[Errno 104] Connection reset by peer"), 1220),
        (httpx.ConnectError("[Errno -2] Name or service not known"), 1101),
        (httpx.ConnectError("[Errno -3] Temporary failure in name resolution"), 1100),
        (httpx.ConnectTimeout("timed out"), 1211),
        (_tls_failure("certificate verify failed: unable to get local issuer certificate"), 1310),
        (_tls_failure("certificate verify failed: Hostname mismatch, certificate is not valid"), 1311),
        (_chained(httpx.ConnectError("tls"), ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER]")), 1300),
    ],
)
def test_network_failures_map_to_k6_error_codes(exc: Exception, code: int) -> None:
    assert classify_error(exc)[1] == code


async def test_batch_runs_in_parallel_within_batch_per_host() -> None:
    live = 0
    peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal live, peak
        live += 1
        peak = max(peak, live)
        await anyio.sleep(0.02)
        live -= 1
        return httpx.Response(200, text="ok")

    batch = [{"url": f"http://h.local/{i}", "name": f"r{i}"} for i in range(6)]
    sc = scenario([{"batch": batch}], options={"batchPerHost": 2})
    _, snap = await run(sc, handler)
    assert peak == 2
    assert snap.values("http_reqs") is not None and snap.values("http_reqs")["count"] == 6  # type: ignore[index]

    peak = 0
    sc = scenario([{"batch": batch}], options={"batchPerHost": 6})
    await run(sc, handler)
    assert peak == 6


SEED_FLOW = [
    {
        "group": "initial_load",
        "duration_trend": "initial_load_duration",
        "checks": [{"name": "initial load under 3s", "below": 3000}],
        "steps": [
            {
                "batch": [
                    {
                        "url": "http://s.local/ok",
                        "name": "events",
                        "checks": [{"name": "events status 200", "status": 200}],
                    },
                    {
                        "url": "http://s.local/bad",
                        "name": "tickets",
                        "checks": [{"name": "tickets status 200", "status": 200}],
                    },
                ],
                "error_rate": {"metric": "dashboard_errors", "responses": "all"},
                "count_requests": "api_calls",
            }
        ],
    },
    {
        "group": "refresh",
        "steps": [
            {
                "batch": [
                    {
                        "url": "http://s.local/ok",
                        "name": "a",
                        "checks": [{"name": "refresh status 200", "status": 200}],
                    },
                    {"url": "http://s.local/bad", "name": "b"},
                ],
                "error_rate": {"metric": "dashboard_errors", "responses": "first"},
                "count_requests": "api_calls",
            }
        ],
    },
]
SEED_METRICS = {"dashboard_errors": "rate", "initial_load_duration": "trend", "api_calls": "counter"}


def _seed_handler(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200 if request.url.path == "/ok" else 500, text="x")


async def test_seed_error_rate_rules_all_for_initial_load_first_for_refresh() -> None:
    sc = scenario(SEED_FLOW, metrics=SEED_METRICS)
    _, snap = await run(sc, _seed_handler)
    errors = snap.values("dashboard_errors")
    assert errors == {"rate": 0.5, "passes": 1.0, "fails": 1.0}
    assert snap.values("api_calls")["count"] == 4  # type: ignore[index]
    trend = snap.values("initial_load_duration")
    assert trend is not None and trend["max"] > 0
    assert snap.checks[("::initial_load", "tickets status 200")].fails == 1
    assert snap.checks[("::initial_load", "events status 200")].passes == 1
    assert snap.checks[("::initial_load", "initial load under 3s")].passes == 1
    assert snap.checks[("::refresh", "refresh status 200")].passes == 1
    assert set(snap.groups) == {"::initial_load", "::refresh"}


async def test_requests_carry_the_group_path_tag() -> None:
    nested = [
        {
            "group": "outer",
            "steps": [{"group": "inner", "steps": [{"request": {"url": "http://g.local/", "name": "n"}}]}],
        }
    ]
    sc = scenario(nested)
    engine, snap = await run(sc, lambda r: httpx.Response(200))
    data = snap.data("http_req_duration")
    assert data is not None
    assert set(snap.groups) == {"::outer::inner", "::outer"}


async def test_response_checks_json_path_header_and_body() -> None:
    checks = [
        {"name": "count is 3", "json_path": "0.count", "equals": 3},
        {"name": "has count", "json_path": "0.count"},
        {"name": "missing path", "json_path": "0.nope"},
        {"name": "content-range", "header": "Content-Range", "equals": "0-0/3"},
        {"name": "has body", "body_not_empty": True},
        {"name": "2xx", "status_in": [200, 206]},
        {"name": "says count", "body_contains": '"count"'},
        {"name": "says total", "body_contains": "total"},
    ]
    sc = scenario([{"request": {"url": "http://c.local/", "name": "c", "checks": checks}}])

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(206, json=[{"count": 3}], headers={"Content-Range": "0-0/3"})

    _, snap = await run(sc, handler)
    outcome = {name: stats.passes == 1 for (_, name), stats in snap.checks.items()}
    assert outcome == {
        "count is 3": True,
        "has count": True,
        "missing path": False,
        "content-range": True,
        "has body": True,
        "2xx": True,
        "says count": True,
        "says total": False,
    }


async def test_service_auth_sends_apikey_and_bearer_and_failures_redact_it() -> None:
    seen: list[httpx.Headers] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(401, text=f"bad key {request.headers['apikey']}")

    sc = scenario([{"request": {"url": "http://a.local/", "name": "a", "auth": "service"}}])
    _, snap = await run(sc, handler, env={"SUPABASE_SERVICE_ROLE_KEY": "sekrit-service-key"})
    assert seen[0]["apikey"] == "sekrit-service-key"
    assert seen[0]["authorization"] == "Bearer sekrit-service-key"
    assert snap.failures and "sekrit-service-key" not in snap.failures[0].body_excerpt


async def test_add_steps_feed_constant_samples_to_custom_metrics() -> None:
    flow = [
        {"add": {"metric": "hits", "value": 2}},
        {
            "group": "g",
            "steps": [{"add": {"metric": "hits", "value": 3}}, {"add": {"metric": "ok", "value": True}}],
        },
        {"add": {"metric": "ok", "value": False}},
        {"add": {"metric": "depth", "value": 7.5}},
    ]
    sc = scenario(flow, metrics={"hits": "counter", "ok": "rate", "depth": "gauge"})
    _, snap = await run(sc, lambda r: httpx.Response(200))
    assert snap.values("hits")["count"] == 5  # type: ignore[index]
    assert snap.values("ok") == {"rate": 0.5, "passes": 1.0, "fails": 1.0}
    assert snap.values("depth")["value"] == 7.5  # type: ignore[index]


def test_an_add_step_needs_a_declared_metric() -> None:
    with pytest.raises(ValueError, match="undeclared metric"):
        scenario([{"add": {"metric": "nope", "value": 1}}])
