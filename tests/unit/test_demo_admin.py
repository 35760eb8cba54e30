"""The admin API: service-role only; faults, stats and the box office steerable at run time."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dashtui.demo import StandInApp

from .test_demo_support import body, call, error_body, small_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> Iterator[StandInApp]:
    instance = small_app()
    yield instance
    instance.close()


async def test_the_anon_key_is_forbidden(app: StandInApp) -> None:
    r = await call(app, "GET", "/admin/v1/stats", role="anon")
    assert r.status_code == 403
    assert body(r) == error_body(
        "42501", "permission denied for the admin API", hint="Use the service_role key."
    )


async def test_no_key_or_an_unknown_key_is_401(app: StandInApp) -> None:
    missing = await call(app, "GET", "/admin/v1/stats", role=None)
    unknown = await call(app, "GET", "/admin/v1/stats", role=None, headers={"apikey": "nope"})
    assert missing.status_code == unknown.status_code == 401
    assert body(missing)["message"] == "No API key found in request"
    assert body(unknown)["message"] == "Invalid API key"


async def test_faults_can_be_read_changed_and_cleared(app: StandInApp) -> None:
    r = await call(
        app, "PUT", "/admin/v1/faults", role="service", json={"latency": "uniform(1,3)", "error_rate": 0.5}
    )
    assert r.status_code == 200
    assert (body(r)["latency"], body(r)["error_rate"]) == ("uniform(1,3)", 0.5)
    r = await call(app, "PATCH", "/admin/v1/faults", role="service", json={"reset_rate": 0.1})
    assert (body(r)["latency"], body(r)["reset_rate"]) == ("uniform(1,3)", 0.1)
    assert body(await call(app, "GET", "/admin/v1/faults", role="service")) == body(r)
    cleared = body(await call(app, "DELETE", "/admin/v1/faults", role="service"))
    assert (cleared["latency"], cleared["error_rate"], cleared["reset_rate"]) == ("0", 0.0, 0.0)
    assert app.current_faults().error_rate == 0.0


async def test_a_bad_fault_is_400_and_changes_nothing(app: StandInApp) -> None:
    r = await call(app, "PUT", "/admin/v1/faults", role="service", json={"error_rate": 2})
    assert r.status_code == 400
    assert body(r) == error_body("22023", "error_rate: 2 is not a rate; expected a number from 0 to 1")
    r = await call(app, "PUT", "/admin/v1/faults", role="service", content=b"{oops")
    assert (r.status_code, body(r)["code"]) == (400, "PGRST102")
    assert app.current_faults().error_rate == 0.0


async def test_stats_count_what_was_served_and_reset_returns_them(app: StandInApp) -> None:
    await call(app, "GET", "/rest/v1/events?limit=1")
    await call(app, "GET", "/rest/v1/events?limit=1")
    await call(app, "GET", "/rest/v1/nope")
    await call(app, "GET", "/rest/v1/orders?foo=eq.1")
    stats = body(await call(app, "GET", "/admin/v1/stats", role="service"))
    assert stats["requests"] == 4
    assert stats["by_table"] == {"(unknown)": {"404": 1}, "events": {"200": 2}, "orders": {"400": 1}}
    assert stats["by_status"] == {"200": 2, "400": 1, "404": 1}
    assert stats["failed"] == 2
    before = body(await call(app, "POST", "/admin/v1/stats/reset", role="service"))
    assert before["requests"] == 4
    assert body(await call(app, "GET", "/admin/v1/stats", role="service"))["requests"] == 0


async def test_box_office_rate_can_be_read_and_set(app: StandInApp) -> None:
    assert body(await call(app, "GET", "/admin/v1/box-office", role="service")) == {"rate": 0.0}
    r = await call(app, "PUT", "/admin/v1/box-office", role="service", json={"rate": 5})
    assert (r.status_code, body(r)) == (200, {"rate": 5.0})
    assert app.box_office_rate() == 5.0
    bad = await call(app, "PUT", "/admin/v1/box-office", role="service", json={"rate": -1})
    assert bad.status_code == 400


async def test_info_names_the_test_event_and_the_data(app: StandInApp) -> None:
    info = body(await call(app, "GET", "/admin/v1/info", role="service"))
    assert info["test_event_id"] == app.test_event_id
    assert (info["seed"], info["scale"]) == (1, "small")
    assert info["rows"]["events"] == 6


async def test_unknown_routes_and_methods(app: StandInApp) -> None:
    assert (await call(app, "GET", "/admin/v1/nothing", role="service")).status_code == 404
    r = await call(app, "POST", "/admin/v1/stats", role="service")
    assert (r.status_code, body(r)["code"]) == (405, "PGRST117")
