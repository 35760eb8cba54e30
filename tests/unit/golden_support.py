"""Fixed inputs for the metrics golden files, and the reports they give (no tests here).

Two runs, both in fake time so nothing in their output depends on the machine:
- `aggregator_outputs`: 600 requests with varied VU tags, names, statuses, errors and expected_response,
  plus checks, groups, iterations, custom metrics and VU gauges, folded straight into an `Aggregator`;
- `engine_outputs`: a small flow (groups, a batch, checks, seed bindings) run by one VU through
  `perform` over an httpx MockTransport whose handler moves the fake clock.
Each gives the k6 JSON, the text summary and the snapshot's endpoint/window/check/group tables.
Regenerate the files with `PYTHONPATH=$PWD python -m tests.unit.golden_support` (only when a change is meant
to alter values: the goldens were recorded from the eleven-sample path).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

from dashtui.clock import FakeClock
from dashtui.engine.context import RunContext
from dashtui.engine.errors import status_error
from dashtui.engine.vu import VU
from dashtui.metrics import (
    Aggregator,
    Metric,
    MetricType,
    Registry,
    Sample,
    SampleSink,
    Snapshot,
    ValueType,
    make_tags,
)
from dashtui.metrics.tags import TagInterner
from dashtui.metrics.types import RequestRecord, Tags
from dashtui.report import RunState, SummaryOptions, build_summary_data, dumps_summary_data, render_summary
from dashtui.report.k6json import dumps_json
from dashtui.scenario.model import Scenario
from dashtui.session import registry_for, threshold_config
from dashtui.thresholds import ThresholdMonitor, compile_thresholds, submetric_keys

GOLDEN_DIR = Path(__file__).resolve().parent.parent / "golden"

CUSTOM_METRICS = (
    Metric("dashboard_errors", MetricType.RATE),
    Metric("initial_load_duration", MetricType.TREND),
    Metric("refresh_duration", MetricType.TREND, ValueType.TIME),
    Metric("api_calls", MetricType.COUNTER),
    Metric("queue_depth", MetricType.GAUGE),
)

THRESHOLDS: dict[str, list[str | dict[str, object]]] = {
    "http_req_duration": ["p(95)<500", "avg<300"],
    "http_req_duration{name:events}": ["p(95)<300"],
    "http_req_duration{group:::initial_load}": ["avg<400", "max<2000"],
    "http_req_duration{expected_response:true}": ["p(90)<1000"],
    "http_req_duration{name:events,status:200}": ["med<250"],
    "http_req_failed": ["rate<0.1"],
    "http_req_failed{name:orders}": ["rate<0.5"],
    "http_reqs{status:500}": ["count<5"],
    "http_reqs{error_code:1212}": ["count<100"],
    "http_req_waiting{scenario:writers}": ["max<2000"],
    "http_req_connecting{kind:write}": ["p(99)<50"],
    "data_received{name:tickets}": ["count>0"],
    "data_sent{method:POST}": ["count>0"],
    "checks": ["rate>0.9"],
    "checks{check:status is 2xx}": ["rate>0.8"],
    "dashboard_errors": ["rate<0.2"],
    "initial_load_duration": ["p(95)<3000"],
    "refresh_duration{group:::refresh}": ["p(95)<1000"],
    "api_calls": ["count>10"],
    "queue_depth": ["value<100"],
    "group_duration{group:::initial_load}": ["p(95)<3000"],
    "iteration_duration": ["avg<10000"],
    "iterations{scenario:writers}": ["count>1"],
}

# (name, method, url, request tags, expected statuses or None for k6's 200–399)
ENDPOINTS: tuple[tuple[str, str, str, dict[str, str], frozenset[int] | None], ...] = (
    ("events", "GET", "http://t.local/rest/v1/events?select=*&limit=20", {}, None),
    ("tickets", "GET", "http://t.local/rest/v1/tickets?select=count", {}, None),
    ("orders", "POST", "http://t.local/rest/v1/orders", {"kind": "write"}, None),
    ("vip_reservations", "GET", "http://t.local/rest/v1/vip_reservations", {}, frozenset({200, 404})),
    ("", "GET", "http://t.local/rest/v1/scan_logs?select=count", {}, None),
)
VU_TAGS: tuple[Tags, ...] = tuple(
    make_tags({"scenario": scenario, "group": group})
    for scenario in ("dashboard", "writers")
    for group in ("", "::initial_load", "::refresh", "::initial_load::charts")
)
OUTCOMES: tuple[tuple[int, str, int], ...] = (
    (200, "", 0),
    (200, "", 0),
    (200, "", 0),
    (200, "", 0),
    (201, "", 0),
    (404, "", 0),
    (500, "", 0),
    (0, "dial: connection refused", 1212),
    (0, "request timeout", 1050),
)
REQUESTS = 600
RUN_SECONDS = 12.5


@dataclass(frozen=True)
class RequestInput:
    """One request of the fixed run, before it becomes samples or a record."""

    vu_tags: Tags
    endpoint: tuple[str, str, str, dict[str, str], frozenset[int] | None]
    outcome: tuple[int, str, int]
    phases: tuple[float, float, float, float, float, float]
    sent: int
    received: int
    time: float

    def _resolved(self) -> tuple[int, str, int, bool]:
        status, error, error_code = self.outcome
        if status and not error:
            reason = "Not Found" if status == 404 else "Internal Server Error"
            error, error_code = status_error(status, reason)
        expected_set = self.endpoint[4]
        in_range = status in expected_set if expected_set is not None else 200 <= status <= 399
        return status, error, error_code, status != 0 and in_range

    def samples(self) -> list[Sample]:
        """The eleven samples `perform` emitted for one request (engine/http.py as recorded)."""
        name, method, url, request_tags, _ = self.endpoint
        status, error, error_code, expected = self._resolved()
        base = dict(self.vu_tags)
        base.update(request_tags)
        base.update(
            {
                "name": name,
                "method": method,
                "url": url,
                "status": str(status),
                "expected_response": "true" if expected else "false",
                "proto": "HTTP/1.1",
            }
        )
        if error:
            base["error"] = error
            base["error_code"] = str(error_code)
        tags = make_tags(base)
        blocked, connecting, tls, sending, waiting, receiving = self.phases
        return [
            Sample(metric, value, tags, self.time)
            for metric, value in (
                ("http_reqs", 1.0),
                ("http_req_duration", sending + waiting + receiving),
                ("http_req_blocked", blocked),
                ("http_req_connecting", connecting),
                ("http_req_tls_handshaking", tls),
                ("http_req_sending", sending),
                ("http_req_waiting", waiting),
                ("http_req_receiving", receiving),
                ("http_req_failed", 0.0 if expected else 1.0),
                ("data_sent", float(self.sent)),
                ("data_received", float(self.received)),
            )
        ]

    def record(self, interner: TagInterner) -> RequestRecord:
        """The same request as the one record the engine now hands its sink."""
        name, method, url, request_tags, _ = self.endpoint
        status, error, error_code, expected = self._resolved()
        tags = interner.request(
            self.vu_tags,
            make_tags(request_tags),
            name=name,
            method=method,
            url=url,
            status=status,
            expected=expected,
            proto="HTTP/1.1",
            error=error,
            error_code=error_code,
        )
        blocked, connecting, tls, sending, waiting, receiving = self.phases
        return RequestRecord(
            tags=tags,
            time=self.time,
            blocked=blocked,
            connecting=connecting,
            tls_handshaking=tls,
            sending=sending,
            waiting=waiting,
            receiving=receiving,
            failed=not expected,
            sent_bytes=self.sent,
            received_bytes=self.received,
        )


def _phases(rng: random.Random) -> tuple[float, float, float, float, float, float]:
    fresh = rng.random() < 0.2
    connecting = round(rng.uniform(0.5, 4.0), 3) if fresh else 0.0
    tls = round(rng.uniform(2.0, 12.0), 3) if fresh and rng.random() < 0.5 else 0.0
    blocked = round(connecting + tls + rng.uniform(0.0, 0.5), 3)
    sending = round(rng.uniform(0.01, 0.2), 3)
    waiting = round(rng.lognormvariate(4.0, 0.6), 3)
    receiving = round(rng.uniform(0.0, 3.0), 3)
    return blocked, connecting, tls, sending, waiting, receiving


class FoldPath(Protocol):
    """How requests and check results reach the aggregator."""

    def request(self, aggregator: Aggregator, request: RequestInput) -> None: ...

    def check(self, aggregator: Aggregator, tags: Tags, name: str, ok: bool, time: float) -> None: ...


class SamplePath:
    """The eleven-sample path the goldens were recorded from: every sample folded on its own."""

    def request(self, aggregator: Aggregator, request: RequestInput) -> None:
        for sample in request.samples():
            aggregator.add(sample)

    def check(self, aggregator: Aggregator, tags: Tags, name: str, ok: bool, time: float) -> None:
        aggregator.add(Sample("checks", 1.0 if ok else 0.0, make_tags({**dict(tags), "check": name}), time))


class RecordPath:
    """One `add_request` per request and one `add_check` per check result."""

    def request(self, aggregator: Aggregator, request: RequestInput) -> None:
        aggregator.add_request(request.record(aggregator.interner))

    def check(self, aggregator: Aggregator, tags: Tags, name: str, ok: bool, time: float) -> None:
        aggregator.add_check(tags, name, ok, time)


class FallbackPath:
    """The base `SampleSink` defaults, which a sink knowing only `add` gets: records become samples."""

    def request(self, aggregator: Aggregator, request: RequestInput) -> None:
        SampleSink.add_request(aggregator, request.record(aggregator.interner))

    def check(self, aggregator: Aggregator, tags: Tags, name: str, ok: bool, time: float) -> None:
        SampleSink.add_check(aggregator, tags, name, ok, time)


def drive_aggregator(path: FoldPath) -> tuple[Aggregator, Registry, FakeClock]:
    """Feed the fixed run into a fresh Aggregator, requests and checks through `path`."""
    rng = random.Random(8)
    clock = FakeClock(start=0.0)
    registry = Registry(CUSTOM_METRICS)
    thresholds = compile_thresholds(THRESHOLDS, registry)
    aggregator = Aggregator(registry, clock=clock, track=submetric_keys(thresholds))
    step = RUN_SECONDS / (REQUESTS + 10)
    next_vus = 0.0
    for index in range(REQUESTS):
        clock.advance(step)
        now = clock.now()
        if now >= next_vus:
            vus = float(10 + index % 7)
            aggregator.add(Sample("vus", vus, (), now))
            aggregator.add(Sample("vus_max", 20.0, (), now))
            aggregator.add(Sample("queue_depth", float(rng.randrange(0, 120)), (), now))
            next_vus += 1.0
        vu_tags = rng.choice(VU_TAGS)
        endpoint = rng.choice(ENDPOINTS)
        outcome = rng.choice(OUTCOMES)
        request = RequestInput(
            vu_tags,
            endpoint,
            outcome,
            _phases(rng),
            rng.randrange(120, 900),
            0 if outcome[0] == 0 else rng.randrange(200, 40_000),
            now,
        )
        path.request(aggregator, request)
        status = outcome[0]
        path.check(aggregator, vu_tags, "status is 2xx", 200 <= status < 300, now)
        path.check(aggregator, vu_tags, "body not empty", status != 0, now)
        group = dict(vu_tags).get("group", "")
        if index % 5 == 4 and group:
            group_ms = round(rng.uniform(80.0, 3500.0), 3)
            aggregator.add(Sample("group_duration", group_ms, vu_tags, now))
            path.check(aggregator, vu_tags, f"{group} under 3s", group_ms < 3000, now)
            trend = "initial_load_duration" if "initial_load" in group else "refresh_duration"
            aggregator.add(Sample(trend, group_ms, vu_tags, now))
            aggregator.add(
                Sample("dashboard_errors", 1.0 if status == 0 or status >= 500 else 0.0, vu_tags, now)
            )
            aggregator.add(Sample("api_calls", float(1 + index % 4), vu_tags, now))
        if index % 12 == 11:
            iteration_tags = make_tags({"scenario": dict(vu_tags)["scenario"], "group": ""})
            aggregator.add(Sample("iterations", 1.0, iteration_tags, now))
            aggregator.add(
                Sample("iteration_duration", round(rng.uniform(5000, 9000), 3), iteration_tags, now)
            )
    clock.advance(RUN_SECONDS - clock.now())
    return aggregator, registry, clock


def _tables(snapshot: Snapshot) -> str:
    """What the live views read and the k6 JSON lacks: endpoints, windows, checks, groups, failures."""
    endpoints = {
        name: {
            "method": e.method,
            "requests": e.requests,
            "failed": e.failed,
            "status_classes": dict(sorted(e.status_classes.items())),
            "duration": e.duration.values(0.0, ("avg", "min", "med", "max", "p(90)", "p(95)", "count")),
            "last_status": e.last_status,
            "last_error": e.last_error,
        }
        for name, e in sorted(snapshot.endpoints.items())
    }
    windows = [
        {
            "index": w.index,
            "requests": w.requests,
            "failed": w.failed,
            "p50": w.p50,
            "p95": w.p95,
            "p99": w.p99,
            "max": w.max,
            "vus": w.vus,
            "iterations": w.iterations,
            "endpoint_requests": dict(sorted(w.endpoint_requests.items())),
        }
        for w in snapshot.windows
    ]
    checks = {f"{g}|{n}": [c.passes, c.fails] for (g, n), c in sorted(snapshot.checks.items())}
    groups = {path: sink.values(0.0) for path, sink in sorted(snapshot.groups.items())}
    failures = [
        {"elapsed": f.elapsed, "name": f.name, "status": f.status, "error": f.error, "body": f.body_excerpt}
        for f in snapshot.failures
    ]
    tables = {
        "endpoints": endpoints,
        "windows": windows,
        "checks": checks,
        "groups": groups,
        "failures": failures,
    }
    return dumps_json(tables, 1) + "\n"


def _reports(prefix: str, snapshot: Snapshot, registry: Registry, config: dict[str, Any]) -> dict[str, str]:
    thresholds = compile_thresholds(config, registry)
    results = ThresholdMonitor(thresholds).final(snapshot)
    data = build_summary_data(
        snapshot,
        results,
        options=SummaryOptions(
            summary_trend_stats=("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count")
        ),
        state=RunState(
            is_stdout_tty=False, is_stderr_tty=False, test_run_duration_ms=snapshot.elapsed * 1000.0
        ),
        registry=registry,
    )
    return {
        f"{prefix}.summary.json": dumps_summary_data(data) + "\n",
        f"{prefix}.summary.txt": render_summary(data, color=False),
        f"{prefix}.tables.json": _tables(snapshot),
    }


def aggregator_outputs(path: FoldPath) -> dict[str, str]:
    aggregator, registry, _ = drive_aggregator(path)
    return _reports("aggregator", aggregator.snapshot(), registry, THRESHOLDS)


FIXED_HEADERS = {"Accept-Encoding": "gzip, deflate"}
"""httpx's default, written out: it grows when brotli or zstandard is installed, and data_sent with it."""

ENGINE_SCENARIO: dict[str, Any] = {
    "name": "golden",
    "scenarios": {"dashboard": {"executor": "shared-iterations", "vus": 1, "iterations": 1}},
    "flows": {
        "default": [
            {
                "group": "initial_load",
                "duration_trend": "initial_load_duration",
                "checks": [{"name": "initial load under 3s", "below": 3000}],
                "error_rate": {"metric": "dashboard_errors"},
                "count_requests": "api_calls",
                "steps": [
                    {
                        "batch": [
                            {
                                "headers": FIXED_HEADERS,
                                "url": "http://t.local/rest/v1/events?select=*",
                                "name": "events",
                                "checks": [
                                    {"name": "events 200", "status": 200},
                                    {"name": "events has rows", "json_path": "0.id"},
                                ],
                            },
                            {
                                "headers": FIXED_HEADERS,
                                "url": "http://t.local/rest/v1/tickets?select=count",
                                "name": "tickets",
                                "checks": [{"name": "tickets count", "json_path": "0.count", "equals": 3}],
                            },
                            {
                                "headers": FIXED_HEADERS,
                                "url": "http://t.local/rest/v1/vip_reservations",
                                "name": "vip_reservations",
                                "expectedStatuses": ["200-299", 404],
                                "tags": {"kind": "vip"},
                            },
                        ]
                    }
                ],
            },
            {"sleep": 5},
            {
                "group": "refresh",
                "duration_trend": "refresh_duration",
                "error_rate": {"metric": "dashboard_errors", "responses": "first"},
                "steps": [
                    {
                        "request": {
                            "headers": FIXED_HEADERS,
                            "url": "http://t.local/rest/v1/orders",
                            "method": "POST",
                            "name": "orders",
                            "body": {"n": 1},
                            "checks": [{"name": "orders 201", "status": 201}],
                        },
                        "count_requests": "api_calls",
                    },
                    {
                        "request": {
                            "headers": FIXED_HEADERS,
                            "url": "http://t.local/rest/v1/scan_logs?select=count",
                        }
                    },
                ],
            },
            {"sleep": 2},
        ]
    },
    "metrics": {
        "dashboard_errors": "rate",
        "initial_load_duration": "trend",
        "refresh_duration": {"type": "trend", "time": True},
        "api_calls": "counter",
    },
    "thresholds": {
        "http_req_duration": ["p(95)<500"],
        "http_req_duration{name:events}": ["p(95)<300"],
        "http_req_duration{group:::initial_load}": ["avg<400"],
        "http_req_duration{expected_response:true}": ["p(90)<1000"],
        "http_req_failed": ["rate<0.1"],
        "http_reqs{error_code:1212}": ["count<2"],
        "checks{check:events 200}": ["rate>0.9"],
        "dashboard_errors": ["rate<0.2"],
    },
}
ENGINE_ITERATIONS = 6
TICK = 1 / 1024
"""The handler moves the fake clock by multiples of a power of two, so differences are exact."""


def _handler(clock: FakeClock) -> Callable[[httpx.Request], httpx.Response]:
    calls = [0]

    def handle(request: httpx.Request) -> httpx.Response:
        calls[0] += 1
        n = calls[0]
        path = request.url.path.rsplit("/", 1)[-1]
        clock.advance((20 + 7 * (n % 11) + (40 if path == "events" else 0)) * TICK)
        if path == "events":
            if n % 3 == 0:
                return httpx.Response(500, text="boom")
            return httpx.Response(200, json=[{"id": n}])
        if path == "tickets":
            return httpx.Response(200, json=[{"count": 3 if n % 4 else 2}])
        if path == "vip_reservations":
            return httpx.Response(404 if n % 3 == 0 else 200, json=[])
        if path == "orders":
            if n % 7 == 0:
                raise httpx.ConnectError("[Errno 111] Connection refused")
            return httpx.Response(201, content=b"")
        return httpx.Response(200, json=[{"count": n}], headers={"Content-Range": "0-0/1"})

    return handle


async def engine_outputs() -> dict[str, str]:
    """One VU runs the flow ENGINE_ITERATIONS times over a MockTransport, in fake time."""
    scenario = Scenario.model_validate(ENGINE_SCENARIO)
    registry = registry_for(scenario)
    config = threshold_config(scenario)
    clock = FakeClock(start=0.0)
    aggregator = Aggregator(registry, clock=clock, track=submetric_keys(compile_thresholds(config, registry)))
    handler = _handler(clock)
    ctx = RunContext(
        clock=clock,
        sink=aggregator,
        user_agent="dashtui-golden",
        transport_factory=lambda: httpx.MockTransport(handler),
        start=clock.now(),
    )
    flow = scenario.flows["default"]
    vu = VU(1, ctx, scenario="dashboard", tags=(("instance", "golden"),))
    try:
        for _ in range(ENGINE_ITERATIONS):
            await vu.iteration(flow)
    finally:
        await vu.aclose()
    return _reports("engine", aggregator.snapshot(), registry, config)


def write_goldens() -> None:
    import anyio

    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    outputs = {**aggregator_outputs(SamplePath()), **anyio.run(engine_outputs)}
    for name, text in outputs.items():
        (GOLDEN_DIR / name).write_text(text, encoding="utf-8")
        print(f"wrote {GOLDEN_DIR / name}")


if __name__ == "__main__":
    write_goldens()
