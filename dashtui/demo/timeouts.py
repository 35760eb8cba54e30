"""nginx's connection timers for the stand-in: idle connections expire, half-sent requests are dropped.

uvicorn arms its keep-alive timer only after a response, so a connection that never sends a byte, or sends
half a request and stops, stays open forever. This protocol is uvicorn's HTTP/1.1 one with two timers:
the keep-alive timer (uvicorn's `timeout_keep_alive`) also runs from the moment a connection opens, and a
read timer closes a connection whose request (headers and body) has not fully arrived within
`read_timeout` seconds of its first byte — nginx's client_header_timeout and client_body_timeout.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_READ_TIMEOUT", "timed_protocol"]

DEFAULT_READ_TIMEOUT = 30.0
"""Seconds a request may take to arrive whole; nginx's default for headers and for body reads is 60."""


class _TimedH11Protocol(H11Protocol):
    read_timeout = DEFAULT_READ_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.transport.is_closing():
            self._stop_reading_timer()
            return
        partial = self.conn.their_state is h11.SEND_BODY or (
            self.conn.their_state is h11.IDLE and bool(self.conn.trailing_data[0])
        )
        if not partial:
            self._stop_reading_timer()
        elif self._read_timer is None:
            self._read_timer = self.loop.call_later(self.read_timeout, self._read_timed_out)

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_reading_timer()
        super().connection_lost(exc)

    def _stop_reading_timer(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def timed_protocol(read_timeout: float = DEFAULT_READ_TIMEOUT) -> type[asyncio.Protocol]:
    """uvicorn's HTTP/1.1 protocol with the keep-alive timer from connect and a `read_timeout` per request."""
    return type("TimedH11Protocol", (_TimedH11Protocol,), {"read_timeout": read_timeout})
