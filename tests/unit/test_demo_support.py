"""Helpers for the stand-in's unit tests: an in-process app, requests through ASGITransport, raw rows."""

from __future__ import annotations

import json
from typing import Any

import httpx

from dashtui.demo import StandInApp, StandInConfig, create_app
from dashtui.demo.schema import TABLES

JSON_TYPE = "application/json; charset=utf-8"


def small_app(**config: Any) -> StandInApp:
    return create_app(StandInConfig(scale="small", **config))


def headers_for(app: StandInApp, role: str = "anon") -> dict[str, str]:
    key = app.keys.anon if role == "anon" else app.keys.service_role
    return {"apikey": key, "Authorization": f"Bearer {key}"}


async def call(
    app: StandInApp,
    method: str,
    path: str,
    *,
    role: str | None = "anon",
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Response:
    all_headers = headers_for(app, role) if role else {}
    all_headers.update(headers or {})
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://standin") as client:
        return await client.request(method, path, headers=all_headers, **kwargs)


def raw_rows(app: StandInApp, table: str) -> list[dict[str, Any]]:
    """Every row of `table` in storage order, read straight from SQLite (not through the REST code)."""
    names = TABLES[table].column_names
    cursor = app.db.conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    return [dict(zip(names, row, strict=True)) for row in cursor]


def error_body(
    code: str, message: str, details: str | None = None, hint: str | None = None
) -> dict[str, Any]:
    return {"code": code, "details": details, "hint": hint, "message": message}


def body(response: httpx.Response) -> Any:
    return json.loads(response.content)
