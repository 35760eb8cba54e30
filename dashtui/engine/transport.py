"""The fast HTTP/1.1 path: an httpx transport on aiohttp, stamping k6's phases at connector and socket."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ssl
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
from aiohttp.client_proto import ResponseHandler

from .phases import PHASES, WIRE, PhaseMarks, Wire

__all__ = ["PHASES", "WIRE", "AiohttpTransport", "PhaseMarks", "Wire"]

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_CURRENT: contextvars.ContextVar[PhaseMarks | None] = contextvars.ContextVar("dashtui_phases", default=None)


class _TimedHandler(ResponseHandler):
    """aiohttp's protocol, stamping the request it serves: TCP connected, request written, bytes read."""

    def __init__(self, loop: asyncio.AbstractEventLoop, now: Callable[[], float]) -> None:
        super().__init__(loop)
        self.now = now
        self.marks = _CURRENT.get()
        if self.marks is not None:
            self.marks.connect_end = now()

    def start_timeout(self) -> None:
        if self.marks is not None:
            self.marks.send_end = self.now()
        super().start_timeout()

    def data_received(self, data: bytes) -> None:
        marks = self.marks
        if marks is not None and data:
            marks.received += len(data)
            marks.body_end = self.now()
            if not marks.first_byte:
                marks.first_byte = marks.body_end
        super().data_received(data)


class _TimedConnector(aiohttp.TCPConnector):
    """A connector that times TCP connect and TLS handshake apart, and binds each connection to its request.

    The protocol is created once the socket is connected and before the TLS handshake starts, so its
    creation separates the two.
    """

    def __init__(self, *, now: Callable[[], float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._now = now
        self._factory = functools.partial(_TimedHandler, loop=self._loop, now=now)  # type: ignore[assignment]

    async def connect(self, req: Any, traces: Any, timeout: Any) -> Any:
        marks = _CURRENT.get()
        if marks is not None:
            marks.reused = True
            marks.send_end = marks.first_byte = marks.body_end = 0.0
            marks.received = 0
        connection = await super().connect(req, traces, timeout)
        if marks is not None:
            marks.got_conn = self._now()
            protocol = connection.protocol
            if isinstance(protocol, _TimedHandler):
                protocol.marks = marks
        return connection

    async def _wrap_create_connection(self, *args: Any, **kwargs: Any) -> Any:
        marks = _CURRENT.get()
        if marks is None:
            return await super()._wrap_create_connection(*args, **kwargs)
        marks.reused = False
        marks.connect_start = self._now()
        result = await super()._wrap_create_connection(*args, **kwargs)
        if kwargs.get("ssl"):
            marks.tls_start = marks.connect_end or marks.connect_start
            marks.tls_end = self._now()
        elif not marks.connect_end:
            marks.connect_end = self._now()
        return result


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An httpx transport on one aiohttp session: a VU's connections, kept as k6's VU transport keeps them.

    Up to `per_host` connections per host (0: no limit), no client-side idle expiry (only the server or
    `force_close` ends a connection), redirects followed, and an idempotent request whose reused connection
    the server closed before any response byte retried once on a new connection. The response body is read
    whole; phases go into the request's `PhaseMarks` (extension `dashtui.phases`).
    """

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        now: Callable[[], float],
        per_host: int = 6,
        force_close: bool = False,
        max_redirects: int = 10,
    ) -> None:
        self._ssl = ssl_context
        self._now = now
        self._per_host = max(0, per_host)
        self._force_close = force_close
        self._max_redirects = max_redirects
        self._session: aiohttp.ClientSession | None = None

    def _new_session(self) -> aiohttp.ClientSession:
        connector = _TimedConnector(
            now=self._now,
            ssl=self._ssl,
            limit=0,
            limit_per_host=self._per_host,
            force_close=self._force_close,
            keepalive_timeout=None,
            ttl_dns_cache=300,
            enable_cleanup_closed=False,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=None),
        )
        session._retry_connection = False  # the retry is ours: only on a reused connection, as Go's
        return session

    @property
    def idle_connections(self) -> int:
        """Connections kept open for reuse (all hosts)."""
        if self._session is None or self._session.closed:
            return 0
        connector = self._session.connector
        pool = getattr(connector, "_conns", {})
        return sum(1 for conns in pool.values() for proto, _ in conns if proto.is_connected())

    @property
    def expiry_scheduled(self) -> bool:
        """Whether aiohttp has a timer that would close idle connections (never, as in k6's VU transport)."""
        if self._session is None or self._session.closed:
            return False
        return getattr(self._session.connector, "_cleanup_handle", None) is not None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = self._new_session()
        marks = request.extensions.get(PHASES)
        if not isinstance(marks, PhaseMarks):
            marks = PhaseMarks()
        if not marks.start:
            marks.start = self._now()
        wire = request.extensions.get(WIRE)
        if not isinstance(wire, Wire):
            wire = Wire(request, request.extensions.get("timeout"))
        content = request.content or None
        token = _CURRENT.set(marks)
        try:
            while True:
                marks.attempts += 1
                try:
                    async with self._session.request(
                        request.method,
                        wire.url,
                        headers=wire.headers,
                        data=content,
                        allow_redirects=self._max_redirects > 0,
                        max_redirects=max(1, self._max_redirects),
                        timeout=wire.timeout,
                    ) as response:
                        body = await response.read()
                    break
                except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                    if isinstance(exc, aiohttp.ClientConnectorError) or not self._retryable(request, marks):
                        raise
                    marks.new_attempt()
        finally:
            _CURRENT.reset(token)
        version = response.version
        http_version = f"HTTP/{version.major}.{version.minor}" if version is not None else "HTTP/1.1"
        result = httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=httpx.ByteStream(body),
            request=request,
            extensions={
                "http_version": http_version.encode("ascii"),
                "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
                PHASES: marks,
            },
        )
        if "Content-Encoding" not in response.headers:
            result._content = body  # already what a read gives: spares httpx's decoder chain (~50 µs)
        return result

    @staticmethod
    def _retryable(request: httpx.Request, marks: PhaseMarks) -> bool:
        return marks.attempts == 1 and marks.reused and not marks.first_byte and request.method in _IDEMPOTENT

    async def close_connections(self) -> None:
        """Close every connection; the next request opens new ones (k6's noVUConnectionReuse)."""
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def aclose(self) -> None:
        await self.close_connections()
