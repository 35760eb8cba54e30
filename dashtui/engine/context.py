"""What every VU of a run shares: clock, sample sink, options, pause gate and prepared requests."""

from __future__ import annotations

import random
import ssl
import sysconfig
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ..clock import Clock
from ..metrics.aggregator import SampleSink
from ..metrics.snapshot import FailureRecord
from ..metrics.types import Sample
from ..secrets import redact
from .http import PreparedRequest
from .queueing import QueueingMeter

if TYPE_CHECKING:
    from .transport import AiohttpTransport
    from .vu import VU

__all__ = ["PauseGate", "RealtimeHook", "RunContext", "TransportFactory", "VUConnections"]

TransportFactory = Callable[[], httpx.AsyncBaseTransport]
RealtimeHook = Callable[["VU", Any], Any]
"""`(vu, realtime_spec) -> awaitable`: holds a Realtime subscription for a VU (the realtime package)."""


class PauseGate:
    """Lets VUs through while the run is not paused; a paused VU waits before its next step."""

    def __init__(self) -> None:
        self._open = anyio.Event()
        self._open.set()
        self.paused = False

    def pause(self) -> None:
        if not self.paused:
            self.paused = True
            self._open = anyio.Event()

    def resume(self) -> None:
        if self.paused:
            self.paused = False
            self._open.set()

    async def wait(self) -> None:
        if self.paused:
            await self._open.wait()


def shared_ssl_context() -> ssl.SSLContext:
    """One SSL context for every VU: creating one costs ~17 ms (DESIGN.md)."""
    return ssl.create_default_context()


class VUConnections:
    """A VU's HTTP clients: `client` for Python steps and HTTP/2, `direct` the fast path (or None).

    `client` is built on first use: a VU whose requests all take the direct path never needs one, and an
    `httpx.AsyncClient` with its mounts costs ~0.27 ms of CPU to build, which 1,000 VUs would pay at once.
    """

    __slots__ = ("_client", "_make_client", "direct", "direct_https")

    def __init__(
        self,
        make_client: Callable[[], httpx.AsyncClient],
        direct: AiohttpTransport | None = None,
        *,
        direct_https: bool = False,
    ) -> None:
        self._make_client = make_client
        self._client: httpx.AsyncClient | None = None
        self.direct = direct
        self.direct_https = direct_https
        """https requests take the fast path too (`--http1`); otherwise they go through `client`, by ALPN."""

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    @property
    def client_built(self) -> bool:
        return self._client is not None

    def transport_for(self, request: PreparedRequest) -> AiohttpTransport | None:
        """The transport to hand `request` to directly, or None to send it through `client`."""
        if request.https and not self.direct_https:
            return None
        return self.direct

    async def aclose(self) -> None:
        """Close every connection: the client's (the direct transport is its default transport), or the
        direct transport's alone when no client was built."""
        if self._client is not None:
            await self._client.aclose()
        elif self.direct is not None:
            await self.direct.aclose()


_NOT_USER_CODE = tuple(
    {str(Path(__file__).resolve().parent.parent)}
    | {str(Path(sysconfig.get_paths()[key]).resolve()) for key in ("stdlib", "purelib", "platlib")}
)
"""dashtui itself, the standard library and installed packages: frames there are not a preset's code."""


def raised_at(exc: BaseException) -> str:
    """` (file.py:LINE)` of the innermost frame of the user's own code (a Python preset's step) that
    the exception passed through; empty when it never passed through any."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if not str(Path(frame.filename).resolve()).startswith(_NOT_USER_CODE):
            return f" ({Path(frame.filename).name}:{frame.lineno})"
    return ""


@dataclass(slots=True)
class RunContext:
    """Shared, run-wide state handed to every VU."""

    clock: Clock
    sink: SampleSink
    batch: int = 20
    batch_per_host: int = 6
    user_agent: str = "dashtui/0.1"
    no_connection_reuse: bool = False
    no_vu_connection_reuse: bool = False
    http1: bool = False
    """Force HTTP/1.1 for https too; otherwise https is offered h2 by ALPN, as k6 does."""
    transport_factory: TransportFactory | None = None
    realtime: RealtimeHook | None = None
    realtime_base_url: str = ""
    realtime_active: int = 0
    secrets: Sequence[str] = ()
    rng: random.Random = field(default_factory=random.Random)
    gate: PauseGate = field(default_factory=PauseGate)
    start: float = 0.0
    header_sets: dict[str, dict[str, str]] = field(default_factory=dict)
    ssl_factory: Callable[[], ssl.SSLContext] = shared_ssl_context
    """Builds the run's TLS contexts (twice at most: HTTP/1.1 only, and HTTP/2 by ALPN)."""
    queueing: QueueingMeter = field(default_factory=QueueingMeter)
    _ssl: ssl.SSLContext | None = None
    _ssl_h2: ssl.SSLContext | None = None
    _prepared: dict[int, PreparedRequest] = field(default_factory=dict)

    def prepared(
        self,
        spec: Any,
        prepare: Callable[[Any, Mapping[str, Mapping[str, str]]], PreparedRequest],
        *,
        keep: bool = False,
    ) -> PreparedRequest:
        """The PreparedRequest of a RequestSpec: the flow's are built once per run (`keep`), before it
        starts; a spec a Python step makes on the fly is prepared each time, so none accumulate."""
        found = self._prepared.get(id(spec))
        if found is not None and found.spec is spec:
            return found
        prepared = prepare(spec, self.header_sets)
        if keep:
            self._prepared[id(spec)] = prepared
        return prepared

    def emit(self, sample: Sample) -> None:
        self.sink.add(sample)

    def iteration_error(self, vu: VU, exc: Exception) -> None:
        """An exception ended a VU's iteration: shown in the failures list, the run goes on."""
        self.sink.add_failure(
            FailureRecord(
                elapsed=max(0.0, self.clock.now() - self.start),
                name=f"VU {vu.id} iteration",
                status=0,
                error=redact(f"{type(exc).__name__}: {exc}{raised_at(exc)}", self.secrets),
                body_excerpt="",
            )
        )

    def _tls(self, *, http2: bool) -> ssl.SSLContext:
        """The shared TLS context: one offers only http/1.1, httpcore sets the other's ALPN (h2)."""
        if http2:
            if self._ssl_h2 is None:
                self._ssl_h2 = self.ssl_factory()
            return self._ssl_h2
        if self._ssl is None:
            self._ssl = self.ssl_factory()
            self._ssl.set_alpn_protocols(["http/1.1"])
        return self._ssl

    def new_connections(self) -> VUConnections:
        """A VU's own clients and connections, as each k6 VU has (DESIGN.md, "Connections")."""
        headers = {"User-Agent": self.user_agent}
        factory = self.transport_factory
        if factory is not None:
            return VUConnections(
                lambda: httpx.AsyncClient(transport=factory(), headers=headers, follow_redirects=True)
            )
        from .transport import AiohttpTransport  # aiohttp loads with the first VU, not in a coordinator

        direct = AiohttpTransport(
            ssl_context=self._tls(http2=False),
            now=self.clock.now,
            per_host=self.batch_per_host,
            force_close=self.no_connection_reuse,
        )

        def make_client() -> httpx.AsyncClient:
            mounts: dict[str, httpx.AsyncBaseTransport] = {}
            if not self.http1:
                keepalive = 0 if self.no_connection_reuse else (self.batch_per_host or None)
                mounts["https://"] = httpx.AsyncHTTPTransport(
                    verify=self._tls(http2=True),
                    http2=True,
                    limits=httpx.Limits(
                        max_connections=max(self.batch, 1),
                        max_keepalive_connections=keepalive,
                        keepalive_expiry=None,
                    ),
                )
            return httpx.AsyncClient(transport=direct, mounts=mounts, headers=headers, follow_redirects=True)

        return VUConnections(make_client, direct, direct_https=self.http1)
