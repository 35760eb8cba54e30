"""The scenario model: k6's executor defaults and rules, steps, requests, checks, metric bindings."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from dashtui.scenario import (
    BatchStep,
    CheckSpec,
    ConstantArrivalRate,
    ConstantVUs,
    GroupStep,
    MetricSpec,
    Options,
    PerVUIterations,
    PythonStep,
    RampingArrivalRate,
    RampingVUs,
    RealtimeStep,
    RequestSpec,
    RequestStep,
    Scenario,
    SharedIterations,
    SleepStep,
    Stage,
    ThresholdObject,
)

STAGES = [{"duration": "10s", "target": 5}]


def scenario(**overrides: Any) -> Scenario:
    data: dict[str, Any] = {
        "name": "t",
        "scenarios": {"main": {"executor": "constant-vus", "duration": "1s"}},
        "flows": {"default": [{"sleep": 1}]},
    }
    data.update(overrides)
    return Scenario.model_validate(data)


def errors_of(call: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return str(caught.value)


# ------------------------------------------------------------------------------------------ executors

COMMON_DEFAULTS = {"start_time": 0.0, "graceful_stop": 30.0, "exec": "default", "env": {}, "tags": {}}


@pytest.mark.parametrize(
    ("model", "given", "defaults"),
    [
        (ConstantVUs, {"duration": "3m"}, {"vus": 1, "duration": 180.0}),
        (RampingVUs, {"stages": STAGES}, {"start_vus": 1, "graceful_ramp_down": 30.0}),
        (
            ConstantArrivalRate,
            {"rate": 10, "duration": "1m", "preAllocatedVUs": 5},
            {"time_unit": 1.0, "max_vus": 5, "pre_allocated_vus": 5},
        ),
        (
            RampingArrivalRate,
            {"stages": STAGES, "preAllocatedVUs": 3},
            {"start_rate": 0, "time_unit": 1.0, "max_vus": 3},
        ),
        (PerVUIterations, {}, {"vus": 1, "iterations": 1, "max_duration": 600.0}),
        (SharedIterations, {}, {"vus": 1, "iterations": 1, "max_duration": 600.0}),
    ],
)
def test_executor_defaults_are_k6s(model: Any, given: dict[str, Any], defaults: dict[str, Any]) -> None:
    executor = model.model_validate(given)
    for name, value in {**COMMON_DEFAULTS, **defaults}.items():
        assert getattr(executor, name) == value, name


def test_executor_options_accept_k6_camel_case_and_snake_case() -> None:
    camel = RampingVUs.model_validate(
        {"startVUs": 0, "stages": STAGES, "gracefulRampDown": "5s", "gracefulStop": "10s", "startTime": "1m"}
    )
    snake = RampingVUs.model_validate(
        {"start_vus": 0, "stages": STAGES, "graceful_ramp_down": 5, "graceful_stop": 10, "start_time": 60}
    )
    assert camel == snake
    assert (camel.start_vus, camel.graceful_ramp_down, camel.graceful_stop, camel.start_time) == (
        0,
        5,
        10,
        60,
    )


@pytest.mark.parametrize(
    ("model", "given", "fragment"),
    [
        (ConstantVUs, {"duration": "1m", "vus": 0}, "greater than 0"),
        (ConstantVUs, {}, "duration"),
        (ConstantVUs, {"duration": 0}, "greater than 0"),
        (RampingVUs, {"stages": []}, "at least one stage"),
        (RampingVUs, {"stages": [{"duration": "1m", "target": -1}]}, "greater than or equal to 0"),
        (ConstantArrivalRate, {"rate": 0, "duration": "1m", "preAllocatedVUs": 1}, "greater than 0"),
        (ConstantArrivalRate, {"rate": 1, "duration": "1m"}, "preAllocatedVUs"),
        (ConstantArrivalRate, {"rate": 1, "duration": "1m", "preAllocatedVUs": 5, "maxVUs": 2}, "maxVUs >="),
        (
            ConstantArrivalRate,
            {"rate": 1, "duration": "1m", "preAllocatedVUs": 0},
            "preAllocatedVUs or maxVUs",
        ),
        (
            ConstantArrivalRate,
            {"rate": 1, "duration": "1m", "preAllocatedVUs": 1, "timeUnit": 0},
            "greater than 0",
        ),
        (RampingArrivalRate, {"stages": [], "preAllocatedVUs": 1}, "at least one stage"),
        (SharedIterations, {"vus": 5, "iterations": 2}, "iterations >= vus"),
        (PerVUIterations, {"iterations": 0}, "greater than 0"),
    ],
)
def test_executor_rules_follow_k6(model: Any, given: dict[str, Any], fragment: str) -> None:
    assert fragment in errors_of(lambda: model.model_validate(given))


def test_scenarios_discriminate_on_executor() -> None:
    built = scenario(
        scenarios={
            "a": {"executor": "constant-vus", "duration": "1m"},
            "b": {
                "executor": "ramping-arrival-rate",
                "stages": STAGES,
                "preAllocatedVUs": 2,
                "startTime": "1m",
            },
        }
    )
    assert isinstance(built.scenarios["a"], ConstantVUs)
    assert isinstance(built.scenarios["b"], RampingArrivalRate)
    assert built.scenarios["b"].start_time == 60.0


def test_peak_vus_and_planned_duration() -> None:
    ramp = RampingVUs.model_validate(
        {"startVUs": 3, "stages": [{"duration": 10, "target": 9}, {"duration": 5, "target": 0}]}
    )
    assert (ramp.peak_vus(), ramp.planned_duration()) == (9, 15.0)
    rate = ConstantArrivalRate.model_validate({"rate": 1, "duration": 30, "preAllocatedVUs": 2, "maxVUs": 7})
    assert (rate.peak_vus(), rate.planned_duration()) == (7, 30.0)


def test_models_are_frozen() -> None:
    executor = ConstantVUs.model_validate({"duration": 1})
    with pytest.raises(ValidationError):
        executor.vus = 5  # type: ignore[misc]


def test_unknown_key_names_the_closest_valid_key() -> None:
    text = errors_of(lambda: ConstantVUs.model_validate({"duration": 1, "duratoin": 2}))
    assert "unknown key 'duratoin'" in text
    assert "did you mean 'duration'?" in text


# --------------------------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("given", "described"),
    [
        ({"status": 200}, "status == 200"),
        ({"status_in": [200, 206]}, "status in {200, 206}"),
        ({"body_not_empty": True}, "body not empty"),
        ({"json_path": "0.count"}, "json '0.count' exists"),
        ({"json_path": "0.count", "equals": 3}, "json '0.count' == 3"),
        ({"header": "content-range"}, "header 'content-range' exists"),
        (
            {"header": "content-type", "equals": "application/json"},
            "header 'content-type' == 'application/json'",
        ),
        ({"duration_below": 500}, "duration < 500 ms"),
        ({"duration_below": "2s"}, "duration < 2000 ms"),
    ],
)
def test_check_conditions_and_descriptions(given: dict[str, Any], described: str) -> None:
    assert CheckSpec.model_validate({"name": "c", **given}).describe() == described


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({}, "found 0 conditions"),
        ({"status": 200, "body_not_empty": True}, "found 2 conditions (status, body_not_empty)"),
        ({"status": 200, "equals": 200}, "equals only with json_path or header"),
        ({"json_path": "a..b"}, "dotted path"),
    ],
)
def test_check_needs_exactly_one_condition(given: dict[str, Any], fragment: str) -> None:
    assert fragment in errors_of(lambda: CheckSpec.model_validate({"name": "c", **given}))


# ------------------------------------------------------------------------------------------- requests


def test_request_defaults() -> None:
    request = RequestSpec.model_validate({"url": "http://127.0.0.1:54321/rest/v1/events"})
    assert (request.method, request.name, request.headers, request.auth, request.body) == (
        "GET",
        None,
        {},
        None,
        None,
    )
    assert (request.timeout, request.expected_statuses, request.checks, request.tags) == (60.0, None, [], {})
    assert request.display_name() == request.url


@pytest.mark.parametrize(
    ("status", "expected"), [(200, True), (206, True), (399, True), (400, False), (199, False), (0, False)]
)
def test_default_expected_statuses_are_200_to_399(status: int, expected: bool) -> None:
    assert RequestSpec.model_validate({"url": "http://h/"}).is_expected(status) is expected


def test_expected_status_ranges_expand() -> None:
    request = RequestSpec.model_validate({"url": "http://h/", "expectedStatuses": ["200-204", 404]})
    assert request.expected_statuses == [200, 201, 202, 203, 204, 404]
    assert [request.is_expected(s) for s in (200, 204, 205, 404, 302)] == [True, True, False, True, False]


@pytest.mark.parametrize("bad", [["2xx"], ["300-200"], [99], ["200-700"], [True]])
def test_bad_expected_statuses_are_rejected(bad: list[Any]) -> None:
    assert "status" in errors_of(
        lambda: RequestSpec.model_validate({"url": "http://h/", "expected_statuses": bad})
    )


def test_method_is_upper_cased_and_checked() -> None:
    assert RequestSpec.model_validate({"url": "http://h/", "method": "post"}).method == "POST"
    assert "one of GET, POST" in errors_of(
        lambda: RequestSpec.model_validate({"url": "http://h/", "method": "FETCH"})
    )


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1:54321/rest/v1/events",
        "ftp://h/x",
        "http:///x",
        "http://h x/",
        "http://h:99999/",
        "/rest/v1/x",
        "${BASE_URL}/x",
    ],
)
def test_request_url_must_be_absolute_http(url: str) -> None:
    assert "an absolute http(s) URL with a host" in errors_of(
        lambda: RequestSpec.model_validate({"url": url})
    )


def test_request_accepts_https_and_ports() -> None:
    assert RequestSpec.model_validate(
        {"url": "https://abc.supabase.co:443/rest/v1/x?select=*"}
    ).url.startswith("https")


def test_duplicate_check_names_on_a_request_are_rejected() -> None:
    checks = [{"name": "same", "status": 200}, {"name": "same", "body_not_empty": True}]
    assert "distinct check names" in errors_of(
        lambda: RequestSpec.model_validate({"url": "http://h/", "checks": checks})
    )


# ---------------------------------------------------------------------------------------------- steps


@pytest.mark.parametrize(
    ("written", "low", "high"),
    [(5, 5.0, 5.0), ("5s", 5.0, 5.0), ([2, 5], 2.0, 5.0), (["500ms", "1s"], 0.5, 1.0), (0, 0.0, 0.0)],
)
def test_sleep_forms(written: Any, low: float, high: float) -> None:
    step = SleepStep.model_validate({"sleep": written})
    assert (step.sleep.min, step.sleep.max) == (low, high)


@pytest.mark.parametrize(
    ("written", "fragment"), [([5, 2], "low <= high"), ([1, 2, 3], "a list of 3"), ("soon", "not a duration")]
)
def test_bad_sleeps(written: Any, fragment: str) -> None:
    assert fragment in errors_of(lambda: SleepStep.model_validate({"sleep": written}))


def test_steps_are_told_apart_by_their_key() -> None:
    built = scenario(
        flows={
            "default": [
                {"group": "g", "steps": [{"group": "inner", "steps": [{"sleep": 1}]}]},
                {"batch": [{"url": "http://h/a"}]},
                {"request": {"url": "http://h/b", "method": "POST", "body": {"a": 1}}},
                {"sleep": [1, 2]},
                {"realtime": {"changes": [{"table": "tickets"}]}},
            ]
        }
    )
    kinds = [type(step) for step in built.flows["default"]]
    assert kinds == [GroupStep, BatchStep, RequestStep, SleepStep, RealtimeStep]
    outer = built.flows["default"][0]
    assert isinstance(outer, GroupStep) and isinstance(outer.steps[0], GroupStep)


@pytest.mark.parametrize(
    ("step", "fragment"),
    [
        ({"group": "g", "sleep": 1}, "keys 'group', 'sleep' together"),
        ({}, "a step with no keys"),
        ({"wait": 1}, "a step with 'wait'"),
        ({"call": "module.fn"}, "call steps only in Python scenario files"),
        ({"group": "a::b", "steps": [{"sleep": 1}]}, "without '::'"),
        ({"group": "g", "steps": []}, "at least 1 item"),
        ({"batch": []}, "at least 1 item"),
    ],
)
def test_bad_steps(step: dict[str, Any], fragment: str) -> None:
    text = errors_of(lambda: scenario(flows={"default": [step]}))
    assert fragment in text


def test_realtime_defaults() -> None:
    step = RealtimeStep.model_validate({"realtime": {"changes": [{"table": "tickets", "schema": "app"}]}})
    spec = step.realtime
    assert (spec.channel, spec.hold, spec.subscribe_timeout, spec.heartbeat_interval, spec.auth) == (
        "dashboard",
        "vu",
        10.0,
        25.0,
        "anon",
    )
    change = spec.changes[0]
    assert (change.event, change.schema_, change.table, change.filter) == ("*", "app", "tickets", None)
    assert RealtimeStep.model_validate({"realtime": {"hold": "30s"}}).realtime.hold == 30.0


def test_python_step_holds_an_async_callable() -> None:
    async def step(vu: Any) -> None:
        return None

    built = scenario(flows={"default": [PythonStep(call=step, name="pick event")]})
    only = built.flows["default"][0]
    assert isinstance(only, PythonStep) and only.call is step


# ------------------------------------------------------------------------------- metrics, thresholds


def test_metric_shorthand_and_long_form() -> None:
    built = scenario(metrics={"a": "trend", "b": {"type": "trend", "time": True}, "c": "counter"})
    assert built.metrics["a"] == MetricSpec(type="trend", time=False)
    assert built.metrics["b"].time is True


def test_custom_metric_may_not_reuse_a_builtin_name() -> None:
    assert "a k6 built-in metric" in errors_of(lambda: scenario(metrics={"http_req_duration": "trend"}))


@pytest.mark.parametrize(
    ("step", "metrics", "fragment"),
    [
        (
            {"batch": [{"url": "http://h/"}], "error_rate": {"metric": "errs"}},
            {},
            "not declared in [metrics]",
        ),
        (
            {"batch": [{"url": "http://h/"}], "error_rate": {"metric": "errs"}},
            {"errs": "trend"},
            "declared as a trend",
        ),
        ({"batch": [{"url": "http://h/"}], "count_requests": "calls"}, {"calls": "rate"}, "a counter"),
        ({"group": "g", "steps": [{"sleep": 1}], "duration_trend": "t"}, {"t": "counter"}, "a trend"),
        (
            {"group": "g", "steps": [{"request": {"url": "http://h/"}, "count_requests": "deep"}]},
            {},
            "'deep', not declared",
        ),
    ],
)
def test_step_bindings_need_declared_metrics_of_the_right_type(
    step: dict[str, Any], metrics: dict[str, Any], fragment: str
) -> None:
    assert fragment in errors_of(lambda: scenario(flows={"default": [step]}, metrics=metrics))


def test_thresholds_accept_a_single_string_and_the_object_form() -> None:
    built = scenario(
        thresholds={
            "http_req_failed": "rate<0.01",
            "http_req_duration{name:events}": [
                "p(95)<2000",
                {"threshold": "p(99)<3000", "abortOnFail": True, "delayAbortEval": "10s"},
            ],
        }
    )
    assert built.thresholds["http_req_failed"] == ["rate<0.01"]
    second = built.thresholds["http_req_duration{name:events}"][1]
    assert second == ThresholdObject(threshold="p(99)<3000", abort_on_fail=True, delay_abort_eval="10s")


def test_threshold_items_must_be_expressions_or_tables() -> None:
    assert "an expression such as 'p(95)<2000'" in errors_of(lambda: scenario(thresholds={"checks": [0.5]}))


def test_options_defaults_and_trend_stats() -> None:
    options = Options.model_validate({})
    assert (
        options.batch,
        options.batch_per_host,
        options.summary_time_unit,
        options.no_connection_reuse,
    ) == (20, 6, "", False)
    assert options.summary_trend_stats == ["avg", "min", "med", "max", "p(90)", "p(95)"]
    assert options.user_agent == "dashtui/0.1"
    assert "p(N)" in errors_of(lambda: Options.model_validate({"summaryTrendStats": ["avg", "p95"]}))


def test_every_exec_must_name_a_flow() -> None:
    text = errors_of(
        lambda: scenario(scenarios={"a": {"executor": "constant-vus", "duration": 1, "exec": "browse"}})
    )
    assert "exec = 'browse'" in text and "'default'" in text


def test_scenario_needs_a_scenario_and_a_non_empty_flow() -> None:
    assert "at least 1 item" in errors_of(lambda: scenario(scenarios={}))
    assert "at least one step" in errors_of(lambda: scenario(flows={"default": []}))


def test_redaction_uses_recorded_secrets() -> None:
    built = scenario().with_secrets(frozenset({"s3cr3t-value"}))
    assert built.redact("key=s3cr3t-value!") == "key=[redacted]!"
    assert built.model_copy().secrets == frozenset({"s3cr3t-value"})
    assert Stage(duration=1, target=2).target == 2
