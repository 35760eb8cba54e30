"""Small ASGI helpers: headers, bounded body reading, responses, and Supabase gateway errors."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = [
    "BodyTooLarge",
    "JSON_TYPE",
    "Receive",
    "Scope",
    "Send",
    "gateway_error",
    "header_map",
    "read_body",
    "respond",
    "respond_json",
]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

JSON_TYPE = b"application/json; charset=utf-8"
_CORS = (b"access-control-allow-origin", b"*")


def header_map(scope: Scope) -> dict[str, str]:
    """Request headers, names lower-cased; repeated headers are joined with commas (as HTTP allows)."""
    out: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        out[name] = f"{out[name]},{value}" if name in out else value
    return out


class BodyTooLarge(Exception):
    """The request body passed the configured limit; the rest is not read."""


async def read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message.get("type") == "http.disconnect":
            raise ConnectionError("client disconnected while sending the body")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"", *, head: bool = False
) -> None:
    all_headers = [*headers, _CORS]
    if not head:
        all_headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def respond_json(
    send: Send, status: int, payload: object, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(payload, separators=(",", ":")).encode()
    await respond(send, status, [(b"content-type", JSON_TYPE), *(extra or [])], body)


def gateway_error(kind: str) -> tuple[int, dict[str, str]]:
    """What Supabase's API gateway (Kong) answers before a request reaches PostgREST or Realtime."""
    if kind == "missing":
        return 401, {
            "message": "No API key found in request",
            "hint": "No `apikey` request header or url param was found.",
        }
    if kind == "invalid":
        return 401, {
            "message": "Invalid API key",
            "hint": "Double check your Supabase `anon` or `service_role` API key.",
        }
    return 404, {"message": "no Route matched with those values"}
