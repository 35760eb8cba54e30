"""Errors and auth as PostgREST and Supabase's gateway answer them: exact status, headers and body."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from dashtui.demo import StandInApp
from dashtui.demo.keys import make_jwt

from .test_demo_support import JSON_TYPE, body, call, error_body, small_app

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def app() -> Iterator[StandInApp]:
    instance = small_app()
    yield instance
    instance.close()


def assert_error(response: object, status: int, expected: dict[str, object]) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == status
    assert response.headers["content-type"] == JSON_TYPE
    assert response.headers["proxy-status"] == f"PostgREST; error={expected['code']}"
    assert body(response) == expected
    assert list(body(response)) == ["code", "details", "hint", "message"]


# --- schema errors ---------------------------------------------------------------------------------


async def test_unknown_table_is_404_pgrst205(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/nope")
    assert_error(r, 404, error_body("PGRST205", "Could not find the table 'public.nope' in the schema cache"))


async def test_unknown_table_close_to_a_real_one_gets_a_hint(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/order")
    expected = error_body(
        "PGRST205",
        "Could not find the table 'public.order' in the schema cache",
        hint="Perhaps you meant the table 'public.orders'",
    )
    assert_error(r, 404, expected)


@pytest.mark.parametrize(
    "query",
    ["select=id,foo", "foo=eq.1", "order=foo.desc", "select=id&order=foo"],
)
async def test_unknown_column_is_400_42703(app: StandInApp, query: str) -> None:
    r = await call(app, "GET", f"/rest/v1/orders?{query}")
    assert_error(r, 400, error_body("42703", "column orders.foo does not exist"))


async def test_a_value_the_column_type_rejects_is_22p02(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/tickets?event_id=eq.test-event-id")
    assert_error(r, 400, error_body("22P02", 'invalid input syntax for type uuid: "test-event-id"'))
    r = await call(app, "GET", "/rest/v1/orders?total_amount=gt.lots")
    assert_error(r, 400, error_body("22P02", 'invalid input syntax for type numeric: "lots"'))


async def test_like_on_a_uuid_column_has_no_operator(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?event_id=like.abc*")
    hint = "No operator matches the given name and argument types. You might need to add explicit type casts."
    assert_error(r, 404, error_body("42883", "operator does not exist: uuid ~~ unknown", hint=hint))


async def test_is_true_on_a_text_column_is_42804(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?status=is.true")
    assert_error(r, 400, error_body("42804", "argument of IS TRUE must be type boolean, not type text"))


# --- parse errors (PGRST100, positions as PostgREST's Parsec parser reports them) --------------------


@pytest.mark.parametrize(
    ("query", "what", "column", "details"),
    [
        ("status=paid", "filter (paid)", 1, 'unexpected "p" expecting "not" or operator (eq, gt, ...)'),
        ("id=0", "filter (0)", 1, 'unexpected "0" expecting "not" or operator (eq, gt, ...)'),
        ("status=", "filter ()", 1, 'unexpected end of input expecting "not" or operator (eq, gt, ...)'),
        ("status=noop.0", "filter (noop.0)", 6, "unknown single value operator noop"),
        ("status=not.noop.0", "filter (not.noop.0)", 10, "unknown single value operator noop"),
        (
            "status=is.maybe",
            "filter (is.maybe)",
            4,
            'unexpected "m" expecting null or trilean value (unknown, true, false)',
        ),
        ("status=in.paid,x", "filter (in.paid,x)", 4, 'unexpected "p" expecting "("'),
        ("status=in.(paid", "filter (in.(paid)", 9, 'unexpected end of input expecting "," or ")"'),
        (
            "order=id.ac",
            "order (id.ac)",
            4,
            'unexpected "c" expecting "asc", "desc", "nullsfirst" or "nullslast"',
        ),
        (
            "order=id.nulsfist",
            "order (id.nulsfist)",
            4,
            'unexpected "n" expecting "asc", "desc", "nullsfirst" or "nullslast"',
        ),
        (
            "order=id.descc",
            "order (id.descc)",
            8,
            "unexpected 'c' expecting delimiter (.), \",\" or end of input",
        ),
        (
            "order=id.nullslasttt",
            "order (id.nullslasttt)",
            13,
            "unexpected 't' expecting \",\" or end of input",
        ),
        (
            "order=id.asc.nlsfst",
            "order (id.asc.nlsfst)",
            8,
            'unexpected "l" expecting "nullsfirst" or "nullslast"',
        ),
        ("or=(id.eq.1", "logic tree ((id.eq.1)", 11, 'unexpected end of input expecting "," or ")"'),
        ("or=id.eq.1", "logic tree (id.eq.1)", 3, 'unexpected "i" expecting "("'),
        (
            "select=id,,status",
            "select parameter (id,,status)",
            4,
            'unexpected "," expecting field name (* or [a..z0..9_$])',
        ),
        (
            "select=name!hint",
            "select parameter (name!hint)",
            5,
            'unexpected \'!\' expecting letter, digit, "-", "->>", "->", "::", ".", ")", "," or end of input',
        ),
    ],
)
async def test_unparsable_query_is_400_pgrst100(
    app: StandInApp, query: str, what: str, column: int, details: str
) -> None:
    r = await call(app, "GET", f"/rest/v1/orders?{query}")
    expected = error_body("PGRST100", f'"failed to parse {what}" (line 1, column {column})', details)
    assert_error(r, 400, expected)


async def test_malformed_percent_encoding_is_read_leniently(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?status=eq.%ZZ&select=id")
    assert (r.status_code, body(r)) == (200, [])


async def test_a_filter_on_an_embedded_resource_that_is_not_selected_is_pgrst108(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?events.name=eq.x")
    expected = error_body(
        "PGRST108",
        "'events' is not an embedded resource in this request",
        hint="Verify that 'events' is included in the 'select' query parameter.",
    )
    assert_error(r, 400, expected)


@pytest.mark.parametrize("select", ["count()", "total_amount.sum()"])
async def test_aggregate_functions_are_not_allowed_as_on_supabase(app: StandInApp, select: str) -> None:
    r = await call(app, "GET", f"/rest/v1/orders?select={select}")
    assert_error(r, 400, error_body("PGRST123", "Use of aggregate functions is not allowed"))


async def test_embedding_says_it_is_not_implemented(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=*,events(*)")
    details = "Resource embedding ('events') is not supported by the dashtui stand-in; select columns only."
    assert_error(r, 400, error_body("PGRST127", "Feature not implemented", details))


async def test_unknown_cast_is_42704(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/orders?select=id::money")
    assert_error(r, 400, error_body("42704", 'type "money" does not exist'))


# --- ranges --------------------------------------------------------------------------------------


async def test_offset_past_the_end_with_count_is_416_pgrst103(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?offset=100", headers={"Prefer": "count=exact"})
    total = app.db.scalar('SELECT count(*) FROM "events"')
    details = f"An offset of 100 was requested, but there are only {total} rows."
    assert_error(r, 416, error_body("PGRST103", "Requested range not satisfiable", details))
    assert r.headers["content-range"] == f"*/{total}"


async def test_negative_limit_is_416(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events?limit=-1")
    expected = error_body(
        "PGRST103", "Requested range not satisfiable", "Limit should be greater than or equal to zero."
    )
    assert_error(r, 416, expected)
    assert "content-range" not in r.headers


async def test_inverted_range_header_is_416(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events", headers={"Range": "5-1"})
    details = "The lower boundary must be lower than or equal to the upper boundary in the Range header."
    assert_error(r, 416, error_body("PGRST103", "Requested range not satisfiable", details))


async def test_an_offset_beyond_bigint_is_22003(app: StandInApp) -> None:
    r = await call(app, "GET", f"/rest/v1/events?offset={10**30}")
    assert_error(r, 400, error_body("22003", "bigint out of range"))


async def test_a_huge_limit_without_max_rows_is_22003() -> None:
    app = small_app(max_rows=None)
    try:
        r = await call(app, "GET", f"/rest/v1/events?limit={10**30}")
    finally:
        app.close()
    assert_error(r, 400, error_body("22003", "bigint out of range"))


# --- media types, methods, paths --------------------------------------------------------------------


async def test_singular_with_several_rows_is_406_pgrst116(app: StandInApp) -> None:
    r = await call(
        app, "GET", "/rest/v1/events?limit=2", headers={"Accept": "application/vnd.pgrst.object+json"}
    )
    expected = error_body(
        "PGRST116", "JSON object requested, multiple (or no) rows returned", "The result contains 2 rows"
    )
    assert_error(r, 406, expected)


async def test_an_unavailable_media_type_is_406_pgrst107(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events", headers={"Accept": "text/csv"})
    assert_error(r, 406, error_body("PGRST107", "None of these media types are available: text/csv"))


async def test_a_schema_other_than_public_is_406_pgrst106(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events", headers={"Accept-Profile": "private"})
    expected = error_body(
        "PGRST106", "Invalid schema: private", hint="Only the following schemas are exposed: public"
    )
    assert_error(r, 406, expected)


async def test_an_unsupported_method_is_405_pgrst117(app: StandInApp) -> None:
    r = await call(app, "PATCH", "/rest/v1/events", json={"name": "x"})
    assert_error(r, 405, error_body("PGRST117", "Unsupported HTTP method: PATCH"))


async def test_a_nested_path_is_404_pgrst125(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events/1")
    assert_error(r, 404, error_body("PGRST125", "Invalid path specified in request URL"))


async def test_an_unknown_function_is_404_pgrst202(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/rpc/refresh")
    expected = error_body(
        "PGRST202",
        "Could not find the function public.refresh without parameters in the schema cache",
        "Searched for the function public.refresh without parameters, "
        "but no matches were found in the schema cache.",
    )
    assert_error(r, 404, expected)


async def test_a_path_outside_the_apis_gets_the_gateway_404(app: StandInApp) -> None:
    r = await call(app, "GET", "/storage/v1/bucket")
    assert r.status_code == 404
    assert body(r) == {"message": "no Route matched with those values"}


async def test_cors_preflight_is_answered(app: StandInApp) -> None:
    r = await call(
        app, "OPTIONS", "/rest/v1/events", headers={"Access-Control-Request-Headers": "apikey,authorization"}
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["access-control-allow-methods"] == "GET,HEAD,POST,OPTIONS"
    assert r.headers["access-control-allow-headers"] == "apikey,authorization"


# --- auth ----------------------------------------------------------------------------------------


async def test_missing_apikey_is_401_from_the_gateway(app: StandInApp) -> None:
    r = await call(app, "GET", "/rest/v1/events", role=None)
    assert r.status_code == 401
    assert body(r) == {
        "message": "No API key found in request",
        "hint": "No `apikey` request header or url param was found.",
    }


async def test_unknown_apikey_is_401_from_the_gateway(app: StandInApp) -> None:
    other = make_jwt(
        {"role": "anon", "exp": int(time.time()) + 60}, "another-secret-that-is-at-least-32-chars"
    )
    for key in ("not-a-key", other):
        r = await call(app, "GET", "/rest/v1/events", role=None, headers={"apikey": key})
        assert r.status_code == 401
        assert body(r) == {
            "message": "Invalid API key",
            "hint": "Double check your Supabase `anon` or `service_role` API key.",
        }


async def test_a_bearer_token_with_a_bad_signature_is_401_pgrst301(app: StandInApp) -> None:
    forged = make_jwt({"role": "service_role", "exp": int(time.time()) + 60}, "x" * 40)
    r = await call(
        app,
        "GET",
        "/rest/v1/events",
        role=None,
        headers={"apikey": app.keys.anon, "Authorization": f"Bearer {forged}"},
    )
    assert_error(r, 401, error_body("PGRST301", "JWT cryptographic operation failed"))
    assert (
        r.headers["www-authenticate"]
        == 'Bearer error="invalid_token", error_description="JWT cryptographic operation failed"'
    )


async def test_a_bearer_token_that_is_not_a_jwt_is_401(app: StandInApp) -> None:
    r = await call(
        app,
        "GET",
        "/rest/v1/events",
        role=None,
        headers={"apikey": app.keys.anon, "Authorization": "Bearer abc"},
    )
    assert_error(r, 401, error_body("PGRST301", "Expected 3 parts in JWT; got 1"))


async def test_an_expired_bearer_token_is_401_pgrst303(app: StandInApp) -> None:
    expired = make_jwt({"role": "authenticated", "exp": int(time.time()) - 5}, app.keys.secret)
    r = await call(
        app,
        "GET",
        "/rest/v1/events",
        role=None,
        headers={"apikey": app.keys.anon, "Authorization": f"Bearer {expired}"},
    )
    assert_error(r, 401, error_body("PGRST303", "JWT expired"))


async def test_a_user_token_signed_by_the_project_is_accepted(app: StandInApp) -> None:
    user = make_jwt({"role": "authenticated", "sub": "u1", "exp": int(time.time()) + 60}, app.keys.secret)
    r = await call(
        app,
        "GET",
        "/rest/v1/events?limit=1",
        role=None,
        headers={"apikey": app.keys.anon, "Authorization": f"Bearer {user}"},
    )
    assert r.status_code == 200


async def test_a_token_for_an_unknown_role_is_401(app: StandInApp) -> None:
    token = make_jwt({"role": "superuser", "exp": int(time.time()) + 60}, app.keys.secret)
    r = await call(
        app,
        "GET",
        "/rest/v1/events",
        role=None,
        headers={"apikey": app.keys.anon, "Authorization": f"Bearer {token}"},
    )
    assert_error(r, 401, error_body("22023", 'role "superuser" does not exist'))
