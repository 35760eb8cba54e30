"""A worker process: `python -m dashtui.run.worker_main`, wire messages on stdin and stdout, one per line.

The coordinator sends `setup` (the run's spec), `ping`s to measure the clock offset, `go` with the shared
epoch, then controls (`pause`, `resume`, `add_vus`, `stop`). The worker answers `ready`, `pong`, a `delta`
each second and a final one, or `error`. When its stdin closes (the coordinator is gone) it stops at once.
Stdout carries wire messages only: anything else the process prints goes to stderr.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anyio

from ..clock import Clock, SystemClock
from ..report.ci import CiOutputs
from ..report.streams import StreamSpec
from ..scenario import ScenarioError, ScriptError, Stage, apply_shortcuts, load_scenario
from ..scenario.segments import ExecutionTuple
from ..session import per_sample_outputs
from .wire import WireError, dumps, encode_delta, loads
from .worker import ConfigError, Delta, Worker

__all__ = ["build_worker", "main", "serve"]


def _segment(spec: Mapping[str, Any]) -> ExecutionTuple | None:
    """The engine's segment for this worker, or None for the whole run."""
    segment, sequence = str(spec.get("segment") or ""), str(spec.get("sequence") or "")
    if not segment or segment == "0:1":
        return None
    return ExecutionTuple.parse(segment, sequence)


def build_worker(spec: Mapping[str, Any], clock: Clock) -> Worker:
    """The scenario loaded and scaled as the coordinator's command line asked, and its worker."""
    env = {str(k): str(v) for k, v in dict(spec["env"]).items()}
    preset = str(spec["preset"])
    text = spec.get("preset_text")
    if text is not None:
        folder = Path(tempfile.mkdtemp(prefix="dashtui-preset-"))
        path = folder / Path(preset).name
        path.write_text(str(text), encoding="utf-8")
        preset = str(path)
    scenario = load_scenario(preset, env=env, extra_vars=dict(spec.get("vars") or {}))
    stages = [Stage(duration=float(d), target=int(t)) for d, t in spec.get("stages") or []]
    vus, duration, iterations = spec.get("vus"), spec.get("duration"), spec.get("iterations")
    if stages or any(v is not None for v in (vus, duration, iterations)):
        scenario = apply_shortcuts(
            scenario, vus=vus, duration=duration, iterations=iterations, stages=stages or None
        )
    streams = tuple(StreamSpec(str(kind), Path(str(path))) for kind, path in spec.get("streams") or ())
    return Worker(
        scenario,
        name=str(spec["name"]),
        env=env,
        clock=clock,
        track=tuple(spec.get("track") or ()),
        seed=spec.get("seed"),
        segment=_segment(spec),
        http1=bool(spec.get("http1")),
        wrap_sink=per_sample_outputs(scenario, CiOutputs(streams=streams), env=env, clock=clock)
        if streams
        else None,
    )


async def serve(
    reader: asyncio.StreamReader, write: Callable[[bytes], None], clock: Clock | None = None
) -> int:
    """Answer one coordinator until the run ends; returns the process's exit code."""
    clock = clock or SystemClock()
    worker: Worker | None = None
    done = anyio.Event()

    def emit(delta: Delta) -> None:
        write(dumps(encode_delta(delta)))

    async def run(epoch: float) -> None:
        assert worker is not None
        await worker.run(epoch, emit)
        done.set()

    async with anyio.create_task_group() as tg:
        while not done.is_set():
            line = await _next_line(reader, done)
            if line is None:
                if worker is not None and not done.is_set():
                    worker.stop(graceful=False)
                    with anyio.move_on_after(5.0):
                        await done.wait()
                break
            try:
                message = loads(line)
            except WireError as exc:
                write(dumps({"type": "error", "message": str(exc)}))
                return 104
            kind = message.get("type")
            if kind == "setup":
                try:
                    worker = build_worker(message["spec"], clock)
                except (ScenarioError, ConfigError, ValueError) as exc:
                    code = 107 if isinstance(exc, ScriptError) else 104
                    write(dumps({"type": "error", "message": str(exc), "code": code}))
                    return code
                ready = worker.ready()
                write(dumps({"type": "ready", "planned": ready.planned, "vus_max": ready.vus_max}))
            elif kind == "ping":
                write(dumps({"type": "pong", "t": message["t"], "wall": clock.wall()}))
            elif kind == "go" and worker is not None:
                epoch = clock.now() + (float(message["epoch"]) - clock.wall())
                tg.start_soon(run, epoch)
            elif worker is not None:
                _control(worker, message, write)
        await done.wait()
    return 0


async def _next_line(reader: asyncio.StreamReader, done: anyio.Event) -> bytes | None:
    """The next message line, or None at the end of stdin or once the run is done."""
    result: bytes | None = None

    async def read(scope: anyio.CancelScope) -> None:
        nonlocal result
        line = await reader.readline()
        result = line if line.endswith(b"\n") else None
        scope.cancel()

    async def finished(scope: anyio.CancelScope) -> None:
        await done.wait()
        scope.cancel()

    async with anyio.create_task_group() as tg:
        tg.start_soon(read, tg.cancel_scope)
        tg.start_soon(finished, tg.cancel_scope)
    return result


def _control(worker: Worker, message: Mapping[str, Any], write: Callable[[bytes], None]) -> None:
    kind = message.get("type")
    if kind == "pause":
        worker.pause()
    elif kind == "resume":
        worker.resume()
    elif kind == "stop":
        worker.stop(graceful=bool(message.get("graceful", True)))
    elif kind == "fold":
        worker.fold(str(key) for key in message.get("keys", ()))
    elif kind == "add_vus":
        try:
            worker.add_vus(int(message["delta"]))
        except ValueError as exc:
            write(dumps({"type": "notice", "message": str(exc)}))


async def _main() -> int:
    wire_fd = os.dup(1)
    os.dup2(2, 1)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=1 << 26)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def write(data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(wire_fd, view) :]

    return await serve(reader, write)


def main() -> int:
    return anyio.run(_main)


if __name__ == "__main__":
    sys.exit(main())
