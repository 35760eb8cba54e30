"""`dashtui init`: PostgREST's OpenAPI description → the tables and columns → a dashboard-style preset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .convert import Preset

__all__ = ["Column", "SchemaError", "TableInfo", "scaffold", "tables_of"]

DEFAULT_TABLE_COUNT = 3
READ_LIMIT = 50


class SchemaError(ValueError):
    """The document is not a PostgREST OpenAPI description."""


@dataclass(frozen=True)
class Column:
    """A column as the description lists it: name, PostgreSQL format, primary or foreign key."""

    name: str
    format: str
    primary_key: bool = False
    references: str | None = None


@dataclass(frozen=True)
class TableInfo:
    """A table or view PostgREST exposes."""

    name: str
    columns: tuple[Column, ...]
    kind: str
    """'table' (it has a primary key or accepts inserts) or 'view'."""

    def order_column(self) -> str | None:
        """Newest first: created_at, else the first timestamp, else the primary key."""
        names = [c.name for c in self.columns]
        if "created_at" in names:
            return "created_at"
        for column in self.columns:
            if column.format.startswith("timestamp") or column.format == "date":
                return column.name
        for column in self.columns:
            if column.primary_key:
                return column.name
        return None


def _references(description: str) -> str | None:
    marker = "<fk table='"
    start = description.find(marker)
    if start < 0:
        return None
    end = description.find("'", start + len(marker))
    return description[start + len(marker) : end] if end > 0 else None


def tables_of(document: Mapping[str, Any]) -> list[TableInfo]:
    """The tables and views of a PostgREST (Swagger 2.0) description, in its order."""
    definitions = document.get("definitions")
    paths = document.get("paths")
    if (
        document.get("swagger") != "2.0"
        or not isinstance(definitions, Mapping)
        or not isinstance(paths, Mapping)
    ):
        raise SchemaError(
            "not a PostgREST OpenAPI description (expected swagger 2.0 with definitions and paths)"
        )
    tables: list[TableInfo] = []
    for name, definition in definitions.items():
        path = paths.get(f"/{name}")
        if not isinstance(path, Mapping) or "get" not in path or not isinstance(definition, Mapping):
            continue
        properties = definition.get("properties")
        if not isinstance(properties, Mapping):
            continue
        columns = []
        for column_name, prop in properties.items():
            prop = prop if isinstance(prop, Mapping) else {}
            description = str(prop.get("description", ""))
            columns.append(
                Column(
                    name=str(column_name),
                    format=str(prop.get("format", prop.get("type", ""))),
                    primary_key="<pk/>" in description,
                    references=_references(description),
                )
            )
        has_pk = any(c.primary_key for c in columns)
        kind = "table" if has_pk or "post" in path else "view"
        tables.append(TableInfo(name=str(name), columns=tuple(columns), kind=kind))
    return tables


def _read(table: TableInfo) -> dict[str, Any]:
    query = [f"select={','.join(c.name for c in table.columns)}"]
    order = table.order_column()
    if order is not None:
        query.append(f"order={order}.desc")
    query.append(f"limit={READ_LIMIT}")
    return {
        "method": "GET",
        "name": table.name,
        "auth": "service",
        "url": f"${{BASE_URL}}/rest/v1/{table.name}?{'&'.join(query)}",
        "checks": [
            {"name": f"{table.name} status 200", "status": 200},
            {"name": f"{table.name} has body", "body_not_empty": True},
        ],
    }


def _count(table: TableInfo) -> dict[str, Any]:
    return {
        "method": "GET",
        "name": f"{table.name}_count",
        "auth": "service",
        "url": f"${{BASE_URL}}/rest/v1/{table.name}?select=count",
        "checks": [{"name": f"{table.name} count status 200", "status": 200}],
    }


def scaffold(
    tables: Sequence[TableInfo],
    *,
    url: str,
    realtime: str | None = None,
    vus: int = 10,
    duration: str = "1m",
) -> Preset:
    """A dashboard-style preset over `tables`: a parallel read, a view pause, a count refresh, a pause."""
    names = ", ".join(t.name for t in tables)
    preset = Preset(
        name="dashboard-init",
        description=f"Dashboard over {names}: {vus} viewers for {duration}; initial load, view 5 s, refresh",
        source=url,
        header=[
            f"Written by `dashtui init` from the PostgREST description of {url}.",
            "Keys stay references: auth = 'service' sends SUPABASE_SERVICE_ROLE_KEY at run time.",
        ],
    )
    preset.vars = {"BASE_URL": f"${{SUPABASE_URL:-{url}}}"}
    preset.scenarios = {"viewers": {"executor": "constant-vus", "vus": vus, "duration": duration}}
    preset.metrics = {
        "dashboard_errors": "rate",
        "initial_load_duration": "trend",
        "refresh_duration": "trend",
        "api_calls": "counter",
    }
    preset.thresholds = {
        "http_req_failed": ["rate<0.01"],
        "http_req_duration": ["p(95)<2000"],
        "initial_load_duration": ["p(95)<3000"],
        "refresh_duration": ["p(95)<1000"],
        "dashboard_errors": ["rate<0.01"],
    }
    steps: list[dict[str, Any]] = [
        {
            "group": "initial_load",
            "duration_trend": "initial_load_duration",
            "checks": [{"name": "initial load under 3s", "below": 3000}],
            "steps": [
                {
                    "error_rate": {"metric": "dashboard_errors", "responses": "all"},
                    "count_requests": "api_calls",
                    "batch": [_read(t) for t in tables],
                }
            ],
        },
        {"sleep": 5},
    ]
    if realtime is not None:
        preset.thresholds["realtime_subscriptions"] = ["rate>0.99"]
        preset.thresholds["realtime_subscribe_duration"] = ["p(95)<1000"]
        steps.append(
            {
                "realtime": {
                    "channel": "dashboard",
                    "hold": "vu",
                    "auth": "service",
                    "changes": [{"event": "*", "schema": "public", "table": realtime}],
                }
            }
        )
    steps.append(
        {
            "group": "refresh",
            "duration_trend": "refresh_duration",
            "checks": [{"name": "refresh under 1s", "below": 1000}],
            "steps": [
                {
                    "error_rate": {"metric": "dashboard_errors", "responses": "all"},
                    "count_requests": "api_calls",
                    "batch": [_count(t) for t in tables],
                }
            ],
        }
    )
    steps.append({"sleep": [2, 5]})
    preset.flows = {"default": steps}
    return preset
