"""The handleSummary data object: k6 v2.2.0's legacy shape, key by key, from a fed Aggregator."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Metric, MetricType, Registry, Sample, make_tags
from dashtui.report import (
    EXTRAS_KEY,
    WARNING_KEY,
    RunState,
    SummaryOptions,
    build_summary_data,
    dumps_summary_data,
)
from dashtui.thresholds.results import ThresholdResult

from .test_report_support import (
    INITIAL_LOAD_MS,
    REFRESH_MS,
    RUN_SECONDS,
    generator_extras,
    k6_percentile,
    seed_data,
    seed_run,
    threshold,
)

DEFAULT_STATS = ["avg", "min", "med", "max", "p(90)", "p(95)"]


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def trend_expectation(values: list[float] | tuple[float, ...], stats: list[str]) -> dict[str, float]:
    table = {"avg": sum(values) / len(values), "min": min(values), "max": max(values)}
    table["med"] = k6_percentile(values, 50)
    table["count"] = float(len(values))
    for stat in stats:
        if stat.startswith("p("):
            table[stat] = k6_percentile(values, float(stat[2:-1]))
    return {stat: table[stat] for stat in stats}


def test_top_level_keys_are_k6s_with_one_extra_key() -> None:
    data = seed_data(seed_run())
    assert list(data) == ["root_group", "options", "state", "metrics", EXTRAS_KEY]
    assert EXTRAS_KEY == "dashtui"


def test_options_and_state_as_k6_writes_them() -> None:
    data = seed_data(seed_run())
    assert data["options"] == {"summaryTrendStats": DEFAULT_STATS, "summaryTimeUnit": "", "noColor": False}
    assert data["state"] == {
        "isStdOutTTY": False,
        "isStdErrTTY": True,
        "testRunDurationMs": RUN_SECONDS * 1000,
    }


def test_root_group_nests_groups_with_md5_ids_and_check_counts() -> None:
    run = seed_run()
    root = seed_data(run)["root_group"]
    assert list(root) == ["name", "path", "id", "groups", "checks"]
    assert (root["name"], root["path"], root["id"]) == ("", "", md5(""))
    assert root["checks"] == []
    assert [g["name"] for g in root["groups"]] == ["initial_load", "refresh"]
    for group in root["groups"]:
        assert list(group) == ["name", "path", "id", "groups", "checks"]
        assert group["path"] == "::" + group["name"]
        assert group["id"] == md5(group["path"])
        assert group["groups"] == []
        for check in group["checks"]:
            assert list(check) == ["name", "path", "id", "passes", "fails"]
            assert check["path"] == group["path"] + "::" + check["name"]
            assert check["id"] == md5(check["path"])
            passes, fails = run.check_counts[(group["path"], check["name"])]
            assert (check["passes"], check["fails"]) == (passes, fails)
    initial = root["groups"][0]
    assert [c["name"] for c in initial["checks"]] == [
        "events status 200",
        "events has body",
        "tickets status 200",
        "tickets has body",
        "orders status 200",
        "orders has body",
        "vip_reservations status 200",
        "vip_reservations has body",
        "initial load under 3s",
    ]


def test_nested_groups_and_root_checks() -> None:
    clock = FakeClock()
    aggregator = Aggregator(Registry(), clock=clock)

    def add(metric: str, value: float, **tags: str) -> None:
        aggregator.add(Sample(metric, value, make_tags(tags), clock.now()))

    add("checks", 1.0, group="", check="at root")
    add("checks", 0.0, group="::outer::inner", check="deep")
    add("group_duration", 5.0, group="::outer::inner")
    add("group_duration", 9.0, group="::outer")
    add("group_duration", 2.0, group="::second")
    data = build_summary_data(
        aggregator.snapshot(), [], options=SummaryOptions(), state=RunState(False, False, 1000.0)
    )
    root = data["root_group"]
    assert root["checks"] == [
        {"name": "at root", "path": "::at root", "id": md5("::at root"), "passes": 1, "fails": 0}
    ]
    outer, second = root["groups"]
    assert (outer["path"], second["path"]) == ("::outer", "::second")
    (inner,) = outer["groups"]
    assert (inner["name"], inner["path"], inner["id"]) == ("inner", "::outer::inner", md5("::outer::inner"))
    assert inner["checks"][0]["path"] == "::outer::inner::deep"
    assert (inner["checks"][0]["passes"], inner["checks"][0]["fails"]) == (0, 1)


def test_every_metric_has_type_contains_and_values_keyed_by_its_kind() -> None:
    metrics = seed_data(seed_run())["metrics"]
    expected_kind = {
        "api_calls": ("counter", "default"),
        "checks": ("rate", "default"),
        "dashboard_errors": ("rate", "default"),
        "data_received": ("counter", "data"),
        "group_duration": ("trend", "time"),
        "http_req_duration": ("trend", "time"),
        "http_req_duration{expected_response:true}": ("trend", "time"),
        "http_req_failed": ("rate", "default"),
        "http_req_waiting": ("trend", "time"),
        "http_reqs": ("counter", "default"),
        "initial_load_duration": ("trend", "default"),
        "iteration_duration": ("trend", "time"),
        "iterations": ("counter", "default"),
        "refresh_duration": ("trend", "default"),
        "vus": ("gauge", "default"),
        "vus_max": ("gauge", "default"),
    }
    assert set(metrics) == set(expected_kind)
    keys_by_type = {
        "trend": DEFAULT_STATS,
        "counter": ["count", "rate"],
        "gauge": ["value", "min", "max"],
        "rate": ["rate", "passes", "fails"],
    }
    for name, entry in metrics.items():
        assert (entry["type"], entry["contains"]) == expected_kind[name], name
        assert list(entry)[:3] == ["type", "contains", "values"]
        assert list(entry["values"]) == keys_by_type[entry["type"]], name


def test_values_follow_k6s_definitions() -> None:
    run = seed_run()
    metrics = seed_data(run)["metrics"]
    seconds = RUN_SECONDS
    assert metrics["initial_load_duration"]["values"] == pytest.approx(
        trend_expectation(INITIAL_LOAD_MS, DEFAULT_STATS), rel=1e-12
    )
    assert metrics["refresh_duration"]["values"] == pytest.approx(
        trend_expectation(REFRESH_MS, DEFAULT_STATS), rel=1e-12
    )
    assert metrics["http_req_duration"]["values"] == pytest.approx(
        trend_expectation(run.http_durations, DEFAULT_STATS), rel=1e-12
    )
    assert metrics["api_calls"]["values"] == pytest.approx(
        {"count": run.api_calls, "rate": run.api_calls / seconds}
    )
    requests = len(run.http_durations)
    assert metrics["http_reqs"]["values"] == pytest.approx({"count": requests, "rate": requests / seconds})
    assert metrics["http_req_failed"]["values"] == pytest.approx(
        {
            "rate": run.failed_requests / requests,
            "passes": run.failed_requests,
            "fails": requests - run.failed_requests,
        }
    )
    assert metrics["dashboard_errors"]["values"] == pytest.approx(
        {
            "rate": run.errors_true / run.errors_total,
            "passes": run.errors_true,
            "fails": run.errors_total - run.errors_true,
        }
    )
    assert metrics["data_received"]["values"] == pytest.approx(
        {"count": run.received, "rate": run.received / seconds}
    )
    assert metrics["vus"]["values"] == {"value": 20.0, "min": 20.0, "max": 20.0}
    passes = sum(c[0] for c in run.check_counts.values())
    fails = sum(c[1] for c in run.check_counts.values())
    assert metrics["checks"]["values"] == pytest.approx(
        {"rate": passes / (passes + fails), "passes": passes, "fails": fails}
    )


def test_expected_response_submetric_holds_only_expected_responses() -> None:
    run = seed_run()
    values = seed_data(run)["metrics"]["http_req_duration{expected_response:true}"]["values"]
    assert values == pytest.approx(trend_expectation(run.expected_durations, DEFAULT_STATS), rel=1e-12)
    assert len(run.expected_durations) < len(run.http_durations)


def test_summary_trend_stats_choose_the_trend_keys_in_order() -> None:
    stats = ("p(99)", "count", "avg", "p(99.9)", "max")
    data = seed_data(seed_run(), options=SummaryOptions(summary_trend_stats=stats))
    assert data["options"]["summaryTrendStats"] == list(stats)
    values = data["metrics"]["initial_load_duration"]["values"]
    assert list(values) == list(stats)
    assert values == pytest.approx(trend_expectation(INITIAL_LOAD_MS, list(stats)), rel=1e-12)


def test_thresholds_attach_to_the_key_they_were_written_on_as_ok_flags() -> None:
    metrics = seed_data(seed_run())["metrics"]
    assert metrics["http_req_failed"]["thresholds"] == {"rate<0.01": {"ok": False}}
    assert metrics["http_req_duration"]["thresholds"] == {"p(95)<2000": {"ok": True}}
    assert metrics["initial_load_duration"]["thresholds"] == {"p(95)<3000": {"ok": True}}
    assert metrics["dashboard_errors"]["thresholds"] == {"rate<0.01": {"ok": False}}
    assert list(metrics["dashboard_errors"]) == ["type", "contains", "values", "thresholds"]
    for name in ("http_reqs", "api_calls", "http_req_duration{expected_response:true}", "checks"):
        assert "thresholds" not in metrics[name]


def test_several_thresholds_on_one_submetric_keep_their_order() -> None:
    key = "http_req_duration{group:::initial_load}"
    run = seed_run(track=[key])
    results = [
        ThresholdResult(threshold(key, "p(95)<3000", "p(95)", "<", 3000), True, 1.0),
        ThresholdResult(threshold(key, "max<100", "max", "<", 100), False, 250.0),
        ThresholdResult(threshold(key, "avg<2000", "avg", "<", 2000), True, 1.0),
    ]
    metrics = seed_data(run, results=results)["metrics"]
    assert list(metrics[key]["thresholds"].items()) == [
        ("p(95)<3000", {"ok": True}),
        ("max<100", {"ok": False}),
        ("avg<2000", {"ok": True}),
    ]
    assert metrics[key]["values"]["max"] == max(run.initial_http_durations)
    assert "thresholds" not in metrics["http_req_duration"]


def test_threshold_without_samples_shows_an_empty_metric_and_never_failed() -> None:
    """k6 marks a threshold's metric (and a submetric's parent) observed: shown with empty-sink values, and
    a threshold that was never evaluated to a failure is `ok: true`."""
    clock = FakeClock()
    registry = Registry((Metric("realtime_lag", MetricType.TREND), Metric("sold_out", MetricType.RATE)))
    aggregator = Aggregator(registry, clock=clock)
    aggregator.add(Sample("http_req_duration", 10.0, make_tags({"name": "events"}), clock.now()))
    results = [
        ThresholdResult(threshold("sold_out", "rate<0.1", "rate", "<", 0.1), None, None),
        ThresholdResult(threshold("realtime_lag{name:x}", "p(99)<50", "p(99)", "<", 50), None, None),
        ThresholdResult(threshold("http_req_duration{name:none}", "max<100", "max", "<", 100), True, 0.0),
        ThresholdResult(threshold("iterations", "count>0", "count", ">", 0), False, 0.0),
        ThresholdResult(threshold("vus", "value<10", "value", "<", 10), True, 0.0),
    ]
    data = build_summary_data(
        aggregator.snapshot(),
        results,
        options=SummaryOptions(),
        state=RunState(False, False, 2000.0),
        registry=registry,
    )
    metrics = data["metrics"]
    zeros = dict.fromkeys(DEFAULT_STATS, 0.0)
    assert metrics["sold_out"] == {
        "type": "rate",
        "contains": "default",
        "values": {"rate": 0.0, "passes": 0.0, "fails": 0.0},
        "thresholds": {"rate<0.1": {"ok": True}},
    }
    assert metrics["realtime_lag{name:x}"] == {
        "type": "trend",
        "contains": "default",
        "values": zeros,
        "thresholds": {"p(99)<50": {"ok": True}},
    }
    assert metrics["realtime_lag"] == {"type": "trend", "contains": "default", "values": zeros}
    assert metrics["http_req_duration{name:none}"]["contains"] == "time"
    assert metrics["http_req_duration{name:none}"]["values"] == zeros
    assert metrics["http_req_duration"]["values"]["max"] == 10.0
    assert metrics["iterations"] == {
        "type": "counter",
        "contains": "default",
        "values": {"count": 0.0, "rate": 0.0},
        "thresholds": {"count>0": {"ok": False}},
    }
    assert metrics["vus"]["values"] == {"value": 0.0, "min": 0.0, "max": 0.0}
    samples = [(t["metric"], t["samples"]) for t in data["dashtui"]["thresholds"]]
    assert samples == [
        ("sold_out", False),
        ("realtime_lag{name:x}", False),
        ("http_req_duration{name:none}", False),
        ("iterations", False),
        ("vus", False),
    ]
    with_samples = build_summary_data(
        aggregator.snapshot(),
        [ThresholdResult(threshold("http_req_duration", "max<100", "max", "<", 100), True, 10.0)],
        options=SummaryOptions(),
        state=RunState(False, False, 2000.0),
    )
    assert with_samples["dashtui"]["thresholds"][0]["samples"] is True


def test_unknown_metric_type_is_taken_from_the_threshold_aggregation() -> None:
    results = [ThresholdResult(threshold("mystery", "count<5", "count", "<", 5), None, None)]
    data = build_summary_data(
        Aggregator(Registry(), clock=FakeClock()).snapshot(),
        results,
        options=SummaryOptions(),
        state=RunState(False, False, 1000.0),
    )
    assert data["metrics"]["mystery"]["type"] == "counter"


def test_metrics_are_listed_by_name_with_submetrics_after_their_parent() -> None:
    run = seed_run(track=["http_req_duration{name:events}"])
    names = list(seed_data(run)["metrics"])
    assert names.index("http_req_duration") + 1 == names.index("http_req_duration{expected_response:true}")
    assert names.index("http_req_duration{name:events}") < names.index("http_req_failed")
    parents = [name.split("{")[0] for name in names]
    assert parents == sorted(parents)


def test_extras_live_under_the_dashtui_key_with_each_thresholds_observed_value() -> None:
    extras = {"generator": {"warning": None, "cpu_percent": 41.5}, "vu_changes": [[3.0, 20]]}
    data = seed_data(seed_run(), extras=extras)
    own = data[EXTRAS_KEY]
    assert own["generator"] == extras["generator"]
    assert own["vu_changes"] == [[3.0, 20]]
    assert own["thresholds"][0] == {
        "metric": "http_req_failed",
        "source": "rate<0.01",
        "ok": False,
        "observed": 0.05,
        "abortOnFail": False,
        "samples": True,
    }
    assert len(own["thresholds"]) == 5


def test_dumps_is_json_stringify_with_two_spaces_and_integral_numbers_without_fraction() -> None:
    data = seed_data(seed_run())
    text = dumps_summary_data(data)
    assert text.startswith('{\n  "root_group": {\n    "name": "",')
    assert '"count": 60,' in text
    assert '"testRunDurationMs": 20000' in text
    assert ".0," not in text and ".0\n" not in text
    assert json.loads(text)["metrics"]["initial_load_duration"]["values"]["max"] == max(INITIAL_LOAD_MS)


def test_dumps_writes_non_finite_numbers_as_null() -> None:
    text = dumps_summary_data({"metrics": {"x": {"values": {"rate": float("nan"), "max": float("inf")}}}})
    assert json.loads(text) == {"metrics": {"x": {"values": {"rate": None, "max": None}}}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"summary_trend_stats": ("avg", "p95")}, "'p95' is not a trend stat"),
        ({"summary_trend_stats": ("p(101)",)}, "'p(101)' is not a trend stat"),
        ({"summary_trend_stats": ("mean",)}, "'mean' is not a trend stat"),
        ({"summary_time_unit": "minutes"}, "summaryTimeUnit: 'minutes' is not a time unit"),
    ],
)
def test_summary_options_reject_what_k6_rejects(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        SummaryOptions(**kwargs)


def test_summary_options_accept_lists_and_percentiles_with_decimals() -> None:
    options = SummaryOptions(summary_trend_stats=["p(99.99)", "count"], summary_time_unit="us")  # type: ignore[arg-type]
    assert options.summary_trend_stats == ("p(99.99)", "count")


def test_an_overloaded_generator_puts_a_note_first_and_keeps_its_section() -> None:
    extras = generator_extras(overloaded=True)
    data = json.loads(dumps_summary_data(seed_data(seed_run(), extras=extras)))
    assert list(data)[:2] == [WARNING_KEY, "root_group"]
    assert data[WARNING_KEY].startswith("latencies include the generator's own delay")
    generator = data[EXTRAS_KEY]["generator"]
    assert generator["warning"] == data[WARNING_KEY]
    assert generator["overloaded"] is True
    assert generator["late_percent"] == 9
    assert generator["cpu_percent"] == 80
    assert generator["cpu_percent_peak"] == 95
    assert {"loop_lag_p95_ms", "loop_lag_max_ms", "cpu_percent", "warning"} <= set(generator)


def test_no_note_when_the_generator_was_never_overloaded() -> None:
    data = seed_data(seed_run(), extras=generator_extras(overloaded=False))
    assert list(data) == ["root_group", "options", "state", "metrics", EXTRAS_KEY]
    assert data[EXTRAS_KEY]["generator"]["warning"] == ""
    assert data[EXTRAS_KEY]["generator"]["overloaded"] is False
