"""The `thresholds` option validated as k6 does at start-up: metrics, aggregations per type, object form."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from dashtui.metrics import Metric, MetricType, Registry, ValueType, parse_metric_key
from dashtui.thresholds import (
    Threshold,
    ThresholdConfigError,
    ThresholdError,
    compile_thresholds,
    submetric_keys,
)

CUSTOM = (
    Metric("dashboard_errors", MetricType.RATE),
    Metric("initial_load_duration", MetricType.TREND, ValueType.TIME),
    Metric("api_calls", MetricType.COUNTER),
    Metric("queue_depth", MetricType.GAUGE),
)


@pytest.fixture
def registry() -> Registry:
    return Registry(CUSTOM)


def compile_one(registry: Registry, key: str, entries: Sequence[str | Mapping[str, object]]) -> Threshold:
    (threshold,) = compile_thresholds({key: entries}, registry)
    return threshold


# Written out from k6 metric_type.go supportedAggregationMethods, one metric of each type.
METRIC_OF_TYPE = {
    "counter": "http_reqs",
    "gauge": "vus",
    "rate": "http_req_failed",
    "trend": "http_req_duration",
}
ALLOWED = {
    "counter": {"count", "rate"},
    "gauge": {"value"},
    "rate": {"rate"},
    "trend": {"avg", "min", "max", "med", "p(95)"},
}
ALL_AGGREGATIONS = ("avg", "min", "max", "med", "p(95)", "count", "rate", "value")


@pytest.mark.parametrize("metric_type", sorted(METRIC_OF_TYPE))
@pytest.mark.parametrize("aggregation", ALL_AGGREGATIONS)
def test_aggregations_allowed_per_metric_type(registry: Registry, metric_type: str, aggregation: str) -> None:
    key = METRIC_OF_TYPE[metric_type]
    source = f"{aggregation}<1"
    if aggregation in ALLOWED[metric_type]:
        threshold = compile_one(registry, key, [source])
        assert threshold.aggregation == aggregation
        assert threshold.metric_type == MetricType(metric_type)
    else:
        with pytest.raises(ThresholdConfigError) as caught:
            compile_one(registry, key, [source])
        message = str(caught.value)
        assert f"aggregation '{aggregation}' is not available for a {metric_type} metric" in message
        assert f"thresholds.{key}: " in message


def test_unavailable_aggregation_message_lists_what_the_type_offers(registry: Registry) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({"http_reqs": ["p(95)<3000"]}, registry)
    assert str(caught.value) == (
        "thresholds.http_reqs: threshold 'p(95)<3000' on 'http_reqs': aggregation 'p(95)' is not "
        "available for a counter metric; use one of: count, rate"
    )
    assert caught.value.key == "http_reqs"


@pytest.mark.parametrize(
    ("key", "source", "offered"),
    [
        ("vus", "avg<3", "value"),
        ("dashboard_errors", "count<3", "rate"),
        ("initial_load_duration", "rate<3", "avg, min, max, med, p(N)"),
        ("queue_depth", "p(99)<3", "value"),
    ],
)
def test_unavailable_aggregation_on_custom_and_builtin_metrics(
    registry: Registry, key: str, source: str, offered: str
) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({key: [source]}, registry)
    assert str(caught.value).endswith(f"; use one of: {offered}")


def test_seed_thresholds_compile_in_order(registry: Registry) -> None:
    compiled = compile_thresholds(
        {
            "http_req_failed": ["rate<0.01"],
            "http_req_duration": ["p(95)<2000"],
            "initial_load_duration": ["p(95)<3000"],
            "dashboard_errors": ["rate<0.01"],
        },
        registry,
    )
    assert [(t.metric_key, t.source, t.aggregation, t.operator, t.limit) for t in compiled] == [
        ("http_req_failed", "rate<0.01", "rate", "<", 0.01),
        ("http_req_duration", "p(95)<2000", "p(95)", "<", 2000.0),
        ("initial_load_duration", "p(95)<3000", "p(95)", "<", 3000.0),
        ("dashboard_errors", "rate<0.01", "rate", "<", 0.01),
    ]
    assert all(not t.abort_on_fail and t.delay_abort_eval == 0.0 for t in compiled)


def test_several_expressions_on_one_key_keep_their_order_and_source_text(registry: Registry) -> None:
    compiled = compile_thresholds({"http_req_duration": ["p(90) < 1000", "avg<500", "max<=4000"]}, registry)
    assert [t.source for t in compiled] == ["p(90) < 1000", "avg<500", "max<=4000"]
    assert [t.aggregation for t in compiled] == ["p(90)", "avg", "max"]


@pytest.mark.parametrize(
    ("entry", "abort", "delay"),
    [
        ({"threshold": "rate<0.01"}, False, 0.0),
        ({"threshold": "rate<0.01", "abortOnFail": True}, True, 0.0),
        ({"threshold": "rate<0.01", "abortOnFail": False, "delayAbortEval": "10s"}, False, 10.0),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "10s"}, True, 10.0),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "1m30s"}, True, 90.0),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "500ms"}, True, 0.5),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "1h2m3.5s"}, True, 3723.5),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "1d12h"}, True, 129600.0),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "250us"}, True, 0.00025),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "0"}, True, 0.0),
        # k6 reads a bare number, in a string or not, as milliseconds.
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": "1500"}, True, 1.5),
        ({"threshold": "rate<0.01", "abortOnFail": True, "delayAbortEval": 2500}, True, 2.5),
    ],
)
def test_object_form(registry: Registry, entry: Mapping[str, object], abort: bool, delay: float) -> None:
    threshold = compile_one(registry, "http_req_failed", [entry])
    assert threshold.source == "rate<0.01"
    assert threshold.abort_on_fail is abort
    assert threshold.delay_abort_eval == pytest.approx(delay)


def test_strings_and_objects_mix_in_one_list(registry: Registry) -> None:
    compiled = compile_thresholds(
        {"http_req_duration": ["p(95)<2000", {"threshold": "p(99)<5000", "abortOnFail": True}]}, registry
    )
    assert [(t.source, t.abort_on_fail) for t in compiled] == [("p(95)<2000", False), ("p(99)<5000", True)]


SUBMETRICS = [
    ("http_req_duration{name:events}", (("name", "events"),)),
    ("http_req_duration{group:::initial_load}", (("group", "::initial_load"),)),
    ("http_req_duration{status:200}", (("status", "200"),)),
    ("http_req_duration{expected_response:true}", (("expected_response", "true"),)),
    ("http_req_failed{name:tickets,method:GET}", (("method", "GET"), ("name", "tickets"))),
]


@pytest.mark.parametrize(("key", "selector"), SUBMETRICS)
def test_submetric_keys_compile_against_the_parent_metric(
    registry: Registry, key: str, selector: tuple[tuple[str, str], ...]
) -> None:
    source = "rate<0.1" if key.startswith("http_req_failed") else "p(95)<500"
    threshold = compile_one(registry, key, [source])
    assert threshold.metric_key == key
    assert parse_metric_key(key)[1] == selector


def test_submetric_of_unknown_metric_names_the_parent(registry: Registry) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({"http_req_durations{name:events}": ["p(95)<1"]}, registry)
    message = str(caught.value)
    assert message.startswith(
        "thresholds.http_req_durations{name:events}: no metric named 'http_req_durations'"
    )
    assert "did you mean 'http_req_duration'" in message


def test_submetric_aggregation_follows_the_parent_type(registry: Registry) -> None:
    with pytest.raises(ThresholdConfigError, match="not available for a rate metric; use one of: rate"):
        compile_thresholds({"http_req_failed{name:events}": ["p(95)<1"]}, registry)


def test_unknown_metric_suggests_close_names(registry: Registry) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({"dashbord_errors": ["rate<0.01"]}, registry)
    assert str(caught.value).startswith(
        "thresholds.dashbord_errors: no metric named 'dashbord_errors'; did you mean"
    )
    assert "'dashboard_errors'" in str(caught.value)


def test_unknown_metric_without_close_names_says_where_metrics_come_from(registry: Registry) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({"zzz": ["rate<0.01"]}, registry)
    message = str(caught.value)
    assert "no metric named 'zzz'" in message
    assert "did you mean" not in message
    assert "custom metrics" in message


def test_custom_metric_is_unknown_until_registered() -> None:
    with pytest.raises(ThresholdConfigError, match="no metric named 'dashboard_errors'"):
        compile_thresholds({"dashboard_errors": ["rate<0.01"]}, Registry())


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("http_req_duration{name}", "tag selector 'name' is not 'tag:value'"),
        ("http_req_duration{}", "empty tag selector"),
        ("http_req_duration{name:events", "must end with '}'"),
        ("{name:events}", "no metric name before '{'"),
    ],
)
def test_bad_selector_names_the_key(registry: Registry, key: str, fragment: str) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({key: ["p(95)<1"]}, registry)
    message = str(caught.value)
    assert message.startswith(f"thresholds.{key}: ")
    assert fragment in message
    assert "expected 'metric' or 'metric{tag:value}'" in message


def test_bad_expression_is_reported_under_its_key(registry: Registry) -> None:
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds({"http_req_duration": ["p(95)<2000", "p(95)<<3000"]}, registry)
    assert str(caught.value) == (
        "thresholds.http_req_duration: threshold 'p(95)<<3000': '<3000' is not a number; "
        "expected '<aggregation> <operator> <number>', e.g. 'p(95)<3000'"
    )
    assert caught.value.key == "http_req_duration"


@pytest.mark.parametrize(
    ("entries", "fragments"),
    [
        (
            "p(95)<3000",
            ["found the string 'p(95)<3000'", "expected a list of expressions, e.g. ['p(95)<3000']"],
        ),
        ({"threshold": "p(95)<3000"}, ["found an object", "expected a list of expressions"]),
        (42, ["found a number (42)", "expected a list"]),
        ([5], ["item 1 is a number (5)", "expected an expression such as 'p(95)<3000' or an object"]),
        ([["p(95)<1"]], ["item 1 is a list"]),
        ([{"abortOnFail": True}], ["item 1 has no 'threshold' key"]),
        ([{"threshold": 3000}], ["item 1: 'threshold' is a number (3000)"]),
        (
            [{"threshold": "p(95)<1", "abortOnFailure": True}],
            [
                "item 1 has unknown key 'abortOnFailure'",
                "did you mean 'abortOnFail'?",
                "expected threshold, ",
            ],
        ),
        (
            [{"threshold": "p(95)<1", "abortOnFail": "yes"}],
            ["abortOnFail is the string 'yes'", "true or false"],
        ),
        (
            ["avg<1", {"threshold": "p(95)<1", "delayAbortEval": "3 minutes"}],
            ["threshold 'p(95)<1': delayAbortEval '3 minutes' is not a duration", "e.g. '10s', '1m30s'"],
        ),
        ([{"threshold": "p(95)<1", "delayAbortEval": "-5s"}], ["delayAbortEval '-5s' is negative"]),
        ([{"threshold": "p(95)<1", "delayAbortEval": True}], ["delayAbortEval True is not a duration"]),
        ([{"threshold": "p(95)<1", "delayAbortEval": "1.5d"}], ["'1.5d' is not a duration"]),
        ([{"threshold": "p(95)<1", "delayAbortEval": "10 s"}], ["'10 s' is not a duration"]),
    ],
)
def test_malformed_entries(registry: Registry, entries: object, fragments: list[str]) -> None:
    config = {"http_req_duration": entries}
    with pytest.raises(ThresholdConfigError) as caught:
        compile_thresholds(config, registry)  # type: ignore[arg-type]
    message = str(caught.value)
    assert message.startswith("thresholds.http_req_duration: ")
    for fragment in fragments:
        assert fragment in message


def test_config_that_is_not_a_table_is_rejected(registry: Registry) -> None:
    with pytest.raises(ThresholdError, match="thresholds: found a list; expected a table of metric key"):
        compile_thresholds(["p(95)<1"], registry)  # type: ignore[arg-type]


def test_config_error_is_a_threshold_error_and_a_value_error() -> None:
    error = ThresholdConfigError("http_reqs", "bad")
    assert isinstance(error, ThresholdError)
    assert isinstance(error, ValueError)
    assert (str(error), error.key, error.message) == ("thresholds.http_reqs: bad", "http_reqs", "bad")


def test_empty_config_and_empty_lists_compile_to_nothing(registry: Registry) -> None:
    assert compile_thresholds({}, registry) == ()
    assert compile_thresholds({"http_req_duration": []}, registry) == ()


def test_submetric_keys_lists_each_submetric_once_in_order(registry: Registry) -> None:
    compiled = compile_thresholds(
        {
            "http_req_duration": ["p(95)<2000"],
            "http_req_duration{group:::initial_load}": ["p(95)<3000", "avg<1000"],
            "http_req_failed{name:events}": ["rate<0.01"],
            "http_req_duration{expected_response:true}": ["p(95)<2000"],
        },
        registry,
    )
    assert submetric_keys(compiled) == (
        "http_req_duration{group:::initial_load}",
        "http_req_failed{name:events}",
        "http_req_duration{expected_response:true}",
    )
