"""`dashtui init`'s pieces: the PostgREST description's tables, the choice of tables, the preset it writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashtui.cli.errors import UsageError
from dashtui.cli.init import choose
from dashtui.demo.openapi import openapi_document
from dashtui.demo.schema import TABLES
from dashtui.importer.emit import to_toml
from dashtui.importer.scaffold import SchemaError, scaffold, tables_of
from dashtui.scenario import BatchStep, GroupStep, RealtimeStep, load_scenario

ENV = {"SUPABASE_URL": "http://127.0.0.1:9", "SUPABASE_SERVICE_ROLE_KEY": "k"}


def test_tables_columns_keys_and_order_come_from_the_description() -> None:
    tables = {t.name: t for t in tables_of(openapi_document(TABLES, "127.0.0.1:9"))}
    assert list(tables) == list(TABLES)
    tickets = tables["tickets"]
    assert [c.name for c in tickets.columns] == list(TABLES["tickets"].column_names)
    assert tickets.columns[0].primary_key and tickets.kind == "table"
    assert {c.name: c.references for c in tickets.columns if c.references} == {
        "event_id": "events",
        "order_id": "orders",
    }
    assert tables["scan_logs"].order_column() == "scanned_at"  # no created_at: the first timestamp


def test_a_view_without_keys_or_inserts_is_listed_as_a_view() -> None:
    document = {
        "swagger": "2.0",
        "paths": {"/totals": {"get": {}}},
        "definitions": {"totals": {"properties": {"day": {"format": "date"}, "n": {"format": "bigint"}}}},
    }
    (view,) = tables_of(document)
    assert (view.name, view.kind, view.order_column()) == ("totals", "view", "day")
    with pytest.raises(SchemaError):
        tables_of({"openapi": "3.0.0"})


def test_the_scaffold_loads_as_a_preset(tmp_path: Path) -> None:
    tables = tables_of(openapi_document(TABLES, "127.0.0.1:9"))
    path = tmp_path / "p.toml"
    path.write_text(
        to_toml(scaffold(tables[:2], url="http://127.0.0.1:9", realtime="orders")), encoding="utf-8"
    )
    scenario = load_scenario(path, env=ENV)
    load, _, realtime, refresh, _ = scenario.flows["default"]
    assert isinstance(load, GroupStep) and isinstance(load.steps[0], BatchStep)
    assert [r.url.split("?")[0] for r in load.steps[0].batch] == [
        "http://127.0.0.1:9/rest/v1/events",
        "http://127.0.0.1:9/rest/v1/tickets",
    ]
    assert isinstance(realtime, RealtimeStep) and realtime.realtime.changes[0].table == "orders"
    assert isinstance(refresh, GroupStep) and refresh.duration_trend == "refresh_duration"
    assert "realtime_subscriptions" in scenario.thresholds


def test_choices_come_from_options_then_answers_then_defaults() -> None:
    names = ["events", "tickets", "orders", "scan_logs"]
    assert choose(names, "orders,1", None, None) == (["orders", "events"], None)
    answers = iter(["2, scan_logs", "3"])
    assert choose(names, None, None, lambda prompt: next(answers)) == (["tickets", "scan_logs"], "orders")
    assert choose(names, None, None, lambda prompt: "") == (["events", "tickets", "orders"], None)
    assert choose(names, None, None, None) == (["events", "tickets", "orders"], None)
    with pytest.raises(UsageError, match="no table 'bogus'"):
        choose(names, "bogus", None, None)
    with pytest.raises(UsageError, match="--realtime"):
        choose(names, None, "nope", None)
