"""The official `postgrest` Python client against the stand-in on a real socket sees Supabase's behaviour."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from postgrest import APIError, AsyncPostgrestClient

from dashtui.demo import StandIn, StandInConfig
from dashtui.demo.schema import TABLES

pytestmark = [pytest.mark.anyio, pytest.mark.integration]


@pytest.fixture(scope="module")
def standin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StandIn]:
    path = tmp_path_factory.mktemp("standin") / "data.db"
    with StandIn(StandInConfig(scale="small", db_path=str(path))) as running:
        yield running


@pytest.fixture
async def client(standin: StandIn) -> AsyncIterator[AsyncPostgrestClient]:
    key = standin.anon_key
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    async with AsyncPostgrestClient(f"{standin.url}/rest/v1", headers=headers) as pg:
        yield pg


def rows(standin: StandIn, table: str) -> list[dict[str, Any]]:
    """Read the table through a second SQLite connection to the same file, not through the server."""
    assert standin.config.db_path is not None
    conn = sqlite3.connect(standin.config.db_path)
    try:
        names = TABLES[table].column_names
        return [
            dict(zip(names, r, strict=True)) for r in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
        ]
    finally:
        conn.close()


async def test_select_eq_order_limit(client: AsyncPostgrestClient, standin: StandIn) -> None:
    event = standin.test_event_id
    response = await (
        client.from_("orders")
        .select("id,total_amount,status")
        .eq("event_id", event)
        .order("total_amount", desc=True)
        .limit(5)
        .execute()
    )
    expected = sorted(
        (o for o in rows(standin, "orders") if o["event_id"] == event), key=lambda o: -o["total_amount"]
    )
    assert response.data == [{k: o[k] for k in ("id", "total_amount", "status")} for o in expected[:5]]
    assert response.count is None


async def test_count_exact_reads_the_total_from_content_range(
    client: AsyncPostgrestClient, standin: StandIn
) -> None:
    response = await client.from_("tickets").select("id", count="exact").limit(3).execute()
    assert response.count == len(rows(standin, "tickets"))
    assert len(response.data) == 3


async def test_head_count(client: AsyncPostgrestClient, standin: StandIn) -> None:
    event = standin.test_event_id
    response = (
        await client.from_("scan_logs").select("*", count="exact", head=True).eq("event_id", event).execute()
    )
    assert response.count == sum(1 for s in rows(standin, "scan_logs") if s["event_id"] == event)
    assert response.data == []


async def test_range_in_is_like_ilike_not_or(client: AsyncPostgrestClient, standin: StandIn) -> None:
    all_orders = rows(standin, "orders")
    window = await client.from_("orders").select("id").range(2, 5).execute()
    assert [r["id"] for r in window.data] == [o["id"] for o in all_orders[2:6]]
    in_ = await client.from_("orders").select("id").in_("status", ["paid", "refunded"]).execute()
    assert [r["id"] for r in in_.data] == [o["id"] for o in all_orders if o["status"] in ("paid", "refunded")]
    null = await client.from_("tickets").select("id").is_("order_id", None).execute()
    assert [r["id"] for r in null.data] == [
        t["id"] for t in rows(standin, "tickets") if t["order_id"] is None
    ]
    like = await client.from_("events").select("name").like("name", "%Test%").execute()
    assert like.data == [{"name": "dashtui Test Event: Launch Night"}]
    ilike = await client.from_("events").select("name").ilike("name", "%launch night%").execute()
    assert ilike.data == like.data
    negated = await client.from_("orders").select("id").not_.eq("status", "paid").execute()
    assert [r["id"] for r in negated.data] == [o["id"] for o in all_orders if o["status"] != "paid"]
    either = await client.from_("orders").select("id").or_("status.eq.refunded,total_amount.gt.500").execute()
    expected = [o["id"] for o in all_orders if o["status"] == "refunded" or o["total_amount"] > 500]
    assert [r["id"] for r in either.data] == expected


async def test_single_returns_an_object(client: AsyncPostgrestClient, standin: StandIn) -> None:
    response = (
        await client.from_("events").select("id,name").eq("id", standin.test_event_id).single().execute()
    )
    assert response.data == {"id": standin.test_event_id, "name": "dashtui Test Event: Launch Night"}


async def test_insert_returns_the_row_and_later_reads_see_it(
    client: AsyncPostgrestClient, standin: StandIn
) -> None:
    payload = {
        "event_id": standin.test_event_id,
        "total_amount": 77.7,
        "status": "paid",
        "customer_email": "pg@x",
    }
    inserted = await client.from_("orders").insert(payload).execute()
    assert len(inserted.data) == 1
    assert {k: inserted.data[0][k] for k in payload} == payload
    found = await client.from_("orders").select("id").eq("customer_email", "pg@x").execute()
    assert found.data == [{"id": inserted.data[0]["id"]}]


async def test_bulk_insert_with_different_keys_uses_the_columns_parameter(
    client: AsyncPostgrestClient, standin: StandIn
) -> None:
    payload = [
        {"event_id": standin.test_event_id, "gate": "Q"},
        {"event_id": standin.test_event_id, "result": "invalid"},
    ]
    inserted = await client.from_("scan_logs").insert(payload).execute()
    assert [(r["gate"], r["result"]) for r in inserted.data] == [("Q", "valid"), (None, "invalid")]


@pytest.mark.parametrize(
    ("build", "code", "message"),
    [
        (
            lambda c: c.from_("nope").select("*"),
            "PGRST205",
            "Could not find the table 'public.nope' in the schema cache",
        ),
        (lambda c: c.from_("orders").select("nope"), "42703", "column orders.nope does not exist"),
        (lambda c: c.from_("orders").select("id").filter("status", "noop", "1"), "PGRST100", None),
        (
            lambda c: c.from_("orders").select("id").eq("event_id", "x"),
            "22P02",
            'invalid input syntax for type uuid: "x"',
        ),
    ],
)
async def test_errors_arrive_as_api_errors(
    client: AsyncPostgrestClient, build: Any, code: str, message: str | None
) -> None:
    with pytest.raises(APIError) as info:
        await build(client).execute()
    assert info.value.code == code
    if message is not None:
        assert info.value.message == message
