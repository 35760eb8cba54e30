"""`GET /rest/v1/`: the Swagger 2.0 description PostgREST generates for its tables (service-role key only)."""

from __future__ import annotations

from typing import Any

from .schema import Column, Table

__all__ = ["openapi_document"]

_FORMATS = {
    "uuid": ("string", "uuid"),
    "text": ("string", "text"),
    "timestamptz": ("string", "timestamp with time zone"),
    "numeric": ("number", "numeric"),
    "integer": ("integer", "integer"),
}


def _property(column: Column) -> dict[str, Any]:
    kind, fmt = _FORMATS.get(column.type, ("string", column.type))
    prop: dict[str, Any] = {"format": fmt, "type": kind}
    notes = []
    if column.name == "id":
        notes.append("This is a Primary Key.<pk/>")
    if column.references:
        notes.append(
            f"This is a Foreign Key to `{column.references}.id`.<fk table='{column.references}' column='id'/>"
        )
    if notes:
        prop["description"] = "Note:\n" + "\n".join(notes)
    # expression defaults (gen_random_uuid(), now()) are not values of the column's format: left out
    if column.default is not None and column.default not in ("uuid", "now"):
        prop["default"] = (
            column.default
            if kind == "string"
            else int(column.default)
            if kind == "integer"
            else float(column.default)
        )
    return prop


def _definition(table: Table) -> dict[str, Any]:
    return {
        "required": [c.name for c in table.columns if not c.nullable],
        "properties": {c.name: _property(c) for c in table.columns},
        "type": "object",
    }


def _parameters(tables: dict[str, Table]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "preferParams": {
            "name": "Prefer",
            "description": "Preference",
            "required": False,
            "in": "header",
            "type": "string",
            "enum": ["params=single-object"],
        },
        "preferReturn": {
            "name": "Prefer",
            "description": "Preference",
            "required": False,
            "in": "header",
            "type": "string",
            "enum": ["return=representation", "return=minimal", "return=none"],
        },
        "preferCount": {
            "name": "Prefer",
            "description": "Preference",
            "required": False,
            "in": "header",
            "type": "string",
            "enum": ["count=none"],
        },
        "select": {
            "name": "select",
            "description": "Filtering Columns",
            "required": False,
            "in": "query",
            "type": "string",
        },
        "order": {
            "name": "order",
            "description": "Ordering",
            "required": False,
            "in": "query",
            "type": "string",
        },
        "range": {
            "name": "Range",
            "description": "Limiting and Pagination",
            "required": False,
            "in": "header",
            "type": "string",
        },
        "offset": {
            "name": "offset",
            "description": "Limiting and Pagination",
            "required": False,
            "in": "query",
            "type": "string",
        },
        "limit": {
            "name": "limit",
            "description": "Limiting and Pagination",
            "required": False,
            "in": "query",
            "type": "string",
        },
    }
    for table in tables.values():
        params[f"body.{table.name}"] = {
            "name": table.name,
            "description": table.name,
            "required": False,
            "in": "body",
            "schema": {"$ref": f"#/definitions/{table.name}"},
        }
        for column in table.columns:
            params[f"rowFilter.{table.name}.{column.name}"] = {
                "name": column.name,
                "required": False,
                "in": "query",
                "type": "string",
                "format": _FORMATS.get(column.type, ("string", column.type))[1],
            }
    return params


def _path(table: Table) -> dict[str, Any]:
    filters = [{"$ref": f"#/parameters/rowFilter.{table.name}.{c.name}"} for c in table.columns]
    ok = {"description": "OK", "schema": {"items": {"$ref": f"#/definitions/{table.name}"}, "type": "array"}}
    return {
        "get": {
            "tags": [table.name],
            "parameters": [
                *filters,
                {"$ref": "#/parameters/select"},
                {"$ref": "#/parameters/order"},
                {"$ref": "#/parameters/range"},
                {"$ref": "#/parameters/offset"},
                {"$ref": "#/parameters/limit"},
                {"$ref": "#/parameters/preferCount"},
            ],
            "responses": {"200": ok, "206": {"description": "Partial Content"}},
        },
        "post": {
            "tags": [table.name],
            "parameters": [
                {"$ref": f"#/parameters/body.{table.name}"},
                {"$ref": "#/parameters/select"},
                {"$ref": "#/parameters/preferReturn"},
            ],
            "responses": {"201": {"description": "Created"}},
        },
    }


def openapi_document(tables: dict[str, Table], host: str) -> dict[str, Any]:
    """The description of `tables` as PostgREST serves it at its root."""
    return {
        "swagger": "2.0",
        "info": {
            "description": "",
            "title": "standard public schema",
            "version": "12.2.0 (dashtui stand-in)",
        },
        "host": host,
        "basePath": "/",
        "schemes": ["http"],
        "consumes": ["application/json", "application/vnd.pgrst.object+json", "text/csv"],
        "produces": ["application/json", "application/vnd.pgrst.object+json", "text/csv"],
        "paths": {
            "/": {
                "get": {
                    "tags": ["Introspection"],
                    "summary": "OpenAPI description (this document)",
                    "produces": ["application/openapi+json", "application/json"],
                    "responses": {"200": {"description": "OK"}},
                }
            },
            **{f"/{name}": _path(table) for name, table in tables.items()},
        },
        "definitions": {name: _definition(table) for name, table in tables.items()},
        "parameters": _parameters(tables),
        "externalDocs": {
            "description": "PostgREST Documentation",
            "url": "https://postgrest.org/en/v12/api.html",
        },
    }
