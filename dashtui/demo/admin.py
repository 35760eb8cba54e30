"""`/admin/v1/...`: read and change faults, read and reset counters, steer the box office.

Only the service-role key may use it (in `apikey` or `Authorization: Bearer`). Routes:

    GET    /admin/v1/faults          the current faults
    PUT    /admin/v1/faults          change some faults (a JSON object of keys to values); PATCH is the same
    DELETE /admin/v1/faults          back to no faults
    GET    /admin/v1/stats           what the stand-in served
    POST   /admin/v1/stats/reset     return the counters and start again from zero
    GET    /admin/v1/box-office      {"rate": rows per second}
    PUT    /admin/v1/box-office      {"rate": R}
    GET    /admin/v1/info            test event id, seed, scale and row counts
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Protocol

from .asgi import BodyTooLarge, Receive, Scope, Send, gateway_error, header_map, read_body, respond_json
from .faults import FaultError, Faults
from .keys import Keys

__all__ = ["AdminService", "AdminTarget"]

_MAX_BODY = 64 * 1024


class AdminTarget(Protocol):
    """What the admin API steers (the stand-in app)."""

    keys: Keys

    def current_faults(self) -> Faults: ...

    def apply_faults(self, faults: Faults) -> None: ...

    def stats_snapshot(self) -> dict[str, Any]: ...

    def reset_stats(self) -> dict[str, Any]: ...

    def box_office_rate(self) -> float: ...

    def set_box_office_rate(self, rate: float) -> None: ...

    def info(self) -> dict[str, Any]: ...


def _problem(status: int, code: str, message: str, hint: str | None = None) -> tuple[int, dict[str, Any]]:
    return status, {"code": code, "details": None, "hint": hint, "message": message}


class AdminService:
    def __init__(self, target: AdminTarget) -> None:
        self.target = target

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        status, payload = await self._answer(scope, receive)
        await respond_json(send, status, payload)

    def _denied(self, headers: dict[str, str], scope: Scope) -> tuple[int, dict[str, Any]] | None:
        keys = self.target.keys
        query = scope.get("query_string", b"").decode("latin-1")
        apikey = headers.get("apikey")
        if apikey is None:
            for part in query.split("&"):
                name, _, value = part.partition("=")
                if name == "apikey":
                    apikey = value
        bearer = headers.get("authorization", "").partition(" ")[2].strip() or None
        offered = [k for k in (apikey, bearer) if k]
        if not offered:
            return gateway_error("missing")
        if all(keys.role_of(k) is None for k in offered):
            return gateway_error("invalid")
        if not any(keys.role_of(k) == "service_role" for k in offered):
            return _problem(403, "42501", "permission denied for the admin API", "Use the service_role key.")
        return None

    async def _answer(self, scope: Scope, receive: Receive) -> tuple[int, Any]:
        headers = header_map(scope)
        denied = self._denied(headers, scope)
        if denied is not None:
            return denied
        route = scope["path"][len("/admin/v1/") :].rstrip("/")
        method = scope["method"]
        target = self.target
        handlers: dict[tuple[str, str], Callable[[], Any]] = {
            ("faults", "GET"): lambda: target.current_faults().to_dict(),
            ("faults", "DELETE"): lambda: self._set_faults(Faults()),
            ("stats", "GET"): target.stats_snapshot,
            ("stats/reset", "POST"): target.reset_stats,
            ("box-office", "GET"): lambda: {"rate": target.box_office_rate()},
            ("info", "GET"): target.info,
        }
        if (route, method) in handlers:
            return 200, handlers[route, method]()
        if route in ("faults", "box-office") and method in ("PUT", "PATCH"):
            try:
                body = await read_body(receive, _MAX_BODY)
                changes = json.loads(body)
            except BodyTooLarge:
                return _problem(413, "PGRST102", "Request body too large")
            except (ValueError, UnicodeDecodeError):
                return _problem(400, "PGRST102", "Empty or invalid json")
            if not isinstance(changes, dict):
                return _problem(400, "PGRST102", "Expected a JSON object")
            if route == "box-office":
                return self._set_rate(changes)
            try:
                faults = target.current_faults().updated(changes)
            except FaultError as exc:
                return _problem(400, "22023", str(exc))
            return 200, self._set_faults(faults)
        known = {"faults", "stats", "stats/reset", "box-office", "info"}
        if route in known:
            return _problem(405, "PGRST117", f"Unsupported HTTP method: {method}")
        return gateway_error("route")

    def _set_faults(self, faults: Faults) -> dict[str, Any]:
        self.target.apply_faults(faults)
        return faults.to_dict()

    def _set_rate(self, changes: dict[str, Any]) -> tuple[int, Any]:
        rate = changes.get("rate")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 1000:
            return _problem(400, "22023", f"rate: {rate!r} is not rows per second from 0 to 1000")
        self.target.set_box_office_rate(float(rate))
        return 200, {"rate": float(rate)}
