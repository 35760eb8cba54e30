"""`--out json=` / `--out csv=`: line shapes as k6 v2.2.0 writes them, a tee that changes no figure, gzip."""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Registry
from dashtui.metrics.tee import TeeSink
from dashtui.metrics.types import RequestRecord, Sample
from dashtui.report.ci import CiOutputs, ci_sink, close_sink, metric_info
from dashtui.report.streams import CSV_COLUMNS, CsvWriter, NdjsonWriter, StreamSpec, parse_out

SAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "k6-samples"
RFC3339_NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
KEY = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl"
WALL_START = 1_800_000_000.0


def _k6_lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in (SAMPLES / "seed-samples.ndjson").read_text().splitlines()]


def _shape(value: Any) -> Any:
    """The structure of a JSON value: keys in order and value kinds, not the values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _feed(sink: Any, clock: FakeClock) -> None:
    """Requests, checks and plain samples as the engine hands them over: what the seed's run produced."""
    interner = sink.interner
    vu_tags = (("group", "::initial_load"), ("scenario", "default"))
    for i in range(40):
        clock.advance(0.05)
        failed = i % 10 == 0
        tags = interner.request(
            vu_tags,
            (),
            name="http://127.0.0.1:1/rest/v1/events?select=*",
            method="GET",
            url="http://127.0.0.1:1/rest/v1/events?select=*",
            status=500 if failed else 200,
            expected=not failed,
            proto="HTTP/1.1",
            error="",
            error_code=1500 if failed else 0,
        )
        sink.add_request(
            RequestRecord(tags, clock.now(), 0.4, 0.3, 0.0, 0.02, 50.0 + i, 0.1, failed, 300, 900)
        )
        sink.add_check(vu_tags, "events status 200", not failed, clock.now())
        sink.add(Sample("group_duration", 53.9, vu_tags, clock.now()))
    sink.add(Sample("vus", 3.0, (), clock.now()))


@pytest.fixture
def written(tmp_path: Path) -> Iterator[tuple[list[dict[str, Any]], list[list[str]], Aggregator, FakeClock]]:
    clock = FakeClock(start=50.0, wall_start=WALL_START)
    registry = Registry(())
    aggregator = Aggregator(registry, clock=clock)
    info = metric_info({"http_req_duration": ["p(95)<2000"], "http_req_duration{name:events}": ["p(95)<1"]})
    ci = CiOutputs(
        streams=(StreamSpec("json", tmp_path / "s.ndjson"), StreamSpec("csv", tmp_path / "s.csv.gz"))
    )
    sink = ci_sink(aggregator, ci, clock=clock, registry=registry, info=info, secrets=())
    assert isinstance(sink, TeeSink)
    _feed(sink, clock)
    close_sink(sink)
    lines = [json.loads(line) for line in (tmp_path / "s.ndjson").read_text().splitlines()]
    with gzip.open(tmp_path / "s.csv.gz", "rt", newline="") as handle:
        rows = list(csv.reader(handle))
    yield lines, rows, aggregator, clock


def test_ndjson_metric_and_point_lines_have_k6s_shape(written: Any) -> None:
    lines, _, _, _ = written
    k6 = _k6_lines()
    k6_metric = next(line for line in k6 if line["type"] == "Metric" and line["metric"] == "http_reqs")
    k6_point = next(line for line in k6 if line["type"] == "Point" and line["metric"] == "http_reqs")
    ours_metric = next(line for line in lines if line["type"] == "Metric" and line["metric"] == "http_reqs")
    ours_point = next(line for line in lines if line["type"] == "Point" and line["metric"] == "http_reqs")
    assert list(ours_metric) == list(k6_metric) and list(ours_metric["data"]) == list(k6_metric["data"])
    assert _shape(ours_point) == {
        **_shape(k6_point),
        "data": {**_shape(k6_point)["data"], "tags": "dict"},
    } or (list(ours_point) == list(k6_point) and list(ours_point["data"]) == list(k6_point["data"]))
    assert list(ours_point) == list(k6_point) and list(ours_point["data"]) == list(k6_point["data"])


def test_ndjson_tag_sets_are_k6s_for_every_metric_both_wrote(written: Any) -> None:
    lines, _, _, _ = written
    k6_tags: dict[str, set[frozenset[str]]] = {}
    for line in _k6_lines():
        if line["type"] == "Point":
            k6_tags.setdefault(line["metric"], set()).add(frozenset(line["data"]["tags"]))
    ours: dict[str, set[frozenset[str]]] = {}
    for line in lines:
        if line["type"] == "Point" and line["data"]["tags"].get("status", "200") == "200":
            ours.setdefault(line["metric"], set()).add(frozenset(line["data"]["tags"]))
    assert {"http_reqs", "http_req_duration", "checks", "group_duration", "data_sent"} <= set(ours)
    for metric, tag_sets in ours.items():
        assert tag_sets <= k6_tags[metric], metric


def test_ndjson_metric_lines_come_first_once_each_with_thresholds_and_submetrics(written: Any) -> None:
    lines, _, _, _ = written
    seen: set[str] = set()
    for line in lines:
        if line["type"] == "Metric":
            assert line["metric"] not in seen
            seen.add(line["metric"])
        else:
            assert line["metric"] in seen
    duration = next(x for x in lines if x["type"] == "Metric" and x["metric"] == "http_req_duration")
    assert duration["data"]["thresholds"] == ["p(95)<2000"]
    assert duration["data"]["submetrics"] == [
        {
            "name": "http_req_duration{expected_response:true}",
            "suffix": "expected_response:true",
            "tags": {"expected_response": "true"},
        },
        {"name": "http_req_duration{name:events}", "suffix": "name:events", "tags": {"name": "events"}},
    ]
    reqs = next(x for x in lines if x["type"] == "Metric" and x["metric"] == "http_reqs")
    assert reqs["data"] == {
        "name": "http_reqs",
        "type": "counter",
        "contains": "default",
        "thresholds": [],
        "submetrics": None,
    }


def test_ndjson_points_are_in_k6s_order_with_rfc3339_times_from_one_epoch(written: Any) -> None:
    lines, _, _, clock = written
    points = [line for line in lines if line["type"] == "Point"]
    first_request = [p["metric"] for p in points[:9]]
    k6_first = [line["metric"] for line in _k6_lines() if line["type"] == "Point"][:9]
    assert first_request == k6_first
    assert [p["metric"] for p in points[9:11]] == ["data_sent", "data_received"]
    for point in points:
        assert RFC3339_NANO.match(point["data"]["time"]), point["data"]["time"]
    first = datetime.fromisoformat(points[0]["data"]["time"].replace("Z", "+00:00")).timestamp()
    last = datetime.fromisoformat(points[-1]["data"]["time"].replace("Z", "+00:00")).timestamp()
    assert first == pytest.approx(WALL_START + 0.05, abs=1e-6)
    assert last == pytest.approx(clock.wall(), abs=1e-6)
    assert points[0]["data"]["value"] == 1 and isinstance(points[0]["data"]["value"], int)


def test_csv_header_and_columns_are_k6s(written: Any) -> None:
    _, rows, _, _ = written
    with open(SAMPLES / "seed-samples.csv", newline="") as handle:
        k6_rows = list(csv.reader(handle))
    assert tuple(rows[0]) == tuple(k6_rows[0]) == CSV_COLUMNS
    assert all(len(row) == len(CSV_COLUMNS) for row in rows)
    ours = next(r for r in rows[1:] if r[0] == "http_reqs")
    theirs = next(r for r in k6_rows[1:] if r[0] == "http_reqs")
    blank = [i for i, cell in enumerate(theirs) if cell == ""]
    assert [i for i, cell in enumerate(ours) if cell == ""] == blank
    assert ours[1] == str(int(WALL_START + 0.05)) and ours[2] == "1.000000"
    check = next(r for r in rows[1:] if r[0] == "checks")
    k6_check = next(r for r in k6_rows[1:] if r[0] == "checks")
    assert [i for i, c in enumerate(check) if c] == [i for i, c in enumerate(k6_check) if c]


def test_the_tee_changes_no_figure(written: Any) -> None:
    _, _, teed, _ = written
    clock = FakeClock(start=50.0, wall_start=WALL_START)
    plain = Aggregator(Registry(()), clock=clock)
    _feed(plain, clock)
    a, b = plain.snapshot(), teed.snapshot()
    assert {k: v.sink.values(a.elapsed) for k, v in a.metrics.items()} == {
        k: v.sink.values(b.elapsed) for k, v in b.metrics.items()
    }
    assert a.checks == b.checks


def test_no_per_sample_output_means_no_tee() -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(()), clock=clock)
    sink = ci_sink(
        aggregator, CiOutputs(), clock=clock, registry=Registry(()), info=metric_info({}), secrets=()
    )
    assert sink is aggregator


def test_tag_values_are_redacted(tmp_path: Path) -> None:
    clock = FakeClock()
    ndjson = NdjsonWriter(
        tmp_path / "a.ndjson", clock=clock, registry=Registry(()), secrets=("s3cr3t-value",)
    )
    rows = CsvWriter(tmp_path / "a.csv", clock=clock, secrets=("s3cr3t-value",))
    tags = (("name", "s3cr3t-value"), ("url", f"http://h/rest/v1/t?apikey={KEY}"))
    for writer in (ndjson, rows):
        writer.write("http_reqs", 1.0, tags, clock.now())
        writer.close()
    for path in (tmp_path / "a.ndjson", tmp_path / "a.csv"):
        text = path.read_text()
        assert KEY not in text and "s3cr3t-value" not in text and text.count("[redacted]") == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("json=out.ndjson", StreamSpec("json", Path("out.ndjson"))),
        ("csv=a/b.csv.gz", StreamSpec("csv", Path("a/b.csv.gz"))),
        ("results.json", Path("results.json")),
        ("influxdb=http://x", Path("influxdb=http://x")),
    ],
)
def test_out_values(value: str, expected: object) -> None:
    assert parse_out(value) == expected


def test_out_type_without_a_file_is_an_error() -> None:
    with pytest.raises(ValueError, match="json=FILE"):
        parse_out("json=")


def test_gzip_output_is_a_gzip_stream(tmp_path: Path) -> None:
    writer = CsvWriter(tmp_path / "x.csv.gz", clock=FakeClock())
    writer.write("vus", 3.0, (), 1000.0)
    writer.close()
    raw = (tmp_path / "x.csv.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert io.TextIOWrapper(gzip.GzipFile(fileobj=io.BytesIO(raw))).read().splitlines()[1].startswith("vus,")


class _FullDisk:
    path = "full.ndjson"

    def __init__(self) -> None:
        self.closed = 0

    def write(self, metric: str, value: float, tags: object, time: float) -> None:
        raise OSError(28, "No space left on device")

    def close(self) -> None:
        self.closed += 1


def test_a_stream_that_fails_is_dropped_once_and_the_run_goes_on(tmp_path: Path) -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(()), clock=clock)
    failing = _FullDisk()
    good = CsvWriter(tmp_path / "ok.csv", clock=clock)
    errors: list[str] = []
    sink = TeeSink(aggregator, [failing, good], on_error=lambda w, e: errors.append(str(e)))
    _feed(sink, clock)
    sink.close()
    assert errors == ["[Errno 28] No space left on device"] and failing.closed == 1
    assert aggregator.snapshot().values("http_reqs") == {"count": 40, "rate": pytest.approx(40 / 2.0)}
    assert (
        sum(1 for line in (tmp_path / "ok.csv").read_text().splitlines() if line.startswith("http_reqs,"))
        == 40
    )
