"""`StandIn`: the stand-in served by uvicorn on its own thread and event loop, started and stopped from code.

A synchronous caller (the headless CLI, a test) starts it, reads `url` and the keys, runs a load test
against it in its own thread, then stops it. The server owns its SQLite connection and loop; calls that
touch its state (`stats`, `set_faults`, ...) are run on that loop.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import anyio
import uvicorn

from ..clock import Clock
from .app import StandInApp, create_app
from .config import StandInConfig
from .faults import Faults
from .timeouts import DEFAULT_READ_TIMEOUT, timed_protocol

__all__ = ["StandIn", "bind_socket", "quiet_uvicorn", "uvicorn_config"]

T = TypeVar("T")


class _DropInjectedResets(logging.Filter):
    """uvicorn logs an error when a response is cut short; the reset fault does that on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "returned without completing response" not in record.getMessage()


_FILTER = _DropInjectedResets()


def quiet_uvicorn() -> None:
    logger = logging.getLogger("uvicorn.error")
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket, so the port is known (and accepting) before the server loop starts.

    The protocol is given explicitly: asyncio only turns Nagle off (TCP_NODELAY) on sockets whose
    `proto` is IPPROTO_TCP, and without it every small keep-alive response waits ~40 ms for an ACK.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    return sock


KEEP_ALIVE_SECONDS = 75
"""nginx's default keepalive_timeout. uvicorn's own 5 s equals the seed's view time and races the client."""


def uvicorn_config(app: StandInApp, *, read_timeout: float = DEFAULT_READ_TIMEOUT) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="on",
        ws="websockets-sansio",
        ws_max_size=1 << 20,
        http=timed_protocol(read_timeout),
        timeout_graceful_shutdown=3,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


class StandIn:
    """The embedded Supabase stand-in, served in a background thread.

    >>> with StandIn(StandInConfig(scale="small")) as standin:
    ...     standin.url  # doctest: +SKIP
    'http://127.0.0.1:41235'
    """

    def __init__(self, config: StandInConfig | None = None, *, clock: Clock | None = None) -> None:
        self.config = config or StandInConfig()
        self.clock = clock
        self._app: StandInApp | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None
        self._failure: BaseException | None = None

    # --- lifecycle ---------------------------------------------------------------------------------

    def start(self, timeout: float = 15.0) -> StandIn:
        """Seed (or open) the database, bind the port and serve; returns once requests are answered."""
        if self._thread is not None:
            raise RuntimeError("this stand-in is already started")
        quiet_uvicorn()
        app = create_app(self.config, clock=self.clock)
        try:
            sock = bind_socket(self.config.host, self.config.port)
        except OSError:
            app.close()
            raise
        self._port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn_config(app, read_timeout=self.config.read_timeout))
        self._app, self._server = app, server

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # reported to the starting thread
                self._failure = exc

        self._thread = threading.Thread(target=serve, name="dashtui-stand-in", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the stand-in did not start: {self._failure or 'timed out'}")
            time.sleep(0.005)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving (open WebSockets are closed) and release the database. Safe to call twice."""
        server, thread, app = self._server, self._thread, self._app
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout)
        if app is not None:
            app.close()
        self._server = self._thread = self._app = None

    def __enter__(self) -> StandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> StandIn:
        return await anyio.to_thread.run_sync(self.start)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await anyio.to_thread.run_sync(self.stop)

    # --- what a client needs -------------------------------------------------------------------------

    @property
    def app(self) -> StandInApp:
        if self._app is None:
            raise RuntimeError("the stand-in is not running; call start() first")
        return self._app

    @property
    def port(self) -> int:
        if self._port is None or self._app is None:
            raise RuntimeError("the stand-in is not running; call start() first")
        return self._port

    @property
    def url(self) -> str:
        host = self.config.host
        return f"http://[{host}]:{self.port}" if ":" in host else f"http://{host}:{self.port}"

    @property
    def realtime_url(self) -> str:
        return self.url.replace("http://", "ws://", 1) + "/realtime/v1"

    @property
    def anon_key(self) -> str:
        return self.app.keys.anon

    @property
    def service_role_key(self) -> str:
        return self.app.keys.service_role

    @property
    def test_event_id(self) -> str:
        return self.app.test_event_id

    # --- steering (runs on the server's loop) ------------------------------------------------------

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        app = self.app
        loop = app.loop
        if loop is None or self._thread is None or not self._thread.is_alive():
            return fn(*args)

        async def run() -> T:
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(run(), loop).result(timeout=10)

    def stats(self) -> dict[str, Any]:
        """What the stand-in served: requests per table and status, injected faults, Realtime traffic."""
        return self._call(self.app.stats_snapshot)

    def reset_stats(self) -> dict[str, Any]:
        """Zero the counters; returns them as they were."""
        return self._call(self.app.reset_stats)

    def faults(self) -> Faults:
        return self._call(self.app.current_faults)

    def set_faults(self, faults: Faults | None = None, **changes: object) -> Faults:
        """Replace the faults (`faults`) and/or change some (`latency="uniform(5,15)"`, `error_rate=0.1`).

        The fault RNG restarts from the seed, so the same requests then get the same faults.
        """
        base = faults if faults is not None else self.faults()
        updated = base.updated(changes) if changes else base
        self._call(self.app.apply_faults, updated)
        return updated

    def set_box_office_rate(self, rate: float) -> None:
        if not 0 <= rate <= 1000:
            raise ValueError(f"rate {rate} is not from 0 to 1000 rows per second")
        self._call(self.app.set_box_office_rate, rate)
