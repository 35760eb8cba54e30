"""A fast loopback target for benchmarks: a tiny ASGI app under uvicorn in its own process."""

from __future__ import annotations

import contextlib
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

BODY = b'[{"id":"7d0c2a52-7e55-4a3b-9d0e-3b8a4f1f7a10","status":"paid","total_amount":42.5}]'


async def app(scope: dict[str, object], receive: object, send: object) -> None:  # pragma: no cover
    """Answer every GET with the same small JSON body, as PostgREST would for a short list."""
    if scope["type"] != "http":
        return
    await send(  # type: ignore[operator]
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": BODY})  # type: ignore[operator]


def _raise_fd_limit() -> None:
    """Thousands of VUs hold thousands of connections: lift the soft limit to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_target(workers: int = 1) -> Iterator[str]:
    """Start the target on 127.0.0.1 in a subprocess; yields its base URL; stops it on exit."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "bench._target:app",
            "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log", "--workers", str(workers), "--backlog", "16384",
        ],
        preexec_fn=_raise_fd_limit,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
