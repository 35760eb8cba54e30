"""The bundled presets load and validate; dashboard.toml reproduces the seed's k6 test exactly."""

from __future__ import annotations

from typing import Any

import pytest

from dashtui.scenario import (
    BatchStep,
    ConstantArrivalRate,
    ConstantVUs,
    GroupStep,
    RampingArrivalRate,
    RampingVUs,
    RealtimeStep,
    RequestSpec,
    Scenario,
    SleepStep,
    describe_plan,
    list_presets,
    load_scenario,
    preset_dir,
)

EXPECTED_PRESETS = {"dashboard", "smoke", "stress", "spike", "soak", "arrival-rate"}

# The seed (shared/seed/dashboard-load-plan.md), with getBaseUrl() and __ENV.TEST_EVENT_ID set.
BASE = "https://proj.supabase.co"
EVENT = "ev-42"
SEED_INITIAL_LOAD = [
    ("events", f"{BASE}/rest/v1/events?select=*&order=date.desc&limit=10"),
    ("tickets", f"{BASE}/rest/v1/tickets?select=id,event_id,status&event_id=eq.{EVENT}"),
    (
        "orders",
        f"{BASE}/rest/v1/orders?select=id,total_amount,status,created_at&event_id=eq.{EVENT}&status=eq.paid&limit=100",
    ),
    ("vip_reservations", f"{BASE}/rest/v1/vip_reservations?select=id,status,total_price&event_id=eq.{EVENT}"),
]
SEED_REFRESH = [
    ("tickets_count", f"{BASE}/rest/v1/tickets?select=count&event_id=eq.{EVENT}"),
    ("scan_logs_count", f"{BASE}/rest/v1/scan_logs?select=count&event_id=eq.{EVENT}"),
]


@pytest.fixture(scope="module")
def dashboard() -> Scenario:
    return load_scenario("dashboard", env={"SUPABASE_URL": BASE, "TEST_EVENT_ID": EVENT})


def test_all_presets_are_installed() -> None:
    assert EXPECTED_PRESETS <= set(list_presets())
    assert (preset_dir() / "dashboard.toml").is_file()


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS))
def test_each_preset_loads_and_plans(name: str) -> None:
    scenario = load_scenario(name, env={})
    assert scenario.name == name
    assert scenario.source.endswith(f"{name}.toml")
    plan = describe_plan(scenario)
    assert "dry run: nothing was sent." in plan
    assert "http://127.0.0.1:54321/rest/v1/events?select=*&order=date.desc&limit=10" in plan


def test_dashboard_scenario_is_20_vus_for_3_minutes(dashboard: Scenario) -> None:
    assert list(dashboard.scenarios) == ["dashboard_viewers"]
    executor = dashboard.scenarios["dashboard_viewers"]
    assert isinstance(executor, ConstantVUs)
    assert (executor.vus, executor.duration, executor.graceful_stop, executor.exec) == (
        20,
        180.0,
        30.0,
        "default",
    )


def test_dashboard_vars_default_to_the_seeds_values() -> None:
    scenario = load_scenario("dashboard", env={})
    assert scenario.vars == {"BASE_URL": "http://127.0.0.1:54321", "TEST_EVENT_ID": "test-event-id"}


def requests(step: Any) -> list[RequestSpec]:
    assert isinstance(step, GroupStep) and len(step.steps) == 1
    batch = step.steps[0]
    assert isinstance(batch, BatchStep)
    return batch.batch


def seed_flow(scenario: Scenario) -> list[Any]:
    """The flow without its Realtime subscription, which the seed's k6 script cannot express."""
    return [step for step in scenario.flows["default"] if not isinstance(step, RealtimeStep)]


def test_dashboard_flow_matches_the_seed(dashboard: Scenario) -> None:
    flow = seed_flow(dashboard)
    assert [type(step) for step in flow] == [GroupStep, SleepStep, GroupStep, SleepStep]
    initial, view, refresh, pause = flow
    assert isinstance(initial, GroupStep) and isinstance(refresh, GroupStep)
    assert isinstance(view, SleepStep) and isinstance(pause, SleepStep)
    assert (initial.group, refresh.group) == ("initial_load", "refresh")
    assert (view.sleep.min, view.sleep.max) == (5.0, 5.0)
    assert (pause.sleep.min, pause.sleep.max) == (2.0, 5.0)


def test_initial_load_batch_matches_the_seed(dashboard: Scenario) -> None:
    group = seed_flow(dashboard)[0]
    assert isinstance(group, GroupStep)
    assert group.duration_trend == "initial_load_duration"
    assert [(c.name, c.below) for c in group.checks] == [
        ("initial load under 3s", 3000.0),
        ("initial load under 5s", 5000.0),
    ]
    batch = group.steps[0]
    assert isinstance(batch, BatchStep)
    assert batch.error_rate is not None and (batch.error_rate.metric, batch.error_rate.responses) == (
        "dashboard_errors",
        "all",
    )
    assert batch.count_requests == "api_calls"
    assert [(r.name, r.url) for r in batch.batch] == SEED_INITIAL_LOAD
    for request, (endpoint, _) in zip(batch.batch, SEED_INITIAL_LOAD, strict=True):
        assert (request.method, request.auth, request.expected_statuses, request.body) == (
            "GET",
            "service",
            None,
            None,
        )
        assert [(c.name, c.describe()) for c in request.checks] == [
            (f"{endpoint} status 200", "status == 200"),
            (f"{endpoint} has body", "body not empty"),
        ]


def test_refresh_batch_matches_the_seed(dashboard: Scenario) -> None:
    group = seed_flow(dashboard)[2]
    assert isinstance(group, GroupStep)
    assert group.duration_trend == "refresh_duration"
    assert [(c.name, c.below) for c in group.checks] == [("refresh under 1s", 1000.0)]
    batch = group.steps[0]
    assert isinstance(batch, BatchStep)
    assert batch.error_rate is not None and (batch.error_rate.metric, batch.error_rate.responses) == (
        "dashboard_errors",
        "first",
    )
    assert batch.count_requests == "api_calls"
    assert [(r.name, r.url) for r in batch.batch] == SEED_REFRESH
    assert all(r.method == "GET" and r.auth == "service" for r in batch.batch)
    assert [(c.name, c.describe()) for c in batch.batch[0].checks] == [
        ("refresh status 200", "status == 200")
    ]
    assert batch.batch[1].checks == []


def test_dashboard_metrics_thresholds_options_report(dashboard: Scenario) -> None:
    assert {name: (m.type, m.time) for name, m in dashboard.metrics.items()} == {
        "dashboard_errors": ("rate", False),
        "initial_load_duration": ("trend", False),
        "refresh_duration": ("trend", False),
        "api_calls": ("counter", False),
    }
    assert dashboard.thresholds == {
        "http_req_failed": ["rate<0.01"],
        "http_req_duration": ["p(95)<2000"],
        "initial_load_duration": ["p(95)<3000"],
        "refresh_duration": ["p(95)<1000"],
        "dashboard_errors": ["rate<0.01"],
        "realtime_subscriptions": ["rate>0.99"],
        "realtime_subscribe_duration": ["p(95)<1000"],
    }
    assert dashboard.options.summary_trend_stats == ["avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"]
    assert (dashboard.options.batch, dashboard.options.batch_per_host) == (20, 6)
    assert dashboard.report.json == "load-tests/results/dashboard-load-results.json"
    assert dashboard.report.dashboard_block is True


def test_each_dashboard_viewer_holds_a_subscription_to_the_events_orders_and_scans(
    dashboard: Scenario,
) -> None:
    (step,) = [s for s in dashboard.flows["default"] if isinstance(s, RealtimeStep)]
    spec = step.realtime
    assert (spec.channel, spec.hold, spec.auth) == ("dashboard", "vu", "service")
    assert [(c.event, c.schema_, c.table, c.filter) for c in spec.changes] == [
        ("*", "public", "orders", f"event_id=eq.{EVENT}"),
        ("*", "public", "scan_logs", f"event_id=eq.{EVENT}"),
    ]


def test_realtime_preset_ramps_to_500_subscribers_without_rest_load() -> None:
    scenario = load_scenario("realtime", env={"TEST_EVENT_ID": EVENT})
    (executor,) = scenario.scenarios.values()
    assert isinstance(executor, RampingVUs) and executor.peak_vus() == 500
    flow = scenario.flows["default"]
    assert [type(step) for step in flow] == [RealtimeStep, SleepStep]
    assert flow[0].realtime.hold == "vu"
    assert scenario.thresholds["realtime_subscriptions"] == ["rate>0.99"]
    assert scenario.thresholds["realtime_subscribe_duration"] == ["p(95)<1000"]


@pytest.mark.parametrize("name", sorted(EXPECTED_PRESETS - {"dashboard"}))
def test_derived_presets_run_the_dashboard_flow_with_its_metrics_and_thresholds(
    name: str, dashboard: Scenario
) -> None:
    scenario = load_scenario(name, env={"SUPABASE_URL": BASE, "TEST_EVENT_ID": EVENT})
    assert scenario.flows == dashboard.flows
    assert scenario.metrics == dashboard.metrics
    assert dashboard.thresholds.items() <= scenario.thresholds.items()
    assert scenario.report.json == f"load-tests/results/{name}-results.json"
    assert len(scenario.scenarios) == 1


def only_executor(name: str) -> Any:
    (executor,) = load_scenario(name, env={}).scenarios.values()
    return executor


def test_smoke_is_one_vu_for_30_seconds() -> None:
    executor = only_executor("smoke")
    assert isinstance(executor, ConstantVUs) and (executor.vus, executor.duration) == (1, 30.0)


def test_stress_ramps_to_200_and_back() -> None:
    executor = only_executor("stress")
    assert isinstance(executor, RampingVUs)
    assert executor.peak_vus() == 200 and executor.stages[-1].target == 0


def test_spike_jumps_within_seconds() -> None:
    executor = only_executor("spike")
    assert isinstance(executor, RampingVUs) and executor.peak_vus() == 200
    jump = next(s for s in executor.stages if s.target == 200)
    assert jump.duration <= 10.0


def test_soak_runs_an_hour() -> None:
    executor = only_executor("soak")
    assert isinstance(executor, ConstantVUs) and executor.duration == 3600.0


def test_arrival_rate_is_an_open_model_with_vu_headroom() -> None:
    executor = only_executor("arrival-rate")
    assert isinstance(executor, ConstantArrivalRate | RampingArrivalRate)
    assert 0 < executor.pre_allocated_vus < executor.max_vus
