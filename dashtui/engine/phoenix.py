"""Supabase Realtime's Phoenix frames (vsn 1.0.0, JSON objects): the URL, joins, heartbeats, parsing."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = [
    "Frame",
    "FrameError",
    "VSN",
    "change_config",
    "commit_time",
    "decode",
    "encode",
    "join_payload",
    "reply_status",
    "subscribed_status",
    "topic_for",
    "websocket_url",
]

VSN = "1.0.0"
"""The JSON-object serializer; 2.0.0 sends arrays (supabase/realtime `socket/v2_serializer.ex`)."""

_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


class FrameError(ValueError):
    """A frame that is not a Phoenix message: not JSON, not an object, or without topic and event."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One Phoenix message; `ref` answers a client push, `join_ref` names the channel join it belongs to."""

    topic: str
    event: str
    payload: Mapping[str, Any]
    ref: str | None = None
    join_ref: str | None = None


def websocket_url(base_url: str, apikey: str) -> str:
    """`${SUPABASE_URL}/realtime/v1/websocket?apikey=…&vsn=1.0.0`, with http(s) turned into ws(s).

    A path in the base URL (a gateway prefix) is kept. Raises ValueError for a URL that is not http(s)/ws(s).
    """
    parts = urlsplit(base_url.strip())
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        shown = f"{parts.scheme}://{parts.netloc}" if parts.scheme else "a URL without a scheme"
        raise ValueError(
            f"Realtime needs an http(s) or ws(s) base URL such as https://<ref>.supabase.co, got {shown}"
        )
    path = parts.path.rstrip("/") + "/realtime/v1/websocket"
    query = f"apikey={quote(apikey, safe='')}&vsn={VSN}" if apikey else f"vsn={VSN}"
    return urlunsplit((scheme, parts.netloc, path, query, ""))


def topic_for(channel: str) -> str:
    return f"realtime:{channel}"


def encode(
    topic: str, event: str, payload: Mapping[str, Any], ref: str | None, join_ref: str | None = None
) -> str:
    return json.dumps(
        {"topic": topic, "event": event, "payload": dict(payload), "ref": ref, "join_ref": join_ref},
        separators=(",", ":"),
    )


def change_config(event: str, schema: str, table: str, filter: str | None) -> dict[str, str]:
    """One entry of `postgres_changes` (supabase/realtime `channels/payloads/postgres_change.ex`)."""
    config = {"event": event, "schema": schema, "table": table}
    if filter:
        config["filter"] = filter
    return config


def join_payload(changes: Iterable[Mapping[str, str]], access_token: str | None) -> dict[str, Any]:
    """The phx_join payload supabase-js sends for a postgres_changes-only channel."""
    payload: dict[str, Any] = {
        "config": {
            "broadcast": {"ack": False, "self": False},
            "presence": {"key": "", "enabled": False},
            "private": False,
            "postgres_changes": [dict(c) for c in changes],
        }
    }
    if access_token:
        payload["access_token"] = access_token
    return payload


def _ref(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return str(value)
    raise FrameError(f"ref is {type(value).__name__}, expected a string or null")


def decode(raw: str | bytes) -> Frame:
    """Parse one text frame. Raises FrameError for anything that is not a vsn 1.0.0 message."""
    if isinstance(raw, bytes):
        raise FrameError(f"binary frame of {len(raw)} bytes; vsn {VSN} frames are JSON text")
    try:
        data = json.loads(raw)
    except ValueError:
        raise FrameError(f"not JSON: {raw[:40]!r}") from None
    if not isinstance(data, dict):
        raise FrameError(f"a JSON {type(data).__name__}, expected an object")
    topic, event, payload = data.get("topic"), data.get("event"), data.get("payload", {})
    if not isinstance(topic, str) or not isinstance(event, str):
        raise FrameError("no string topic and event")
    if payload is None:
        payload = {}
    if not isinstance(payload, dict):
        raise FrameError(f"payload is a JSON {type(payload).__name__}, expected an object")
    return Frame(topic, event, payload, _ref(data.get("ref")), _ref(data.get("join_ref")))


def reply_status(frame: Frame) -> tuple[bool, str]:
    """(ok, reason) of a phx_reply; reason is the server's text for an error reply."""
    status = frame.payload.get("status")
    if status == "ok":
        return True, ""
    response = frame.payload.get("response")
    reason = response.get("reason") if isinstance(response, dict) else None
    return False, str(reason if reason is not None else f"status {status!r}")


def subscribed_status(frame: Frame) -> bool | None:
    """For a `system` push about postgres_changes: True for "Subscribed", False for an error, else None."""
    if frame.event != "system" or frame.payload.get("extension") != "postgres_changes":
        return None
    return frame.payload.get("status") == "ok"


def commit_time(data: Mapping[str, Any]) -> float | None:
    """A change's `commit_timestamp` (ISO 8601, e.g. `2024-05-01T10:00:00.123Z`) as Unix seconds, or None."""
    stamp = data.get("commit_timestamp")
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
