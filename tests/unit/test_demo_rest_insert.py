"""POST inserts: object or array, Prefer return/count, columns=, and the constraint errors."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from dashtui.demo import StandInApp

from .test_demo_support import JSON_TYPE, body, call, error_body, raw_rows, small_app

pytestmark = pytest.mark.anyio


@pytest.fixture
def app() -> Iterator[StandInApp]:
    instance = small_app()
    yield instance
    instance.close()


def assert_error(response: object, status: int, expected: dict[str, object]) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == status
    assert response.headers["content-type"] == JSON_TYPE
    assert body(response) == expected


async def test_insert_one_object_minimal_is_201_without_a_body(app: StandInApp) -> None:
    before = len(raw_rows(app, "orders"))
    payload = {"event_id": app.test_event_id, "total_amount": 42.5, "status": "paid", "customer_email": "a@b"}
    r = await call(app, "POST", "/rest/v1/orders", json=payload)
    assert r.status_code == 201
    assert r.content == b""
    assert r.headers["content-range"] == "*/*"
    rows = raw_rows(app, "orders")
    assert len(rows) == before + 1
    new = rows[-1]
    assert {k: new[k] for k in payload} == payload
    assert uuid.UUID(new["id"]).version == 4
    assert new["ticket_count"] == 1
    assert new["created_at"].endswith("+00:00")


async def test_insert_an_array_with_representation_returns_the_rows(app: StandInApp) -> None:
    payload = [
        {"event_id": app.test_event_id, "total_amount": 10, "status": "paid"},
        {"event_id": app.test_event_id, "total_amount": 20.25, "status": "pending"},
    ]
    r = await call(
        app, "POST", "/rest/v1/orders", json=payload, headers={"Prefer": "return=representation,count=exact"}
    )
    assert r.status_code == 201
    assert r.headers["content-type"] == JSON_TYPE
    assert r.headers["content-range"] == "*/2"
    assert body(r) == raw_rows(app, "orders")[-2:]
    assert [row["total_amount"] for row in body(r)] == [10.0, 20.25]


async def test_representation_honours_select(app: StandInApp) -> None:
    r = await call(
        app,
        "POST",
        "/rest/v1/scan_logs?select=id,gate",
        json={"event_id": app.test_event_id, "gate": "Z"},
        headers={"Prefer": "return=representation"},
    )
    new = raw_rows(app, "scan_logs")[-1]
    assert body(r) == [{"id": new["id"], "gate": "Z"}]


async def test_representation_as_a_single_object(app: StandInApp) -> None:
    r = await call(
        app,
        "POST",
        "/rest/v1/orders?select=status",
        json={"event_id": app.test_event_id, "status": "paid"},
        headers={"Prefer": "return=representation", "Accept": "application/vnd.pgrst.object+json"},
    )
    assert r.status_code == 201
    assert r.headers["content-type"] == "application/vnd.pgrst.object+json; charset=utf-8"
    assert body(r) == {"status": "paid"}


async def test_headers_only_returns_the_location(app: StandInApp) -> None:
    given = str(uuid.uuid4())
    r = await call(
        app,
        "POST",
        "/rest/v1/orders",
        json={"id": given, "event_id": app.test_event_id},
        headers={"Prefer": "return=headers-only"},
    )
    assert r.status_code == 201
    assert r.headers["location"] == f"/orders?id=eq.{given}"


async def test_columns_limits_what_is_read_from_each_object(app: StandInApp) -> None:
    payload = [
        {"event_id": app.test_event_id, "status": "paid", "ignored": 1},
        {"event_id": app.test_event_id},
    ]
    r = await call(app, "POST", "/rest/v1/orders?columns=event_id,status", json=payload)
    assert r.status_code == 201
    rows = raw_rows(app, "orders")[-2:]
    assert [row["status"] for row in rows] == ["paid", "pending"]


async def test_objects_with_different_keys_are_pgrst102(app: StandInApp) -> None:
    payload = [{"event_id": app.test_event_id}, {"event_id": app.test_event_id, "status": "paid"}]
    r = await call(app, "POST", "/rest/v1/orders", json=payload)
    assert_error(r, 400, error_body("PGRST102", "All object keys must match"))


@pytest.mark.parametrize("content", [b"{not json", b"", b"42", b"[1, 2]", b"\xff\xfe"])
async def test_invalid_json_is_pgrst102(app: StandInApp, content: bytes) -> None:
    r = await call(
        app, "POST", "/rest/v1/orders", content=content, headers={"Content-Type": "application/json"}
    )
    assert_error(r, 400, error_body("PGRST102", "Empty or invalid json"))


async def test_an_oversized_body_is_413_and_nothing_is_inserted() -> None:
    app = small_app(max_body_bytes=1000)
    try:
        before = len(raw_rows(app, "orders"))
        payload = [{"event_id": app.test_event_id, "customer_email": "x" * 50} for _ in range(40)]
        r = await call(app, "POST", "/rest/v1/orders", json=payload)
        after = len(raw_rows(app, "orders"))
    finally:
        app.close()
    details = "The dashtui stand-in accepts request bodies up to 1000 bytes."
    assert_error(r, 413, error_body("PGRST102", "Request body too large", details))
    assert after == before


async def test_an_unknown_column_is_pgrst204(app: StandInApp) -> None:
    r = await call(app, "POST", "/rest/v1/orders", json={"event_id": app.test_event_id, "colour": "red"})
    assert_error(
        r, 400, error_body("PGRST204", "Could not find the 'colour' column of 'orders' in the schema cache")
    )


async def test_a_missing_required_column_is_23502(app: StandInApp) -> None:
    r = await call(app, "POST", "/rest/v1/orders", json={"total_amount": 5})
    assert r.status_code == 400
    data = body(r)
    assert data["code"] == "23502"
    assert (
        data["message"] == 'null value in column "event_id" of relation "orders" violates not-null constraint'
    )
    assert data["details"].startswith("Failing row contains (") and ", null, 5.0, pending," in data["details"]


async def test_an_unknown_event_is_a_foreign_key_violation_409(app: StandInApp) -> None:
    missing = str(uuid.uuid4())
    r = await call(app, "POST", "/rest/v1/orders", json={"event_id": missing})
    expected = error_body(
        "23503",
        'insert or update on table "orders" violates foreign key constraint "orders_event_id_fkey"',
        f'Key (event_id)=({missing}) is not present in table "events".',
    )
    assert_error(r, 409, expected)


async def test_a_duplicate_id_is_a_unique_violation_409(app: StandInApp) -> None:
    existing = raw_rows(app, "orders")[0]["id"]
    r = await call(app, "POST", "/rest/v1/orders", json={"id": existing, "event_id": app.test_event_id})
    expected = error_body(
        "23505",
        'duplicate key value violates unique constraint "orders_pkey"',
        f"Key (id)=({existing}) already exists.",
    )
    assert_error(r, 409, expected)


async def test_a_value_of_the_wrong_type_is_22p02_and_nothing_is_inserted(app: StandInApp) -> None:
    before = len(raw_rows(app, "orders"))
    payload = [
        {"event_id": app.test_event_id, "total_amount": 1},
        {"event_id": app.test_event_id, "total_amount": "lots"},
    ]
    r = await call(app, "POST", "/rest/v1/orders", json=payload)
    assert_error(r, 400, error_body("22P02", 'invalid input syntax for type numeric: "lots"'))
    assert len(raw_rows(app, "orders")) == before


async def test_upserts_say_they_are_not_implemented(app: StandInApp) -> None:
    r = await call(
        app,
        "POST",
        "/rest/v1/orders",
        json={"event_id": app.test_event_id},
        headers={"Prefer": "resolution=merge-duplicates"},
    )
    assert_error(
        r,
        400,
        error_body(
            "PGRST127", "Feature not implemented", "Upserts are not supported by the dashtui stand-in."
        ),
    )


async def test_a_non_json_content_type_is_415(app: StandInApp) -> None:
    r = await call(
        app, "POST", "/rest/v1/orders", content=b"event_id=x", headers={"Content-Type": "text/plain"}
    )
    assert_error(r, 415, error_body("PGRST107", "Content-Type not acceptable: text/plain"))


async def test_an_empty_array_inserts_nothing(app: StandInApp) -> None:
    before = len(raw_rows(app, "orders"))
    r = await call(app, "POST", "/rest/v1/orders", json=[], headers={"Prefer": "return=representation"})
    assert (r.status_code, body(r)) == (201, [])
    assert len(raw_rows(app, "orders")) == before


async def test_timestamps_and_token_expiry_come_from_the_injected_clock() -> None:
    from dashtui.clock import FakeClock
    from dashtui.demo import StandInConfig, create_app
    from dashtui.demo.keys import make_jwt

    clock = FakeClock(wall_start=1_750_000_000.0)  # 2025-06-15T15:06:40Z
    app = create_app(StandInConfig(scale="small"), clock=clock)
    try:
        await call(app, "POST", "/rest/v1/orders", json={"event_id": app.test_event_id})
        token = make_jwt({"role": "authenticated", "exp": 1_750_000_100}, app.keys.secret)
        auth = {"apikey": app.keys.anon, "Authorization": f"Bearer {token}"}
        valid = await call(app, "GET", "/rest/v1/events?limit=1", role=None, headers=auth)
        clock.advance(200)
        expired = await call(app, "GET", "/rest/v1/events?limit=1", role=None, headers=auth)
        created = raw_rows(app, "orders")[-1]["created_at"]
    finally:
        app.close()
    assert created == "2025-06-15T15:06:40+00:00"
    assert valid.status_code == 200
    assert (expired.status_code, body(expired)["code"]) == (401, "PGRST303")
