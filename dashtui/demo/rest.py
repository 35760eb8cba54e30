"""`/rest/v1/<table>`: PostgREST's GET/HEAD/POST behaviour over the stand-in's SQLite tables.

Status and Content-Range follow PostgREST 12 (`RangeQuery.hs`): `Content-Range: lower-upper/total` with
`*` for an unknown total and `*/total` for an empty page; with `Prefer: count=exact` a partial page is 206
and an offset past the end is 416 PGRST103. Supabase's default `max-rows` (1000) caps every page.
"""

from __future__ import annotations

import asyncio
import difflib
import json
import logging
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..clock import Clock
from .asgi import JSON_TYPE, BodyTooLarge, Receive, Scope, Send, gateway_error, header_map, read_body, respond
from .cache import ResultCache
from .db import Database
from .errors import PostgrestError, range_not_satisfiable, too_complex
from .faults import Decision, Injector
from .grammar import parse_select
from .keys import JwtError, Keys, decode_jwt
from .openapi import openapi_document
from .plan import OutputColumn, ReadPlan, compile_read, resolve_select, split_query
from .schema import TABLES, Table
from .stats import ServerStats
from .values import SqlValue
from .writes import Row, parse_payload, prepare_rows

__all__ = ["RestService"]

log = logging.getLogger("dashtui.demo")

_RANGE = re.compile(r"^(\d+)-(\d*)$")
_BIGINT_MAX = 2**63 - 1
_OBJECT_TYPE = "application/vnd.pgrst.object+json"
_ARRAY_TYPES = ("application/json", "application/vnd.pgrst.array+json", "application/*", "*/*")
_ROLES = ("anon", "authenticated", "service_role")
_PLAN_CACHE_SIZE = 2048
_INJECTED_ERROR = PostgrestError(
    503,
    "PGRST001",
    "Database client error. Retrying the connection.",
    "injected by the dashtui stand-in (error_rate)",
)


@dataclass
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = b""
    head: bool = False
    table: str = "(unknown)"
    decision: Decision = field(default_factory=Decision)


def _error(err: PostgrestError, table: str = "(unknown)") -> _Answer:
    headers = [
        (b"content-type", JSON_TYPE),
        (b"proxy-status", f"PostgREST; error={err.code}".encode()),
        *err.headers,
    ]
    return _Answer(err.status, headers, err.body(), table=table)


class RestService:
    """Answers `/rest/v1/...` requests; inserts are handed to `on_insert` (Realtime's fan-out)."""

    def __init__(
        self,
        db: Database,
        keys: Keys,
        stats: ServerStats,
        injector: Injector,
        on_insert: Callable[[Table, list[Row]], None],
        *,
        clock: Clock,
        max_rows: int | None,
        max_body_bytes: int,
    ) -> None:
        self.clock = clock
        self.db = db
        self.keys = keys
        self.stats = stats
        self.injector = injector
        self.on_insert = on_insert
        self.max_rows = max_rows
        self.max_body_bytes = max_body_bytes
        self._plans: dict[tuple[str, str], ReadPlan | PostgrestError] = {}
        self._results = ResultCache()
        self._tokens: dict[str, tuple[float | None, str]] = {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one request. Cut short by the server's shutdown, it still ends without a traceback: a
        503 as PostgreSQL's admin shutdown (57P01) when nothing was sent yet, else the connection drops."""
        started = False

        async def tracked(message: MutableMapping[str, Any]) -> None:
            nonlocal started
            started = started or message.get("type") == "http.response.start"
            await send(message)

        try:
            await self._handle(scope, receive, tracked)
        except asyncio.CancelledError:
            if not started:
                await _send_shutdown(send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        arrived = self.clock.now()
        try:
            answer = await self._answer(scope, receive, arrived)
        except PostgrestError as exc:
            answer = _error(exc)
        except ConnectionError:  # the client left while sending its body: nobody to answer
            path = scope["path"][len("/rest/v1/") :]
            self.stats.record(path if path in TABLES else "(unknown)", "disconnected")
            return
        except Exception as exc:
            limit = too_complex(exc)
            if limit is None:
                log.exception("rest: unexpected error")
            answer = _error(limit or PostgrestError(500, "XX000", "internal error in the dashtui stand-in"))
        await self._send(send, answer)

    async def _send(self, send: Send, answer: _Answer) -> None:
        decision = answer.decision
        if decision.reset:
            self.stats.fault("reset")
            self.stats.record(answer.table, "reset")
            headers = [*answer.headers, (b"content-length", str(max(len(answer.body), 1)).encode())]
            await send({"type": "http.response.start", "status": answer.status, "headers": headers})
            return  # returning without the body makes the server drop the connection
        self.stats.record(answer.table, answer.status)
        if decision.slow_body and not answer.head and len(answer.body) > 1:
            self.stats.fault("slow_body")
            await self._send_slowly(send, answer)
            return
        await respond(send, answer.status, answer.headers, answer.body, head=answer.head)

    async def _send_slowly(self, send: Send, answer: _Answer) -> None:
        body = answer.body
        headers = [*answer.headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        step = -(-len(body) // 4)
        chunks = [body[i : i + step] for i in range(0, len(body), step)]
        pause = self.injector.faults.slow_body_ms / 1000.0 / max(1, len(chunks) - 1)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": not last})
            if not last:
                await self.clock.sleep(pause)

    # --- request -> answer ------------------------------------------------------------------------

    async def _answer(self, scope: Scope, receive: Receive, arrived: float) -> _Answer:
        headers = header_map(scope)
        raw_query = scope.get("query_string", b"").decode("latin-1")
        pairs = split_query(raw_query)
        path = scope["path"][len("/rest/v1/") :]
        table = TABLES.get(path)
        table_label = path if table is not None else "(unknown)"
        denied = self._check_gateway(headers, pairs)
        if denied is not None:
            denied.table = table_label
            return denied
        pairs = [(k, v) for k, v in pairs if k != "apikey"]
        self._check_token(headers)
        method = scope["method"]
        if path == "" and method in ("GET", "HEAD"):
            return self._openapi(headers, pairs, method == "HEAD")
        if method == "OPTIONS":
            return self._preflight(headers, table_label)
        profile = headers.get("content-profile" if method == "POST" else "accept-profile", "public")
        if profile != "public":
            raise PostgrestError(
                406,
                "PGRST106",
                f"Invalid schema: {profile}",
                hint="Only the following schemas are exposed: public",
            )
        if table is None:
            raise self._missing(path)
        decision = self.injector.decide(table.name)
        if decision.delay_ms > 0:
            due = arrived + decision.delay_ms / 1000.0
            remaining = due - self.clock.now()
            if remaining > 0:
                await asyncio.sleep(remaining)
            # what was applied, timer overshoot included: the figure a client's measurement must match
            applied = decision.delay_ms + max(0.0, self.clock.now() - due) * 1000.0
            self.stats.latency(decision.delay_ms, applied)
        if decision.error:
            self.stats.fault("error")
            answer = _error(_INJECTED_ERROR, table.name)
        else:
            try:
                if method in ("GET", "HEAD"):
                    answer = self._read(table, raw_query, pairs, headers, head=method == "HEAD")
                elif method == "POST":
                    answer = await self._insert(table, pairs, headers, receive)
                else:
                    raise PostgrestError(405, "PGRST117", f"Unsupported HTTP method: {method}")
            except PostgrestError as exc:
                answer = _error(exc, table.name)
        answer.table = table.name
        answer.decision = decision
        return answer

    def _check_gateway(self, headers: dict[str, str], pairs: list[tuple[str, str]]) -> _Answer | None:
        apikey = headers.get("apikey")
        if apikey is None:
            apikey = next((v for k, v in pairs if k == "apikey"), None)
        if apikey is None:
            kind = "missing"
        elif self.keys.role_of(apikey) is None:
            kind = "invalid"
        else:
            return None
        status, payload = gateway_error(kind)
        body = json.dumps(payload, separators=(",", ":")).encode()
        return _Answer(status, [(b"content-type", JSON_TYPE)], body)

    def _check_token(self, headers: dict[str, str]) -> None:
        auth = headers.get("authorization")
        if auth is None:
            return
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise PostgrestError(
                401, "PGRST301", "No suitable key or wrong key type", headers=_www_auth("invalid_token")
            )
        token = token.strip()
        known = self._tokens.get(token)
        wall = self.clock.wall()
        if known is not None and (known[0] is None or known[0] > wall):
            role = known[1]
        else:
            try:
                claims = decode_jwt(token, self.keys.secret, now=wall)
            except JwtError as exc:
                raise PostgrestError(401, exc.code, exc.message, headers=_www_auth(exc.message)) from None
            role = str(claims.get("role", "anon"))
            if len(self._tokens) >= 1024:
                self._tokens.clear()
            exp = claims.get("exp")
            self._tokens[token] = (float(exp) if exp is not None else None, role)
        if role not in _ROLES:
            raise PostgrestError(401, "22023", f'role "{role}" does not exist', headers=_www_auth(None))

    def _openapi(self, headers: dict[str, str], pairs: list[tuple[str, str]], head: bool) -> _Answer:
        """PostgREST's root: the OpenAPI description, to the service-role key only (as Supabase now does)."""
        apikey = headers.get("apikey") or next((v for k, v in pairs if k == "apikey"), "")
        if self.keys.role_of(apikey) != "service_role":
            raise PostgrestError(401, "PGRST301", "the schema description needs the service_role key")
        host = headers.get("host", "127.0.0.1")
        body = json.dumps(openapi_document(TABLES, host), separators=(",", ":")).encode()
        return _Answer(200, [(b"content-type", b"application/openapi+json; charset=utf-8")], body, head=head)

    def _preflight(self, headers: dict[str, str], table: str) -> _Answer:
        allow_headers = headers.get("access-control-request-headers", "*").encode()
        return _Answer(
            200,
            [
                (b"access-control-allow-methods", b"GET,HEAD,POST,OPTIONS"),
                (b"access-control-allow-headers", allow_headers),
                (b"access-control-max-age", b"86400"),
            ],
            table=table,
        )

    def _missing(self, path: str) -> PostgrestError:
        if path == "":
            return PostgrestError(404, "PGRST126", "Root endpoint metadata is disabled")
        if path.startswith("rpc/"):
            name = path[4:]
            return PostgrestError(
                404,
                "PGRST202",
                f"Could not find the function public.{name} without parameters in the schema cache",
                f"Searched for the function public.{name} without parameters, "
                "but no matches were found in the schema cache.",
            )
        if "/" in path:
            return PostgrestError(404, "PGRST125", "Invalid path specified in request URL")
        close = difflib.get_close_matches(path, list(TABLES), n=1, cutoff=0.75)
        hint = f"Perhaps you meant the table 'public.{close[0]}'" if close else None
        return PostgrestError(
            404, "PGRST205", f"Could not find the table 'public.{path}' in the schema cache", hint=hint
        )

    # --- GET / HEAD -------------------------------------------------------------------------------

    def _plan(self, table: Table, raw_query: str, pairs: list[tuple[str, str]]) -> ReadPlan:
        key = (table.name, raw_query)
        cached = self._plans.get(key)
        if cached is None:
            try:
                cached = compile_read(table, pairs)
            except PostgrestError as exc:
                cached = exc
            if len(self._plans) >= _PLAN_CACHE_SIZE:
                self._plans.clear()
            self._plans[key] = cached
        if isinstance(cached, PostgrestError):
            raise cached
        return cached

    def _read(
        self,
        table: Table,
        raw_query: str,
        pairs: list[tuple[str, str]],
        headers: dict[str, str],
        *,
        head: bool,
    ) -> _Answer:
        plan = self._plan(table, raw_query, pairs)
        singular = _wants_object(headers.get("accept"))
        prefer = _preferences(headers)
        counting = prefer.get("count") in ("exact", "planned", "estimated")
        lower, limit = self._range(plan, headers.get("range"))
        total = self._scalar(table, plan.count_sql, plan.params) if counting else None
        if total is not None and lower > total:
            raise range_not_satisfiable(
                f"An offset of {lower} was requested, but there are only {total} rows.", total
            )
        params = (*plan.params, limit, lower)
        if head and not singular:
            rows, body = self._scalar(table, plan.head_sql, params), "[]"
        else:
            row_params = (*plan.key_params, *params)
            cached = self._results.get(table.name, plan.rows_sql, row_params)
            if cached is None:
                cached = self.db.read_json(plan.rows_sql, row_params)
                self._results.put(table.name, plan.rows_sql, row_params, cached)
            rows, body = cached
        upper = lower + rows - 1
        content_type = JSON_TYPE
        if singular:
            if rows != 1:
                raise PostgrestError(
                    406,
                    "PGRST116",
                    "JSON object requested, multiple (or no) rows returned",
                    f"The result contains {rows} rows",
                )
            body = body[1:-1]
            content_type = b"application/vnd.pgrst.object+json; charset=utf-8"
        status = 206 if total is not None and rows < total else 200
        out_headers = [
            (b"content-type", content_type),
            (b"content-range", _content_range(lower, upper, total)),
        ]
        return _Answer(status, out_headers, b"" if head else body.encode(), head=head)

    def _scalar(self, table: Table, sql: str, params: tuple[SqlValue, ...]) -> int:
        cached = self._results.get(table.name, sql, params)
        if cached is None:
            cached = (self.db.scalar(sql, params), "")
            self._results.put(table.name, sql, params, cached)
        return cached[0]

    def rows_inserted(self, table: Table, rows: list[Row]) -> None:
        """After a commit: drop cached reads of the table, count the rows, fan them out."""
        self._results.invalidate(table.name)
        self.stats.inserted[table.name] += len(rows)
        self.on_insert(table, rows)

    def _range(self, plan: ReadPlan, range_header: str | None) -> tuple[int, int]:
        """(offset, SQL limit or -1) from limit/offset, the Range header and max-rows."""
        lower = plan.offset
        upper: int | None = None
        if plan.limit is not None:
            if plan.limit < 0:
                raise range_not_satisfiable("Limit should be greater than or equal to zero.")
            upper = lower + plan.limit - 1
        if range_header is not None:
            match = _RANGE.match(range_header.strip().removeprefix("items="))
            if match:
                h_lower = int(match.group(1))
                h_upper = int(match.group(2)) if match.group(2) else None
                if h_upper is not None and h_upper < h_lower:
                    raise range_not_satisfiable(
                        "The lower boundary must be lower than or equal to the upper boundary "
                        "in the Range header."
                    )
                lower = max(lower, h_lower)
                if h_upper is not None:
                    upper = h_upper if upper is None else min(upper, h_upper)
        if self.max_rows is not None:
            cap = lower + self.max_rows - 1
            upper = cap if upper is None else min(upper, cap)
        if lower > _BIGINT_MAX or (upper is not None and upper > _BIGINT_MAX):
            raise PostgrestError(400, "22003", "bigint out of range")
        if upper is None:
            return lower, -1
        return lower, max(0, upper - lower + 1)

    # --- POST -------------------------------------------------------------------------------------

    async def _insert(
        self, table: Table, pairs: list[tuple[str, str]], headers: dict[str, str], receive: Receive
    ) -> _Answer:
        media = headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if media not in ("application/json", ""):
            raise PostgrestError(415, "PGRST107", f"Content-Type not acceptable: {media}")
        try:
            body = await read_body(receive, self.max_body_bytes)
        except BodyTooLarge:
            raise PostgrestError(
                413,
                "PGRST102",
                "Request body too large",
                f"The dashtui stand-in accepts request bodies up to {self.max_body_bytes} bytes.",
            ) from None
        params = dict(pairs)
        prefer = _preferences(headers)
        if "on_conflict" in params or prefer.get("resolution"):
            raise PostgrestError(
                400,
                "PGRST127",
                "Feature not implemented",
                "Upserts are not supported by the dashtui stand-in.",
            )
        payload = parse_payload(body)
        columns = None
        if "columns" in params:
            columns = [c.strip().strip('"') for c in params["columns"].split(",") if c.strip()]
        rows = prepare_rows(
            self.db, table, payload, columns, now=datetime.fromtimestamp(self.clock.wall(), UTC)
        )
        returning = prefer.get("return", "minimal")
        outputs = None
        if returning == "representation":
            outputs, _ = resolve_select(table, parse_select(params.get("select", "*")))
        if rows:
            self.db.insert(table, [tuple(r[c] for c in table.column_names) for r in rows])
            self.rows_inserted(table, rows)
        total = str(len(rows)) if prefer.get("count") == "exact" else "*"
        out_headers = [(b"content-range", f"*/{total}".encode())]
        if returning == "headers-only" and len(rows) == 1:
            out_headers.append((b"location", f"/{table.name}?id=eq.{rows[0]['id']}".encode()))
        if outputs is None:
            return _Answer(201, out_headers)
        shaped = [_shape(row, outputs) for row in rows]
        if _wants_object(headers.get("accept")):
            if len(shaped) != 1:
                raise PostgrestError(
                    406,
                    "PGRST116",
                    "JSON object requested, multiple (or no) rows returned",
                    f"The result contains {len(shaped)} rows",
                )
            body_out = json.dumps(shaped[0], separators=(",", ":")).encode()
            out_headers.append((b"content-type", b"application/vnd.pgrst.object+json; charset=utf-8"))
        else:
            body_out = json.dumps(shaped, separators=(",", ":")).encode()
            out_headers.append((b"content-type", JSON_TYPE))
        return _Answer(201, out_headers, body_out)


def _shape(row: Row, outputs: list[OutputColumn]) -> dict[str, object]:
    """An inserted row as `select=` asks for it (Prefer: return=representation)."""
    shaped: dict[str, object] = {}
    for out in outputs:
        if out.column is None:
            continue
        value: object = row[out.column]
        if value is not None and out.cast == "TEXT":
            value = str(value)
        elif value is not None and out.cast == "INTEGER":
            value = int(float(str(value)))
        elif value is not None and out.cast == "REAL":
            value = float(str(value))
        shaped[out.key] = value
    return shaped


def _content_range(lower: int, upper: int, total: int | None) -> bytes:
    total_text = "*" if total is None else str(total)
    if total != 0 and lower <= upper:
        return f"{lower}-{upper}/{total_text}".encode()
    return f"*/{total_text}".encode()


def _preferences(headers: dict[str, str]) -> dict[str, str]:
    prefs: dict[str, str] = {}
    for part in headers.get("prefer", "").split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            prefs[key.strip().lower()] = value.strip().lower()
    return prefs


def _wants_object(accept: str | None) -> bool:
    if not accept:
        return False
    types = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if _OBJECT_TYPE in types and not any(t in _ARRAY_TYPES for t in types[: types.index(_OBJECT_TYPE)]):
        return True
    if not any(t in _ARRAY_TYPES or t == _OBJECT_TYPE for t in types):
        raise PostgrestError(406, "PGRST107", f"None of these media types are available: {', '.join(types)}")
    return False


def _www_auth(description: str | None) -> tuple[tuple[bytes, bytes], ...]:
    if description is None:
        return ((b"www-authenticate", b"Bearer"),)
    value = f'Bearer error="invalid_token", error_description="{description}"'
    return ((b"www-authenticate", value.encode()),)


async def _send_shutdown(send: Send) -> None:
    shutdown = PostgrestError(503, "57P01", "terminating connection due to administrator command")
    try:
        await respond(send, shutdown.status, [(b"content-type", JSON_TYPE)], shutdown.body())
    except (OSError, RuntimeError, asyncio.CancelledError):
        pass
