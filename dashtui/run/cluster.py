"""Workers on an existing Dask distributed cluster (`--cluster ADDRESS`, the `dashtui[cluster]` extra).

Each dashtui worker is a Dask actor whose constructor starts a thread with its own event loop running
`worker_main.serve`, the same loop a local worker process runs; the Dask worker's communication loop only
carries the actor's calls. The coordinator sends wire lines with `send` and collects the worker's wire
lines with `poll` a few times a second: only wire-format text crosses Dask, never a pickled dashtui object.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

import anyio

from ..clock import Clock, SystemClock
from .coordinator import Coordinator, SessionOutputs, WorkerHandle, WorkerLost
from .processes import equal_segments
from .remote import SILENCE_TIMEOUT, RemoteWorker, worker_specs
from .wire import WireError, dumps, loads
from .worker import Delta, Worker, WorkerReady
from .worker_main import serve

__all__ = ["ClusterWorkerActor", "DaskCluster", "DaskWorker", "cluster_coordinator", "cluster_workers"]

POLL_INTERVAL = 0.2
ENV_PREFIXES = ("SUPABASE_", "TEST_", "DASHTUI_", "K6_")
"""The coordinator's variables a remote worker receives (plus the preset's -e variables)."""


class ClusterWorkerActor:
    """Lives on a Dask worker: one dashtui worker on its own thread and event loop, driven by wire lines."""

    def __init__(self) -> None:
        self._out: deque[str] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reader: asyncio.StreamReader | None = None
        self._ready = threading.Event()
        self._exit: int | None = None
        self._thread = threading.Thread(target=self._main, name="dashtui-worker", daemon=True)
        self._thread.start()
        self._ready.wait(10.0)

    def _main(self) -> None:
        try:
            self._exit = anyio.run(self._serve)
        except BaseException as exc:  # the coordinator must hear why, whatever it was
            self._out.append(dumps({"type": "error", "message": f"{type(exc).__name__}: {exc}"}).decode())
            self._exit = 1

    async def _serve(self) -> int:
        self._loop = asyncio.get_running_loop()
        self._reader = asyncio.StreamReader(limit=1 << 26)
        self._ready.set()
        return await serve(self._reader, lambda data: self._out.append(data.decode()))

    def send(self, lines: list[str]) -> bool:
        loop, reader = self._loop, self._reader
        if loop is None or reader is None or loop.is_closed():
            return False
        for line in lines:
            loop.call_soon_threadsafe(reader.feed_data, line.encode())
        return True

    def poll(self) -> dict[str, object]:
        """The worker's wire lines since the last poll, and whether its loop still runs."""
        lines = []
        while self._out:
            lines.append(self._out.popleft())
        return {"lines": lines, "alive": self._thread.is_alive(), "exit": self._exit}

    def close(self) -> None:
        loop, reader = self._loop, self._reader
        if loop is not None and reader is not None and not loop.is_closed():
            loop.call_soon_threadsafe(reader.feed_eof)
        self._thread.join(10.0)


class DaskCluster:
    """One asynchronous Dask client shared by every worker handle of a run."""

    def __init__(self, address: str, *, timeout: float = 20.0) -> None:
        self.address = address
        self.timeout = timeout
        self._client: Any = None
        self._lock = anyio.Lock()
        self._users = 0

    async def client(self) -> Any:
        from distributed import Client

        async with self._lock:
            if self._client is None:
                try:
                    with anyio.fail_after(self.timeout):
                        self._client = await Client(  # type: ignore[no-untyped-call]
                            self.address, asynchronous=True, timeout=self.timeout
                        )
                except (OSError, TimeoutError) as exc:
                    raise WorkerLost(f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
            self._users += 1
            return self._client

    async def release(self) -> None:
        async with self._lock:
            self._users -= 1
            if self._users <= 0 and self._client is not None:
                client, self._client = self._client, None
                with anyio.move_on_after(10.0):
                    await client.close()


class DaskWorker(RemoteWorker):
    """The coordinator's handle on one actor: wire lines out with `send`, in with `poll`."""

    def __init__(
        self,
        cluster: DaskCluster,
        spec: Mapping[str, Any],
        *,
        name: str,
        segment: str,
        plan: WorkerReady,
        dask_worker: str | None = None,
        clock: Clock | None = None,
        silence_timeout: float = SILENCE_TIMEOUT,
    ) -> None:
        super().__init__(
            spec, name=name, segment=segment, plan=plan, clock=clock, silence_timeout=silence_timeout
        )
        self.cluster = cluster
        self.dask_worker = dask_worker
        self._actor: Any = None
        self._future: Any = None
        self._inbox: deque[dict[str, Any]] = deque()
        self._outbox: list[str] = []
        self._connected = False

    async def _call(self, method: str, *args: Any) -> Any:
        try:
            with anyio.fail_after(self.silence_timeout):
                return await getattr(self._actor, method)(*args)
        except TimeoutError:
            raise WorkerLost(f"no answer to {method} for {self.silence_timeout:g} s") from None
        except Exception as exc:
            raise WorkerLost(f"{method} failed: {type(exc).__name__}: {exc}") from None

    async def _poll(self) -> None:
        if self._outbox:
            lines, self._outbox = self._outbox, []
            await self._call("send", lines)
        result = await self._call("poll")
        for line in result["lines"]:
            try:
                message = loads(line)
            except WireError as exc:
                raise WorkerLost(str(exc)) from None
            if message.get("type") == "error":
                raise WorkerLost(str(message.get("message", "error")))
            self._inbox.append(message)
            self._last_contact = self.clock.now()
        if not result["alive"] and not self._inbox:
            raise WorkerLost(f"its event loop ended (exit {result['exit']})")

    async def _next(self, timeout: float) -> dict[str, Any]:
        deadline = self.clock.now() + timeout
        while not self._inbox:
            if self.clock.now() > deadline:
                raise WorkerLost(f"no message for {timeout:g} s")
            await self._poll()
            if not self._inbox:
                await anyio.sleep(POLL_INTERVAL)
        return self._inbox.popleft()

    def _queue(self, message: Mapping[str, Any]) -> None:
        self._outbox.append(dumps(message).decode())

    async def _post(self, message: Mapping[str, Any]) -> None:
        """Queued: the next poll carries it to the actor."""
        self._queue(message)

    async def prepare(self) -> WorkerReady:
        client = await self.cluster.client()
        self._connected = True
        where = {"workers": [self.dask_worker], "allow_other_workers": False} if self.dask_worker else {}
        try:
            self._future = client.submit(
                ClusterWorkerActor, actor=True, key=f"dashtui-{self.name}-{uuid.uuid4().hex[:8]}", **where
            )
            with anyio.fail_after(self.silence_timeout * 3):
                self._actor = await self._future
        except TimeoutError:
            raise WorkerLost(f"no Dask worker took it within {self.silence_timeout * 3:g} s") from None
        except Exception as exc:
            raise WorkerLost(f"cannot start on the cluster: {type(exc).__name__}: {exc}") from None
        return await self._handshake()

    async def run(self, epoch_wall: float, emit: Callable[[Delta], None]) -> None:
        self._queue({"type": "go", "epoch": epoch_wall + self._offset})
        await self._receive(emit)

    async def close(self) -> None:
        if self._actor is not None:
            with anyio.move_on_after(self.silence_timeout):
                try:
                    await self._actor.close()
                except Exception:  # a lost worker cannot be closed; it is already reported
                    pass
            self._actor = None
        if self._future is not None:
            with anyio.move_on_after(5.0):
                try:
                    await self._future.release()
                except Exception:
                    pass
            self._future = None
        if self._connected:
            self._connected = False
            await self.cluster.release()


def cluster_workers(address: str, *, timeout: float = 20.0) -> list[str]:
    """The addresses of the cluster's Dask workers (asked once, before the run, from the command line)."""
    from distributed import Client

    try:
        with Client(address, timeout=timeout) as client:  # type: ignore[no-untyped-call]
            return sorted(client.scheduler_info()["workers"])
    except (OSError, TimeoutError) as exc:
        raise WorkerLost(f"cannot reach the Dask scheduler at {address}: {exc}") from None


def cluster_coordinator(
    scenario: Any,
    *,
    address: str,
    spec: Mapping[str, Any],
    workers: int,
    env: Mapping[str, str],
    target: str,
    dask_workers: list[str] | None = None,
    outputs: SessionOutputs | None = None,
    on_worker_loss: str = "abort",
    silence_timeout: float = SILENCE_TIMEOUT,
) -> Coordinator:
    """A coordinator over `workers` actors on the cluster at `address`, placed round-robin on its workers."""
    clock = SystemClock()
    cluster = DaskCluster(address)
    remote_env = {k: v for k, v in env.items() if k.startswith(ENV_PREFIXES)}
    places = dask_workers or []

    def handles(track: tuple[str, ...]) -> list[WorkerHandle]:
        plan = Worker(scenario, env=env, clock=clock, track=track).ready()
        specs = worker_specs(spec, env=remote_env, track=track, segments=equal_segments(workers))
        return [
            DaskWorker(
                cluster,
                worker_spec,
                name=name,
                segment=segment,
                plan=plan,
                dask_worker=places[i % len(places)] if places else None,
                clock=clock,
                silence_timeout=silence_timeout,
            )
            for i, (name, segment, worker_spec) in enumerate(specs)
        ]

    return Coordinator(
        scenario,
        target=target,
        workers=handles,
        outputs=outputs,
        clock=clock,
        on_worker_loss=on_worker_loss,
        start_margin=1.0,
    )
