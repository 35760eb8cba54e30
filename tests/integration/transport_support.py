"""Servers on 127.0.0.1 for the transport tests: a scriptable HTTP/1.1 server and hypercorn (h2), each on its
own thread and event loop, so the client's loop can be blocked without stalling them."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import trustme

BODY = b'[{"id":1,"title":"ok"}]'


@dataclass
class Script:
    """How the raw server answers: delays, and which requests it drops (closes without a byte)."""

    head_delay: float = 0.0
    body_delay: float = 0.0
    body: bytes = BODY
    headers: bytes = b""
    """Extra response header lines, each ending in CRLF."""
    drop: set[tuple[int, int]] = field(default_factory=set)
    """(connection number, request number on it), both from 1."""
    connections: int = 0
    requests: int = 0
    peers: list[tuple[str, int]] = field(default_factory=list)
    connection_headers: list[bytes] = field(default_factory=list)
    together: int = 0
    """Hold answers until this many requests wait, then answer them all at once (0: answer each at once)."""
    _waiting: int = 0
    _release: asyncio.Event | None = None

    async def hold(self) -> None:
        if self.together <= 1:
            return
        if self._release is None:
            self._release = asyncio.Event()
        self._waiting += 1
        if self._waiting >= self.together:
            self._release.set()
        await self._release.wait()


class _Thread:
    """An event loop on a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Awaitable[Any], timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)  # type: ignore[arg-type]

    def stop(self) -> None:
        async def cancel_rest() -> None:
            current = asyncio.current_task()
            rest = [t for t in asyncio.all_tasks() if t is not current]
            for task in rest:
                task.cancel()
            await asyncio.gather(*rest, return_exceptions=True)

        self.run(cancel_rest())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


async def _serve_connection(
    script: Script, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    script.connections += 1
    number = script.connections
    script.peers.append(writer.get_extra_info("peername"))
    on_connection = 0
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
                if line.lower().startswith(b"connection:"):
                    script.connection_headers.append(line.split(b":", 1)[1].strip())
            if length:
                await reader.readexactly(length)
            script.requests += 1
            on_connection += 1
            if (number, on_connection) in script.drop:
                writer.transport.abort()
                return
            await script.hold()
            await asyncio.sleep(script.head_delay)
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                + script.headers
                + f"Content-Length: {len(script.body)}\r\n\r\n".encode()
            )
            if script.body_delay:
                await writer.drain()
                await asyncio.sleep(script.body_delay)
            writer.write(script.body)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


@contextmanager
def raw_server(script: Script, tls: ssl.SSLContext | None = None) -> Iterator[str]:
    """Serve `script` on 127.0.0.1; yields the base URL (http:// or https://)."""
    thread = _Thread()

    async def start() -> asyncio.Server:
        return await asyncio.start_server(
            lambda r, w: _serve_connection(script, r, w), "127.0.0.1", 0, ssl=tls
        )

    server: asyncio.Server = thread.run(start())
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:

        async def close() -> None:
            server.close()

        thread.run(close())
        thread.stop()


@dataclass
class Certificates:
    """A throwaway CA and a certificate for 127.0.0.1 (trustme)."""

    ca: trustme.CA
    server: ssl.SSLContext

    def client(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        return context


def certificates(*names: str) -> Certificates:
    ca = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*(names or ("127.0.0.1",))).configure_cert(server)
    return Certificates(ca, server)


ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


def delayed_app(delay: float) -> ASGIApp:
    """An ASGI app that answers every request with BODY after `delay` seconds."""

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await asyncio.sleep(delay)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": BODY})

    return app


@contextmanager
def hypercorn_server(app: ASGIApp, certs: Certificates) -> Iterator[str]:
    """hypercorn on 127.0.0.1 over TLS, offering h2 and http/1.1 by ALPN; yields the https base URL."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    leaf = certs.ca.issue_cert("127.0.0.1")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    with leaf.cert_chain_pems[0].tempfile() as cert_path, leaf.private_key_pem.tempfile() as key_path:
        config = Config()
        config.bind = [f"fd://{listener.detach()}"]
        config.certfile = cert_path
        config.keyfile = key_path
        config.accesslog = None
        config.errorlog = None
        thread = _Thread()
        stop = threading.Event()

        async def run() -> None:
            async def stopped() -> None:
                while not stop.is_set():
                    await asyncio.sleep(0.02)

            await serve(app, config, shutdown_trigger=stopped, mode="asgi")  # type: ignore[arg-type]

        future = asyncio.run_coroutine_threadsafe(run(), thread.loop)
        try:
            yield f"https://127.0.0.1:{port}"
        finally:
            stop.set()
            future.result(10)
            thread.stop()
