"""GET/HEAD on the stand-in's PostgREST: select, order, limit/offset, Range, filters, counts, statuses."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from dashtui.demo import StandInApp

from .test_demo_support import JSON_TYPE, body, call, raw_rows, small_app

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def app() -> Iterator[StandInApp]:
    instance = small_app()
    yield instance
    instance.close()


def project(rows: list[dict[str, Any]], *cols: str) -> list[dict[str, Any]]:
    return [{c: r[c] for c in cols} for r in rows]


async def test_select_columns_returns_them_in_storage_order_with_content_range(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=id,status&limit=3")
    assert r.status_code == 200
    assert r.headers["content-type"] == JSON_TYPE
    assert r.headers["content-range"] == "0-2/*"
    assert body(r) == project(raw_rows(app, "orders")[:3], "id", "status")


async def test_select_star_returns_every_column_in_table_order(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=*")
    events = raw_rows(app, "events")
    assert r.status_code == 200
    assert r.headers["content-range"] == f"0-{len(events) - 1}/*"
    assert body(r) == events
    assert list(body(r)[0]) == ["id", "name", "date", "venue", "capacity", "status", "created_at"]


async def test_no_select_means_star(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/vip_reservations?limit=2")
    assert body(r) == raw_rows(app, "vip_reservations")[:2]


async def test_alias_and_cast_shape_the_keys_and_values(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=amount:total_amount::text,id&limit=2")
    expected = [{"amount": str(row["total_amount"]), "id": row["id"]} for row in raw_rows(app, "orders")[:2]]
    assert body(r) == expected


async def test_select_count_returns_one_row_with_the_filtered_count(app: StandInApp) -> None:
    event = app.test_event_id
    r = await call(app, "GET", f"/rest/v1/tickets?select=count&event_id=eq.{event}")
    expected = sum(1 for t in raw_rows(app, "tickets") if t["event_id"] == event)
    assert r.status_code == 200
    assert r.headers["content-range"] == "0-0/*"
    assert body(r) == [{"count": expected}]


async def test_select_count_with_a_column_groups_by_it(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=status,count")
    expected = Counter(o["status"] for o in raw_rows(app, "orders"))
    assert sorted(body(r), key=lambda x: x["status"]) == [
        {"status": s, "count": n} for s, n in sorted(expected.items())
    ]


async def test_order_over_several_columns(app: StandInApp) -> None:
    r = await call(
        app, "GET", "/rest/v1/orders?select=id,status,total_amount&order=status.asc,total_amount.desc"
    )
    rows = raw_rows(app, "orders")
    expected = sorted(rows, key=lambda o: (o["status"], -o["total_amount"]))
    assert body(r) == project(expected, "id", "status", "total_amount")


async def test_order_desc_on_a_timestamp(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=id,date&order=date.desc&limit=3")
    expected = sorted(raw_rows(app, "events"), key=lambda e: e["date"], reverse=True)[:3]
    assert body(r) == project(expected, "id", "date")


async def test_nulls_follow_postgresql_defaults_and_explicit_placement() -> None:
    app = small_app()
    try:
        payload = [{"event_id": app.test_event_id, "customer_email": e} for e in (None, "b@x", "a@x", None)]
        await call(app, "POST", "/rest/v1/orders", json=payload)
        inserted = "or=(customer_email.is.null,customer_email.in.(a@x,b@x))"
        asc = body(
            await call(app, "GET", f"/rest/v1/orders?select=customer_email&{inserted}&order=customer_email")
        )
        desc = body(
            await call(
                app, "GET", f"/rest/v1/orders?select=customer_email&{inserted}&order=customer_email.desc"
            )
        )
        first = body(
            await call(
                app,
                "GET",
                f"/rest/v1/orders?select=customer_email&{inserted}&order=customer_email.asc.nullsfirst",
            )
        )
        last = body(
            await call(
                app,
                "GET",
                f"/rest/v1/orders?select=customer_email&{inserted}&order=customer_email.desc.nullslast",
            )
        )
    finally:
        app.close()
    emails = lambda rows: [r["customer_email"] for r in rows]  # noqa: E731
    assert emails(asc) == ["a@x", "b@x", None, None]
    assert emails(desc) == [None, None, "b@x", "a@x"]
    assert emails(first) == [None, None, "a@x", "b@x"]
    assert emails(last) == ["b@x", "a@x", None, None]


async def test_limit_and_offset_select_a_window(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=id&limit=5&offset=3")
    assert r.status_code == 200
    assert r.headers["content-range"] == "3-7/*"
    assert body(r) == project(raw_rows(app, "orders")[3:8], "id")


async def test_range_header_selects_a_window_and_overrides_a_larger_limit(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=id&limit=10", headers={"Range": "2-4"})
    assert r.status_code == 200
    assert r.headers["content-range"] == "2-4/*"
    assert body(r) == project(raw_rows(app, "orders")[2:5], "id")


async def test_open_ended_range_header(app: StandInApp) -> None:
    rows = raw_rows(app, "orders")
    r = await call(app, "GET", "/rest/v1/orders?select=id", headers={"Range": "5-"})
    assert r.headers["content-range"] == f"5-{len(rows) - 1}/*"
    assert body(r) == project(rows[5:], "id")


async def test_count_exact_on_a_partial_page_is_206_with_the_total(app: StandInApp) -> None:
    total = len(raw_rows(app, "orders"))
    r = await call(app, "GET", "/rest/v1/orders?select=id&limit=5", headers={"Prefer": "count=exact"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"0-4/{total}"
    assert len(body(r)) == 5


async def test_count_exact_on_the_whole_result_is_200(app: StandInApp) -> None:
    events = raw_rows(app, "events")
    r = await call(app, "GET", "/rest/v1/events?select=id", headers={"Prefer": "count=exact"})
    assert r.status_code == 200
    assert r.headers["content-range"] == f"0-{len(events) - 1}/{len(events)}"


async def test_count_exact_on_an_empty_result_is_200_with_star_zero(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?status=eq.nope", headers={"Prefer": "count=exact"})
    assert r.status_code == 200
    assert r.headers["content-range"] == "*/0"
    assert body(r) == []


async def test_empty_result_without_count_has_star_star(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?status=eq.nope")
    assert (r.status_code, r.headers["content-range"], body(r)) == (200, "*/*", [])


async def test_offset_at_the_end_with_count_is_206_and_empty(app: StandInApp) -> None:
    total = len(raw_rows(app, "events"))
    r = await call(app, "GET", f"/rest/v1/events?offset={total}", headers={"Prefer": "count=exact"})
    assert (r.status_code, r.headers["content-range"], body(r)) == (206, f"*/{total}", [])


async def test_offset_past_the_end_without_count_is_an_empty_200(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?offset=1000")
    assert (r.status_code, r.headers["content-range"], body(r)) == (200, "*/*", [])


async def test_max_rows_caps_a_page_like_supabase_does() -> None:
    app = small_app(max_rows=7)
    try:
        total = len(raw_rows(app, "orders"))
        r = await call(app, "GET", "/rest/v1/orders?select=id", headers={"Prefer": "count=exact"})
        plain = await call(app, "GET", "/rest/v1/orders?select=id&limit=100")
    finally:
        app.close()
    assert (r.status_code, r.headers["content-range"], len(body(r))) == (206, f"0-6/{total}", 7)
    assert (plain.status_code, plain.headers["content-range"]) == (200, "0-6/*")


async def test_the_dashboard_query_gets_206_with_count_exact(app: StandInApp) -> None:
    """The seed's gotcha: with count=exact a capped or limited page is 206, which `status === 200` misses."""
    event = app.test_event_id
    paid = [o for o in raw_rows(app, "orders") if o["event_id"] == event and o["status"] == "paid"]
    path = (
        f"/rest/v1/orders?select=id,total_amount,status,created_at&event_id=eq.{event}&status=eq.paid&limit=3"
    )
    r = await call(app, "GET", path, headers={"Prefer": "count=exact"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"0-2/{len(paid)}"
    assert body(r) == project(paid[:3], "id", "total_amount", "status", "created_at")


async def test_head_answers_headers_without_a_body(app: StandInApp) -> None:
    total = len(raw_rows(app, "orders"))
    r = await call(app, "HEAD", "/rest/v1/orders?select=id&limit=4", headers={"Prefer": "count=exact"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"0-3/{total}"
    assert r.headers["content-type"] == JSON_TYPE
    assert r.content == b""


async def test_negative_offset_is_a_no_op(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=id&offset=-4&limit=2")
    assert r.headers["content-range"] == "0-1/*"
    assert body(r) == project(raw_rows(app, "events")[:2], "id")


async def test_a_limit_that_is_not_an_integer_is_ignored_as_postgrest_does(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=id&limit=abc")
    assert r.status_code == 200
    assert body(r) == project(raw_rows(app, "events"), "id")


async def test_a_huge_limit_is_capped_by_max_rows(app: StandInApp) -> None:
    r = await call(app, "GET", f"/rest/v1/events?select=id&limit={10**30}")
    assert r.status_code == 200
    assert body(r) == project(raw_rows(app, "events"), "id")


async def test_limit_zero_returns_an_empty_page(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?limit=0")
    assert (r.status_code, r.headers["content-range"], body(r)) == (200, "*/*", [])


# --- filters -------------------------------------------------------------------------------------


def ids(response: Any) -> list[str]:
    return [row["id"] for row in body(response)]


def where(app: StandInApp, table: str, predicate: Any) -> list[str]:
    return [row["id"] for row in raw_rows(app, table) if predicate(row)]


@pytest.mark.parametrize(
    ("op", "check"),
    [
        ("eq", lambda v: v == 100.0),
        ("neq", lambda v: v != 100.0),
        ("gt", lambda v: v > 100.0),
        ("gte", lambda v: v >= 100.0),
        ("lt", lambda v: v < 100.0),
        ("lte", lambda v: v <= 100.0),
    ],
)
async def test_comparison_filters_on_a_numeric_column(app: StandInApp, op: str, check: Any) -> None:
    r = await call(app, "GET", f"/rest/v1/orders?select=id&total_amount={op}.100")
    assert r.status_code == 200
    assert ids(r) == where(app, "orders", lambda o: check(o["total_amount"]))


async def test_eq_on_a_uuid_column(app: StandInApp) -> None:
    event = app.test_event_id
    r = await call(app, "GET", f"/rest/v1/tickets?select=id&event_id=eq.{event.upper()}&limit=1000")
    assert ids(r) == where(app, "tickets", lambda t: t["event_id"] == event)
    assert ids(r)


async def test_timestamp_filters_compare_as_time(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=id&date=gte.2025-06-01T00:00:00Z")
    assert ids(r) == where(app, "events", lambda e: e["date"] >= "2025-06-01T00:00:00+00:00")


async def test_like_is_case_sensitive_and_star_is_a_wildcard(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=id&name=like.*Test*")
    lower = await call(app, "GET", "/rest/v1/events?select=id&name=like.*test*")
    assert ids(r) == where(app, "events", lambda e: "Test" in e["name"])
    assert ids(lower) == where(app, "events", lambda e: "test" in e["name"])
    assert ids(r) != ids(lower)


async def test_ilike_ignores_case(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?select=id&name=ilike.*TEST*")
    assert ids(r) == where(app, "events", lambda e: "test" in e["name"].lower())
    assert ids(r)


async def test_in_with_quoted_values(app: StandInApp) -> None:
    r = await call(app, "GET", '/rest/v1/orders?select=id&status=in.("paid",refunded)')
    assert ids(r) == where(app, "orders", lambda o: o["status"] in ("paid", "refunded"))


async def test_is_null_and_not_is_null() -> None:
    app = small_app()
    try:
        await call(
            app, "POST", "/rest/v1/orders", json={"event_id": app.test_event_id, "customer_email": None}
        )
        null = await call(app, "GET", "/rest/v1/orders?select=id&customer_email=is.null")
        not_null = await call(app, "GET", "/rest/v1/orders?select=id&customer_email=not.is.null")
        assert ids(null) == where(app, "orders", lambda o: o["customer_email"] is None)
        assert len(ids(null)) == 1
        assert ids(not_null) == where(app, "orders", lambda o: o["customer_email"] is not None)
    finally:
        app.close()


async def test_not_prefix_negates_eq_and_in(app: StandInApp) -> None:
    neg = await call(app, "GET", "/rest/v1/orders?select=id&status=not.eq.paid")
    neg_in = await call(app, "GET", "/rest/v1/orders?select=id&status=not.in.(paid,pending)")
    assert ids(neg) == where(app, "orders", lambda o: o["status"] != "paid")
    assert ids(neg_in) == where(app, "orders", lambda o: o["status"] not in ("paid", "pending"))


async def test_several_filters_combine_with_and(app: StandInApp) -> None:
    event = app.test_event_id
    r = await call(
        app, "GET", f"/rest/v1/orders?select=id&event_id=eq.{event}&status=eq.paid&total_amount=gt.50"
    )
    expected = where(
        app, "orders", lambda o: o["event_id"] == event and o["status"] == "paid" and o["total_amount"] > 50
    )
    assert ids(r) == expected


async def test_or_and_nested_and_groups(app: StandInApp) -> None:
    r = await call(
        app,
        "GET",
        "/rest/v1/orders?select=id&or=(status.eq.refunded,and(status.eq.paid,total_amount.gt.300))",
    )
    expected = where(
        app,
        "orders",
        lambda o: o["status"] == "refunded" or (o["status"] == "paid" and o["total_amount"] > 300),
    )
    assert ids(r) == expected


async def test_not_or(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=id&not.or=(status.eq.paid,status.eq.pending)")
    assert ids(r) == where(app, "orders", lambda o: o["status"] not in ("paid", "pending"))


async def test_accept_object_returns_one_row_as_an_object(app: StandInApp) -> None:
    event = app.test_event_id
    r = await call(
        app,
        "GET",
        f"/rest/v1/events?select=id,name&id=eq.{event}",
        headers={"Accept": "application/vnd.pgrst.object+json"},
    )
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.pgrst.object+json; charset=utf-8"
    assert body(r) == {"id": event, "name": "dashtui Test Event: Launch Night"}


async def test_apikey_in_the_query_string_is_accepted_and_not_a_filter(app: StandInApp) -> None:
    r = await call(app, "GET", f"/rest/v1/events?select=id&limit=1&apikey={app.keys.anon}", role=None)
    assert r.status_code == 200
    assert body(r) == project(raw_rows(app, "events")[:1], "id")


async def test_both_keys_are_accepted(app: StandInApp) -> None:
    anon = await call(app, "GET", "/rest/v1/events?select=id&limit=1", role="anon")
    service = await call(app, "GET", "/rest/v1/events?select=id&limit=1", role="service")
    assert anon.status_code == service.status_code == 200
    assert body(anon) == body(service)


async def test_repeated_reads_see_new_rows_at_once() -> None:
    """Reads are cached per table; an insert must drop that table's cached results."""
    app = small_app()
    try:
        path = f"/rest/v1/orders?select=count&event_id=eq.{app.test_event_id}"
        before = body(await call(app, "GET", path))[0]["count"]
        await call(app, "POST", "/rest/v1/orders", json={"event_id": app.test_event_id})
        after = body(await call(app, "GET", path))[0]["count"]
    finally:
        app.close()
    assert after == before + 1


async def test_request_text_never_becomes_sql(app: StandInApp) -> None:
    alias = await call(app, "GET", '/rest/v1/events?select="a\'b) --":id&limit=1')
    assert body(alias) == [{"a'b) --": raw_rows(app, "events")[0]["id"]}]
    injected = await call(app, "GET", "/rest/v1/orders?select=id&status=eq.x' OR '1'='1")
    assert (injected.status_code, body(injected)) == (200, [])
    quoted_in = await call(app, "GET", '/rest/v1/orders?select=id&status=in.("paid\') --",x)')
    assert (quoted_in.status_code, body(quoted_in)) == (200, [])
