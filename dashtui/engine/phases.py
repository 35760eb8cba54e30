"""What a request carries to dashtui's transport and back: its phase stamps and its prebuilt aiohttp form.

Kept apart from `transport.py` so that the request path's callers (and a coordinator that runs no VU) do
not import aiohttp until a request is built for it.
"""

from __future__ import annotations

import httpx
from multidict import CIMultiDict, CIMultiDictProxy

__all__ = ["PHASES", "WIRE", "PhaseMarks", "Wire"]

PHASES = "dashtui.phases"
"""The `httpx.Request.extensions` key a caller puts a `PhaseMarks` under to get the request's phases."""

WIRE = "dashtui.wire"
"""The `httpx.Request.extensions` key of the request's `Wire`, when the caller built one for it."""


class PhaseMarks:
    """Clock readings of one request's life (0.0 = did not happen), stamped by the transport.

    `body_end` is the last socket read of the response; `resumed` when the caller's coroutine saw the body;
    `received` the bytes read from the socket (head and body, as on the wire); `reused` whether the
    connection came from the pool.
    """

    __slots__ = (
        "start",
        "connect_start",
        "connect_end",
        "tls_start",
        "tls_end",
        "got_conn",
        "send_end",
        "first_byte",
        "body_end",
        "resumed",
        "reused",
        "attempts",
        "received",
    )

    def __init__(self) -> None:
        self.start = 0.0
        self.resumed = 0.0
        self.attempts = 0
        self.new_attempt()

    def new_attempt(self) -> None:
        """Forget a failed attempt's stamps: the retry is measured on its own connection."""
        self.connect_start = self.connect_end = self.tls_start = self.tls_end = 0.0
        self.got_conn = self.send_end = self.first_byte = self.body_end = 0.0
        self.reused = False
        self.received = 0


class Wire:
    """A request as aiohttp takes it: URL text, headers and timeout, built once for a request sent many times.

    Made from an `httpx.Request` it must describe exactly (same URL, headers and timeout).
    """

    __slots__ = ("headers", "timeout", "url")

    def __init__(self, request: httpx.Request, timeouts: dict[str, float] | None = None) -> None:
        timeouts = timeouts or {}
        self.url = str(request.url)
        from aiohttp import ClientTimeout  # loaded with the first request built for it, not with the CLI

        self.headers = CIMultiDictProxy(CIMultiDict(request.headers.multi_items()))
        self.timeout = ClientTimeout(total=timeouts.get("read") or timeouts.get("pool"))
