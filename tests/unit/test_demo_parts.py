"""The stand-in's small parts: keys, seed data, values, the grammar, counters, config, the CLI's checks."""

from __future__ import annotations

import io
import socket
import uuid

import pytest

from dashtui.demo import SCALES, PostgrestError, StandInConfig, make_keys, serve_main
from dashtui.demo.db import Database
from dashtui.demo.grammar import (
    FilterExpr,
    LogicExpr,
    OrderTerm,
    SelectField,
    parse_filter_value,
    parse_logic_tree,
    parse_order,
    parse_select,
)
from dashtui.demo.keys import JwtError, decode_jwt, make_jwt
from dashtui.demo.plan import like_to_glob, split_query
from dashtui.demo.schema import TABLES
from dashtui.demo.seed import seed_database
from dashtui.demo.stats import ServerStats
from dashtui.demo.values import coerce_text, format_timestamp


def test_keys_are_hs256_jwts_with_role_and_exp() -> None:
    keys = make_keys()
    for key, role in ((keys.anon, "anon"), (keys.service_role, "service_role")):
        claims = decode_jwt(key, keys.secret, now=1_800_000_000)
        assert claims["role"] == role
        assert claims["exp"] > claims["iat"]
        assert keys.role_of(key) == role
    assert make_keys() == keys
    assert keys.role_of("x") is None


def test_jwt_errors() -> None:
    secret = "s" * 32
    with pytest.raises(JwtError, match="JWT expired") as expired:
        decode_jwt(make_jwt({"role": "anon", "exp": 10}, secret), secret, now=10)
    assert expired.value.code == "PGRST303"
    with pytest.raises(JwtError, match="cryptographic operation failed"):
        decode_jwt(make_jwt({"role": "anon"}, secret), "t" * 32, now=0)
    with pytest.raises(JwtError, match="Expected 3 parts in JWT; got 2"):
        decode_jwt("a.b", secret, now=0)
    with pytest.raises(JwtError, match="cryptographic operation failed"):
        decode_jwt("!!.??.**", secret, now=0)


def test_seeding_is_deterministic_and_sized_by_scale() -> None:
    first, second, other = Database(), Database(), Database()
    a = seed_database(first, 5, "small")
    b = seed_database(second, 5, "small")
    c = seed_database(other, 6, "small")
    dump = lambda db: list(db.conn.execute('SELECT * FROM "orders" ORDER BY rowid'))  # noqa: E731
    assert a == b and dump(first) == dump(second)
    assert a != c and dump(first) != dump(other)
    counts = first.row_counts()
    scale = SCALES["small"]
    assert counts == {
        "events": scale.events,
        "tickets": scale.tickets,
        "orders": scale.orders,
        "vip_reservations": scale.vip_reservations,
        "scan_logs": scale.scan_logs,
    }
    assert uuid.UUID(a).version == 4
    share = first.scalar('SELECT count(*) FROM "tickets" WHERE event_id = ?', (a,)) / scale.tickets
    assert share > 0.25  # the test event gets a rich share of every table
    orphans = first.scalar(
        'SELECT count(*) FROM "scan_logs" s JOIN "tickets" t ON t.id = s.ticket_id '
        "WHERE t.event_id <> s.event_id"
    )
    assert orphans == 0
    for db in (first, second, other):
        db.close()


def test_default_scale_meets_the_brief() -> None:
    scale = SCALES["default"]
    assert scale.events >= 50 and scale.tickets >= 20_000 and scale.orders >= 5_000
    assert scale.vip_reservations >= 500 and scale.scan_logs >= 10_000


def test_values_follow_postgresql_input_rules() -> None:
    uuid_col = TABLES["orders"].column("event_id")
    int_col = TABLES["orders"].column("ticket_count")
    ts_col = TABLES["orders"].column("created_at")
    assert uuid_col and int_col and ts_col
    assert (
        coerce_text(uuid_col, "{ABCDEF00-0000-4000-8000-000000000001}")
        == "abcdef00-0000-4000-8000-000000000001"
    )
    assert coerce_text(int_col, " 12 ") == 12
    assert coerce_text(ts_col, "2025-06-01") == "2025-06-01T00:00:00+00:00"
    assert coerce_text(ts_col, "2025-06-01T12:00:00.250+02:00") == "2025-06-01T10:00:00.25+00:00"
    with pytest.raises(PostgrestError) as too_big:
        coerce_text(int_col, "99999999999")
    assert (too_big.value.code, too_big.value.message) == (
        "22003",
        'value "99999999999" is out of range for type integer',
    )
    with pytest.raises(PostgrestError) as bad_time:
        coerce_text(ts_col, "yesterday-ish")
    assert bad_time.value.code == "22007"


def test_timestamps_format_like_postgrest_and_sort_in_time_order() -> None:
    from datetime import UTC, datetime, timedelta

    base = datetime(2025, 1, 1, tzinfo=UTC)
    moments = [base + timedelta(microseconds=m) for m in (0, 500_000, 250_000, 1, 999_999, 1_000_000)]
    texts = [format_timestamp(m) for m in moments]
    assert texts[0] == "2025-01-01T00:00:00+00:00"
    assert texts[1] == "2025-01-01T00:00:00.5+00:00"
    assert sorted(texts) == [format_timestamp(m) for m in sorted(moments)]


def test_grammar_results() -> None:
    assert parse_select("id, amount:total_amount::text,*") == (
        SelectField("id"),
        SelectField("total_amount", "amount", "text"),
        SelectField("*"),
    )
    assert parse_select('"quoted name"') == (SelectField("quoted name"),)
    assert parse_select("") == ()
    assert parse_order("date.desc.nullslast,id") == (OrderTerm("date", True, False), OrderTerm("id"))
    assert parse_filter_value("s", 'in.("a,b",c)') == FilterExpr("s", "in", ("a,b", "c"))
    assert parse_filter_value("s", "not.is.NULL") == FilterExpr("s", "is", "null", True)
    assert parse_filter_value("s", "eq.a.b") == FilterExpr("s", "eq", "a.b")
    assert parse_logic_tree("not.or", "(a.eq.1,and(b.gt.2,c.in.(x,y)))") == LogicExpr(
        "or",
        (
            FilterExpr("a", "eq", "1"),
            LogicExpr("and", (FilterExpr("b", "gt", "2"), FilterExpr("c", "in", ("x", "y")))),
        ),
        True,
    )


def test_like_patterns_become_case_sensitive_globs() -> None:
    assert like_to_glob("%Test_") == "*Test?"
    assert like_to_glob(r"100\%") == "100%"
    assert like_to_glob("a[b]*?") == "a[[]b][*][?]"


def test_query_strings_split_as_postgrest_reads_them() -> None:
    assert split_query("a=1&b&c=x+y&d=%41%ZZ") == [("a", "1"), ("c", "x y"), ("d", "A%ZZ")]


def test_stats_percentiles_use_k6s_method() -> None:
    stats = ServerStats()
    for ms in (10.0, 20.0, 30.0, 40.0):
        stats.latency(ms, ms + 1)
    snapshot = stats.snapshot()
    drawn, held = snapshot["drawn_latency_ms"], snapshot["injected_latency_ms"]
    assert (drawn["p50"], drawn["p95"], drawn["max"]) == (25.0, 38.5, 40.0)
    assert (held["p50"], held["p95"], held["max"]) == (26.0, 39.5, 41.0)


def test_config_rejects_bad_values_with_the_key_named() -> None:
    for kwargs, message in [
        ({"scale": "huge"}, "scale 'huge' is not one of small, default, large"),
        ({"port": 70000}, "port 70000 is not from 0 to 65535"),
        ({"box_office_rate": -1}, "box_office_rate -1 is not from 0 to 1000"),
        ({"max_rows": 0}, "max_rows 0 must be at least 1"),
        ({"jwt_secret": "short"}, "jwt_secret must have at least 32 characters"),
    ]:
        with pytest.raises(ValueError, match=None) as info:
            StandInConfig(**kwargs)  # type: ignore[arg-type]
        assert message in str(info.value)


def test_serve_rejects_a_bad_latency_spec_with_exit_2() -> None:
    err = io.StringIO()
    assert serve_main(["--latency", "uniform(5)", "--scale", "small"], stdout=io.StringIO(), stderr=err) == 2
    assert (
        err.getvalue() == "dashtui serve: latency: latency 'uniform(5)': uniform takes 2 number(s), got 1\n"
    )


def test_serve_reports_a_port_in_use_with_exit_1() -> None:
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    err = io.StringIO()
    try:
        code = serve_main(["--port", str(port), "--scale", "small"], stdout=io.StringIO(), stderr=err)
    finally:
        holder.close()
    assert code == 1
    assert (
        err.getvalue() == f"dashtui serve: cannot listen on 127.0.0.1:{port}: the address is already in use "
        "(try --port 0 for a free port)\n"
    )


def test_serve_rejects_unknown_options_with_argparse_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_main(["--scale", "gigantic"]) == 2
    assert "invalid choice: 'gigantic'" in capsys.readouterr().err
