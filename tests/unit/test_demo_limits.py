"""Queries and bodies past SQLite's limits: served when PostgREST serves them, else its 54001; slow bodies."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, MutableMapping
from typing import Any

import anyio
import pytest

from dashtui.clock import FakeClock
from dashtui.demo import StandInApp, StandInConfig, create_app
from dashtui.demo.faults import Faults

from .test_demo_support import body, call, small_app

pytestmark = pytest.mark.anyio

STACK_DEPTH = {
    "code": "54001",
    "details": None,
    "hint": 'Increase the configuration parameter "max_stack_depth" (currently 2048kB), '
    "after ensuring the platform's stack depth limit is adequate.",
    "message": "stack depth limit exceeded",
}


@pytest.fixture(scope="module")
def app() -> Iterator[StandInApp]:
    instance = small_app()
    yield instance
    instance.close()


@pytest.mark.parametrize("columns", [63, 64, 130, 600])
async def test_any_number_of_selected_columns_is_served(app: StandInApp, columns: int) -> None:
    fields = ",".join(f"c{i}:{'id' if i % 2 else 'total_amount'}" for i in range(columns))
    wide = await call(app, "GET", f"/rest/v1/orders?select={fields}&order=id&limit=5")
    narrow = await call(app, "GET", "/rest/v1/orders?select=id,total_amount&order=id&limit=5")
    assert wide.status_code == narrow.status_code == 200, wide.text
    expected = [
        {f"c{i}": row["id"] if i % 2 else row["total_amount"] for i in range(columns)} for row in body(narrow)
    ]
    assert body(wide) == expected
    assert list(body(wide)[0]) == [f"c{i}" for i in range(columns)]


@pytest.mark.parametrize("filters", [999, 1000, 3000])
async def test_thousands_of_filters_are_served(app: StandInApp, filters: int) -> None:
    many = "&".join(["total_amount=gte.0"] * filters)
    served = await call(app, "GET", f"/rest/v1/orders?select=id&{many}&order=id")
    plain = await call(app, "GET", "/rest/v1/orders?select=id&total_amount=gte.0&order=id")
    assert served.status_code == 200, served.text
    assert body(served) == body(plain) and body(plain)
    inside = ",".join(["total_amount.gte.0"] * filters)
    grouped = await call(app, "GET", f"/rest/v1/orders?select=id&or=({inside})&order=id")
    assert grouped.status_code == 200, grouped.text
    assert body(grouped) == body(plain)


async def test_nesting_too_deep_for_a_database_is_answered_as_postgrest_does(
    app: StandInApp, caplog: pytest.LogCaptureFixture
) -> None:
    nested = "id.not.is.null"
    for _ in range(3000):
        nested = f"and(id.not.is.null,{nested})"
    caplog.set_level(logging.DEBUG)
    query = await call(app, "GET", f"/rest/v1/orders?select=id&and=(id.not.is.null,{nested})")
    deep_body = "[" * 100_000 + "]" * 100_000
    insert = await call(
        app,
        "POST",
        "/rest/v1/scan_logs",
        role="service",
        content=deep_body,
        headers={"Content-Type": "application/json"},
    )
    for response in (query, insert):
        assert response.status_code == 500
        assert body(response) == STACK_DEPTH
    assert not [r for r in caplog.records if r.exc_info], "no traceback in the stand-in's log"


async def test_a_slow_body_takes_the_whole_slow_body_ms() -> None:
    clock = FakeClock()
    slow = create_app(
        StandInConfig(scale="small", faults=Faults(slow_body_rate=1.0, slow_body_ms=2000)), clock=clock
    )
    try:
        before = clock.now()
        response = await call(slow, "GET", "/rest/v1/orders?select=id&limit=50")
        assert response.status_code == 200
        assert len(body(response)) == 50
        assert clock.now() - before == pytest.approx(2.0)
    finally:
        slow.close()


async def test_a_request_cut_short_by_shutdown_is_a_503_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    slow = small_app(faults=Faults().updated({"latency": "60000"}))
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/rest/v1/orders",
        "query_string": b"select=id",
        "headers": [
            (b"apikey", slow.keys.anon.encode()),
            (b"authorization", f"Bearer {slow.keys.anon}".encode()),
        ],
    }
    caplog.set_level(logging.DEBUG)
    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(slow.rest.handle, scope, receive, send)
            await anyio.wait_all_tasks_blocked()
            assert sent == [], "held by the injected latency"
            tg.cancel_scope.cancel()
    finally:
        slow.close()
    assert sent[0]["status"] == 503
    assert json.loads(sent[1]["body"]) == {  # type: ignore[arg-type]
        "code": "57P01",
        "details": None,
        "hint": None,
        "message": "terminating connection due to administrator command",
    }
    assert not [r for r in caplog.records if r.exc_info]


REJECTIONS = [
    ("GET", "/rest/v1/orders?select=nope", None),
    ("GET", "/rest/v1/orders?select=id(", None),
    ("GET", "/rest/v1/orders?id=zz.1", None),
    ("GET", "/rest/v1/orders?order=nope.desc", None),
    ("GET", "/rest/v1/orders?limit=-1", None),
    ("GET", "/rest/v1/no_such_table", None),
    ("GET", "/rest/v1/orders?and=(id.eq.1", None),
    ("GET", "/rest/v1/orders?select=id&id=eq.1&or=id.eq.2", None),
    ("POST", "/rest/v1/scan_logs", b"{not json"),
    ("POST", "/rest/v1/scan_logs", b'{"no_such_column": 1}'),
    ("POST", "/rest/v1/scan_logs", b"[1, 2]"),
    ("DELETE", "/rest/v1/orders", None),
    ("GET", "/rest/v1/orders?select=" + ",".join("x" * 40 for _ in range(1000)), None),
]


@pytest.mark.parametrize(("method", "path", "content"), REJECTIONS)
async def test_every_rejection_has_postgrests_shape_and_no_traceback(
    app: StandInApp, caplog: pytest.LogCaptureFixture, method: str, path: str, content: bytes | None
) -> None:
    caplog.set_level(logging.DEBUG)
    kwargs: dict[str, Any] = (
        {"content": content, "headers": {"Content-Type": "application/json"}} if content else {}
    )
    response = await call(app, method, path, role="service", **kwargs)
    assert 400 <= response.status_code < 600, response.text
    error = body(response)
    assert set(error) == {"code", "details", "hint", "message"}
    assert isinstance(error["code"], str) and error["code"]
    assert error["code"] != "XX000", f"an internal error, not a rejection: {error}"
    assert not [r for r in caplog.records if r.exc_info]
