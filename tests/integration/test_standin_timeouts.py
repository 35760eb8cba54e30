"""The stand-in's connection timers on real sockets: idle and half-sent connections are closed, not kept."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from dashtui.demo import StandIn, StandInConfig
from dashtui.demo import server as server_module

pytestmark = pytest.mark.integration

BOUND = 30.0
"""How long a test waits for the server to close a socket: a bound, not a measurement."""


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandIn]:
    real = server_module.uvicorn_config

    def short_keep_alive(app: Any, **kwargs: Any) -> uvicorn.Config:
        config = real(app, **kwargs)
        config.timeout_keep_alive = 0.3  # type: ignore[assignment]
        return config

    monkeypatch.setattr(server_module, "uvicorn_config", short_keep_alive)
    with StandIn(StandInConfig(scale="small", read_timeout=0.3)) as running:
        yield running


def _connect(standin: StandIn) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", standin.port), timeout=BOUND)
    sock.settimeout(BOUND)
    return sock


def _closed(sock: socket.socket) -> bool:
    """True once the server has closed the connection (read to its end)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


def test_a_connection_that_never_sends_is_closed_after_the_keep_alive(standin: StandIn) -> None:
    with _connect(standin) as sock:
        assert _closed(sock)


def test_half_sent_headers_are_dropped(standin: StandIn) -> None:
    with _connect(standin) as sock:
        sock.sendall(b"GET /rest/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert sock.recv(65536) == b"", "no answer to a request that never finished"


def test_a_half_sent_body_is_dropped(standin: StandIn) -> None:
    key = standin.service_role_key
    head = (
        "POST /rest/v1/scan_logs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"apikey: {key}\r\nAuthorization: Bearer {key}\r\nContent-Length: 100\r\n\r\n"
    )
    with _connect(standin) as sock:
        sock.sendall(head.encode() + b'{"ticket')
        assert sock.recv(65536) == b""


def test_a_whole_request_is_answered_then_the_idle_connection_closes(standin: StandIn) -> None:
    key = standin.anon_key
    request = (
        "GET /rest/v1/events?select=id&limit=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"apikey: {key}\r\nAuthorization: Bearer {key}\r\n\r\n"
    )
    with _connect(standin) as sock:
        sock.sendall(request.encode())
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 ")
        assert _closed(sock)
