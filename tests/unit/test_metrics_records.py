"""One record per request: interned tag sets, cached submetric routes, the base sink's fallback, merging."""

from __future__ import annotations

import httpx
import pytest

from dashtui.clock import FakeClock
from dashtui.engine.http import PreparedRequest, perform
from dashtui.metrics import Aggregator, FailureRecord, Registry, Sample, SampleSink, make_tags
from dashtui.metrics import aggregator as aggregator_module
from dashtui.metrics.tags import TagInterner
from dashtui.metrics.types import HTTP_REQUEST_METRICS, RequestRecord, Tags

from .engine_helpers import SampleList

VU_TAGS = make_tags({"scenario": "dashboard", "group": "::initial_load"})
EVENTS = "http://t.local/rest/v1/events"
TRACK = ("http_req_duration{name:events}", "http_req_failed{name:events}", "checks{check:events 200}")


def _tags(interner: TagInterner, name: str = "events", status: int = 200, error: str = "") -> Tags:
    return interner.request(
        VU_TAGS,
        (("kind", "read"),),
        name=name,
        method="GET",
        url=f"http://t.local/rest/v1/{name}",
        status=status,
        expected=200 <= status < 400,
        proto="HTTP/1.1",
        error=error,
        error_code=1000 + status if error else 0,
    )


def _record(tags: Tags, time: float, waiting: float, *, failed: bool = False) -> RequestRecord:
    return RequestRecord(tags, time, 1.5, 1.0, 0.0, 0.25, waiting, 0.75, failed, 300, 2000)


def test_same_request_inputs_give_the_same_tag_object() -> None:
    interner = TagInterner()
    first = _tags(interner)
    assert _tags(interner) is first
    assert _tags(interner, status=500, error="Internal Server Error") is not first
    assert _tags(interner, name="orders") is not first
    assert first == make_tags(
        {
            **dict(VU_TAGS),
            "kind": "read",
            "name": "events",
            "method": "GET",
            "url": EVENTS,
            "status": "200",
            "expected_response": "true",
            "proto": "HTTP/1.1",
        }
    )
    failed = _tags(interner, status=503, error="Service Unavailable")
    assert ("error", "Service Unavailable") in failed and ("error_code", "1503") in failed


def test_with_tag_replaces_a_key_and_interns_the_result() -> None:
    interner = TagInterner()
    tagged = interner.with_tag(VU_TAGS, "group", "::refresh")
    assert tagged == make_tags({"scenario": "dashboard", "group": "::refresh"})
    assert interner.with_tag(VU_TAGS, "group", "::refresh") is tagged
    assert interner.with_tag(VU_TAGS, "check", "ok") == make_tags({**dict(VU_TAGS), "check": "ok"})


def test_interner_past_its_limit_stays_correct_without_growing() -> None:
    interner = TagInterner(limit=2)
    kept = [_tags(interner, name=f"t{i}") for i in range(2)]
    extra = _tags(interner, name="t9")
    assert interner.size == 2
    assert _tags(interner, name="t9") == extra
    assert _tags(interner, name="t9") is not extra, "past the cap, tags are built afresh"
    assert _tags(interner, name="t0") is kept[0]


def _aggregator(clock: FakeClock, track: tuple[str, ...] = TRACK) -> Aggregator:
    return Aggregator(Registry(), clock=clock, track=track)


def test_submetric_membership_is_decided_once_per_tag_set(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock(start=0.0)
    aggregator = _aggregator(clock)
    decided: list[tuple[str, Tags]] = []
    original = Aggregator._targets

    def spy(self: Aggregator, name: str, tags: Tags) -> tuple[object, ...]:
        decided.append((name, tags))
        return original(self, name, tags)

    monkeypatch.setattr(Aggregator, "_targets", spy)
    interner = aggregator.interner
    events, orders = _tags(interner), _tags(interner, name="orders")
    for i, waiting in enumerate((40.0, 60.0, 80.0)):
        aggregator.add_request(_record(events, 0.1 * i, waiting))
        aggregator.add_request(_record(orders, 0.1 * i, 500.0, failed=True))
    assert len(decided) == 2 * len(HTTP_REQUEST_METRICS), "once per metric for each of the two tag sets"
    snap = aggregator.snapshot()
    assert snap.values("http_req_duration{name:events}", ("count", "min", "max")) == {
        "count": 3.0,
        "min": 41.0,
        "max": 81.0,
    }
    assert snap.values("http_req_duration", ("count",)) == {"count": 6.0}
    assert snap.values("http_req_failed{name:events}") == {"rate": 0.0, "passes": 0.0, "fails": 3.0}
    assert snap.values("http_req_failed") == {"rate": 0.5, "passes": 3.0, "fails": 3.0}
    assert snap.values("http_req_duration{expected_response:true}", ("count",)) == {"count": 6.0}


def test_a_submetric_tracked_later_gets_the_next_requests() -> None:
    clock = FakeClock(start=0.0)
    aggregator = _aggregator(clock)
    tags = _tags(aggregator.interner, name="orders")
    aggregator.add_request(_record(tags, 0.0, 10.0))
    aggregator.track("http_req_waiting{name:orders}")
    aggregator.add_request(_record(tags, 0.1, 20.0))
    assert aggregator.snapshot().values("http_req_waiting{name:orders}", ("count", "max")) == {
        "count": 1.0,
        "max": 20.0,
    }


def test_routes_past_their_cap_are_decided_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aggregator_module, "ROUTE_LIMIT", 1)
    clock = FakeClock(start=0.0)
    aggregator = _aggregator(clock)
    for i in range(6):
        tags = _tags(aggregator.interner, name="events" if i % 2 else "orders")
        aggregator.add_request(_record(tags, 0.1 * i, 10.0 * (i + 1)))
    snap = aggregator.snapshot()
    assert snap.values("http_req_duration{name:events}", ("count", "max")) == {"count": 3.0, "max": 61.0}
    assert {name: e.requests for name, e in snap.endpoints.items()} == {"orders": 3, "events": 3}


def test_a_record_updates_endpoint_and_window_like_its_samples() -> None:
    clock = FakeClock(start=0.0)
    aggregator = _aggregator(clock)
    interner = aggregator.interner
    ok, failed = _tags(interner), _tags(interner, status=503, error="Service Unavailable")
    aggregator.add_request(_record(ok, 0.2, 9.0))
    aggregator.add_request(_record(failed, 0.4, 19.0, failed=True))
    aggregator.add_request(_record(ok, 1.2, 29.0))
    clock.advance(1.5)
    snap = aggregator.snapshot()
    events = snap.endpoints["events"]
    assert (events.requests, events.failed, events.last_status) == (3, 1, 200)
    assert dict(events.status_classes) == {"2xx": 2, "5xx": 1}
    assert events.duration.stat("max") == 30.0
    assert [(w.index, w.requests, w.failed, w.max) for w in snap.windows] == [(0, 2, 1, 20.0)]


def test_the_base_sink_turns_a_record_into_elevens_samples_in_k6_order() -> None:
    sink = SampleList()
    tags = _tags(sink.interner)
    sink.add_request(_record(tags, 5.0, 48.0, failed=True))
    assert [s.metric for s in sink] == list(HTTP_REQUEST_METRICS)
    assert all(s.tags is tags and s.time == 5.0 for s in sink)
    by_metric = {s.metric: s.value for s in sink}
    assert by_metric == {
        "http_reqs": 1.0,
        "http_req_duration": 49.0,
        "http_req_blocked": 1.5,
        "http_req_connecting": 1.0,
        "http_req_tls_handshaking": 0.0,
        "http_req_sending": 0.25,
        "http_req_waiting": 48.0,
        "http_req_receiving": 0.75,
        "http_req_failed": 1.0,
        "data_sent": 300.0,
        "data_received": 2000.0,
    }


def test_the_base_sink_turns_a_check_into_a_checks_sample() -> None:
    sink = SampleList()
    sink.add_check(VU_TAGS, "events 200", False, 3.0)
    assert sink == [Sample("checks", 0.0, make_tags({**dict(VU_TAGS), "check": "events 200"}), 3.0)]


def test_add_check_counts_and_feeds_the_check_submetric() -> None:
    aggregator = _aggregator(FakeClock(start=0.0))
    for ok in (True, True, False):
        aggregator.add_check(VU_TAGS, "events 200", ok, 0.5)
    aggregator.add_check(VU_TAGS, "orders 201", False, 0.5)
    snap = aggregator.snapshot()
    assert snap.values("checks{check:events 200}") == {"rate": 2 / 3, "passes": 2.0, "fails": 1.0}
    assert snap.values("checks") == {"rate": 0.5, "passes": 2.0, "fails": 2.0}
    counts = {name: (c.passes, c.fails) for (group, name), c in snap.checks.items()}
    assert counts == {"events 200": (2, 1), "orders 201": (0, 1)}


def _feed(
    aggregator: Aggregator, clock: FakeClock, rows: list[tuple[str, int, float]], *, records: bool
) -> None:
    interner = TagInterner()
    for name, status, waiting in rows:
        error = "Service Unavailable" if status >= 400 else ""
        record = _record(_tags(interner, name, status, error), clock.now(), waiting, failed=status >= 400)
        if records:
            aggregator.add_request(record)
        else:
            for sample in record.samples():
                aggregator.add(sample)
        clock.advance(0.5)


def test_merging_snapshots_of_records_equals_one_generator_seeing_every_sample() -> None:
    first = [("events", 200, 12.0), ("orders", 503, 40.0), ("events", 200, 8.0)]
    second = [("events", 200, 20.0), ("tickets", 200, 3.0), ("events", 503, 70.0)]
    clocks = [FakeClock(start=0.0) for _ in range(3)]
    one, two, both = (_aggregator(c) for c in clocks)
    _feed(one, clocks[0], first, records=True)
    _feed(two, clocks[1], second, records=True)
    _feed(both, clocks[2], first + second, records=False)
    clocks[0].advance(1.5)
    clocks[1].advance(1.5)
    merged, whole = one.snapshot().merge(two.snapshot()), both.snapshot()
    stats = ("avg", "min", "max", "med", "p(95)", "count")
    for key in whole.metrics:
        assert merged.values(key, stats) == whole.values(key, stats), key
    assert set(merged.metrics) == set(whole.metrics)
    for name, stats_whole in whole.endpoints.items():
        mine = merged.endpoints[name]
        assert (mine.requests, mine.failed, dict(mine.status_classes)) == (
            stats_whole.requests,
            stats_whole.failed,
            dict(stats_whole.status_classes),
        )


class RecordList(SampleSink):
    """A sink that keeps what `perform` hands it, and fails the test on any single sample."""

    def __init__(self) -> None:
        self.records: list[RequestRecord] = []

    def add(self, sample: Sample) -> None:
        raise AssertionError(f"perform emitted a sample: {sample}")

    def add_request(self, record: RequestRecord) -> None:
        self.records.append(record)

    def add_failure(self, record: FailureRecord) -> None:
        pass


@pytest.mark.anyio
async def test_perform_hands_its_sink_one_record_with_interned_tags() -> None:
    sink = RecordList()
    clock = FakeClock(start=0.0)

    def handler(request: httpx.Request) -> httpx.Response:
        clock.advance(0.0625)
        return httpx.Response(404, text="missing")

    request = PreparedRequest("GET", EVENTS, "events", tags=(("kind", "read"),))
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        for _ in range(2):
            await perform(client, request, clock=clock, tags=VU_TAGS, sink=sink)
    first, second = sink.records
    assert first.tags is second.tags
    assert dict(first.tags)["error_code"] == "1404" and dict(first.tags)["status"] == "404"
    assert first.failed and first.waiting == 62.5 and first.duration == 62.5
    assert first.sent_bytes > 0 and first.received_bytes >= len("missing")
