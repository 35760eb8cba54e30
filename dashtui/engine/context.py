"""What every VU of a run shares: clock, sample sink, options, pause gate and prepared requests."""

from __future__ import annotations

import random
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ..clock import Clock
from ..metrics.aggregator import SampleSink
from ..metrics.snapshot import FailureRecord
from ..metrics.types import Sample
from ..report.redact import redact
from .http import PreparedRequest

if TYPE_CHECKING:
    from .vu import VU

__all__ = ["PauseGate", "RealtimeHook", "RunContext", "TransportFactory"]

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


@dataclass(slots=True)
class RunContext:
    """Shared, run-wide state handed to every VU."""

    clock: Clock
    sink: SampleSink
    batch: int = 20
    batch_per_host: int = 6
    user_agent: str = "dashtui/0.1"
    no_connection_reuse: bool = False
    transport_factory: TransportFactory | None = None
    realtime: RealtimeHook | None = None
    realtime_base_url: str = ""
    realtime_active: int = 0
    secrets: Sequence[str] = ()
    rng: random.Random = field(default_factory=random.Random)
    gate: PauseGate = field(default_factory=PauseGate)
    start: float = 0.0
    header_sets: dict[str, dict[str, str]] = field(default_factory=dict)
    _ssl: ssl.SSLContext | None = None
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
                error=redact(f"{type(exc).__name__}: {exc}", self.secrets),
                body_excerpt="",
            )
        )

    def new_client(self) -> httpx.AsyncClient:
        """A VU's own client and connections, as each k6 VU has."""
        if self.transport_factory is not None:
            transport = self.transport_factory()
        else:
            if self._ssl is None:
                self._ssl = shared_ssl_context()
            keepalive = 0 if self.no_connection_reuse else max(self.batch_per_host, 1)
            transport = httpx.AsyncHTTPTransport(
                verify=self._ssl,
                limits=httpx.Limits(max_connections=max(self.batch, 1), max_keepalive_connections=keepalive),
            )
        return httpx.AsyncClient(
            transport=transport, headers={"User-Agent": self.user_agent}, follow_redirects=True
        )
