"""Workers as local processes (`--workers N`): `python -m dashtui.run.worker_main` over pipes, wire format.

Why subprocesses of our own entry point rather than multiprocessing: nothing is pickled (the spec and every
delta are wire messages), the child is the same program a cluster node runs, a dead child shows as the end
of its stdout, and a child whose coordinator is gone sees its stdin close and stops. Children start in their
own session, so a Ctrl-C in the terminal reaches the coordinator only, which stops every worker itself.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import IO, Any

import anyio
from anyio.abc import Process
from anyio.streams.buffered import BufferedByteReceiveStream

from ..clock import Clock, SystemClock
from .coordinator import Coordinator, SessionOutputs, WorkerHandle, WorkerLost
from .remote import SILENCE_TIMEOUT, RemoteWorker, measure_offset, worker_specs
from .wire import WireError, dumps, loads
from .worker import Delta, Worker, WorkerReady

__all__ = [
    "SILENCE_TIMEOUT",
    "ProcessWorker",
    "auto_workers",
    "equal_segments",
    "measure_offset",
    "process_coordinator",
]

_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b")
MAX_MESSAGE = 1 << 28
EXIT_WAIT = 5.0
VUS_PER_WORKER = 1000
ITERATIONS_PER_S_PER_WORKER = 200.0


def equal_segments(n: int) -> list[tuple[str, str]]:
    """(segment, sequence) in k6's form for each of `n` equal workers: `0:1/2`, `1/2:1` in `0,1/2,1`."""
    points = [Fraction(i, n) for i in range(n + 1)]
    sequence = ",".join(str(p) for p in points)
    return [(f"{points[i]}:{points[i + 1]}", sequence) for i in range(n)]


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def auto_workers(scenario: Any, cores: int | None = None) -> int:
    """What `--workers auto` picks: one worker per 1,000 VUs or per 200 iterations/s at the peak, capped at
    the cores. The seed's 20 VUs get 1; 3,000 VUs get 3 (on a 2-core machine, 2)."""
    vus = 0
    rate = 0.0
    for config in scenario.scenarios.values():
        kind = config.executor
        if kind in ("constant-vus", "per-vu-iterations", "shared-iterations"):
            vus += config.vus
        elif kind == "ramping-vus":
            vus += max([config.start_vus, *(s.target for s in config.stages)])
        else:
            vus += config.max_vus
            peak = (
                config.rate
                if kind == "constant-arrival-rate"
                else max([config.start_rate, *(s.target for s in config.stages)])
            )
            rate += peak / config.time_unit
    wanted = max(1, math.ceil(vus / VUS_PER_WORKER), math.ceil(rate / ITERATIONS_PER_S_PER_WORKER))
    return max(1, min(wanted, cores if cores is not None else usable_cores()))


class ProcessWorker(RemoteWorker):
    """One worker process, driven over its stdin and stdout."""

    def __init__(
        self,
        spec: Mapping[str, Any],
        *,
        name: str,
        segment: str,
        plan: WorkerReady,
        clock: Clock | None = None,
        silence_timeout: float = SILENCE_TIMEOUT,
        command: tuple[str, ...] = (sys.executable, "-m", "dashtui.run.worker_main"),
    ) -> None:
        super().__init__(
            spec, name=name, segment=segment, plan=plan, clock=clock, silence_timeout=silence_timeout
        )
        self.command = command
        self._process: Process | None = None
        self._stdout: BufferedByteReceiveStream | None = None
        self._stderr: IO[bytes] | None = None
        self._outbox: list[dict[str, Any]] = []
        self._wake = anyio.Event()

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    async def _next(self, timeout: float) -> dict[str, Any]:
        assert self._stdout is not None
        try:
            with anyio.fail_after(timeout):
                line = await self._stdout.receive_until(b"\n", MAX_MESSAGE)
        except TimeoutError:
            raise WorkerLost(f"no message for {timeout:g} s") from None
        except (anyio.EndOfStream, anyio.IncompleteRead, anyio.BrokenResourceError):
            raise WorkerLost(await self._exit_reason()) from None
        self._last_contact = self.clock.now()
        try:
            message = loads(line)
        except WireError as exc:
            raise WorkerLost(str(exc)) from None
        if message.get("type") == "error":
            raise WorkerLost(str(message.get("message", "error")))
        return message

    async def _exit_reason(self) -> str:
        code: int | None = None
        if self._process is not None:
            with anyio.move_on_after(2.0):
                code = await self._process.wait()
        why = "its output ended" if code is None else f"exited with code {code}"
        tail = self._stderr_tail()
        return f"{why}: {tail}" if tail else why

    def _stderr_tail(self) -> str:
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        lines = [line.strip() for line in self._stderr.read().decode(errors="replace").splitlines()]
        lines = [line.lstrip("|+ -") for line in lines]
        errors = [line for line in lines if _EXCEPTION_LINE.match(line)]
        shown = errors or [line for line in lines if line]
        return shown[-1][:300] if shown else ""

    async def _post(self, message: Mapping[str, Any]) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            with anyio.fail_after(self.silence_timeout):
                await self._process.stdin.send(dumps(message))
        except (TimeoutError, anyio.BrokenResourceError, anyio.ClosedResourceError) as exc:
            raise WorkerLost(f"cannot send {message.get('type')}: {type(exc).__name__}") from None

    async def prepare(self) -> WorkerReady:
        self._stderr = tempfile.TemporaryFile()
        try:
            self._process = await anyio.open_process(
                list(self.command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                start_new_session=True,
            )
        except OSError as exc:
            raise WorkerLost(f"cannot start {self.command[0]}: {exc}") from None
        assert self._process.stdout is not None
        self._stdout = BufferedByteReceiveStream(self._process.stdout)
        return await self._handshake()

    async def run(self, epoch_wall: float, emit: Callable[[Delta], None]) -> None:
        await self._post({"type": "go", "epoch": epoch_wall + self._offset})
        lost: WorkerLost | None = None
        async with anyio.create_task_group() as tg:
            tg.start_soon(self._flush)
            try:
                await self._receive(emit)
            except WorkerLost as exc:
                lost = exc
            tg.cancel_scope.cancel()
        if lost is not None:
            raise lost

    async def _flush(self) -> None:
        """Sends queued controls; a control that cannot be sent leaves the loss to the reader to report."""
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            outbox, self._outbox = self._outbox, []
            for message in outbox:
                try:
                    await self._post(message)
                except WorkerLost:
                    return

    def _queue(self, message: Mapping[str, Any]) -> None:
        self._outbox.append(dict(message))
        self._wake.set()

    async def close(self) -> None:
        process = self._process
        if process is not None:
            if process.stdin is not None:
                with anyio.move_on_after(1.0):
                    await process.stdin.aclose()
            with anyio.move_on_after(EXIT_WAIT):
                await process.wait()
            if process.returncode is None:
                process.kill()
                with anyio.move_on_after(EXIT_WAIT):
                    await process.wait()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None


def process_coordinator(
    scenario: Any,
    *,
    spec: Mapping[str, Any],
    workers: int,
    env: Mapping[str, str],
    target: str,
    outputs: SessionOutputs | None = None,
    on_worker_loss: str = "abort",
    silence_timeout: float = SILENCE_TIMEOUT,
) -> Coordinator:
    """A coordinator over `workers` local processes, each with its segment of an equal sequence.

    `spec` says how each process rebuilds the scenario (preset, variables, shortcut options, seed, env);
    the scenario given here is the same one, checked and planned in this process without running it."""
    clock = SystemClock()

    def handles(track: tuple[str, ...]) -> list[WorkerHandle]:
        plan = Worker(scenario, env=env, clock=clock, track=track).ready()
        return [
            ProcessWorker(
                worker_spec,
                name=name,
                segment=segment,
                plan=plan,
                clock=clock,
                silence_timeout=silence_timeout,
            )
            for name, segment, worker_spec in worker_specs(
                spec, env=env, track=track, segments=equal_segments(workers)
            )
        ]

    return Coordinator(
        scenario,
        target=target,
        workers=handles,
        outputs=outputs,
        clock=clock,
        on_worker_loss=on_worker_loss,
        start_margin=0.5,
    )
