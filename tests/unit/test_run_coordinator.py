"""The coordinator over fake workers: merged deltas, complete windows, VU placement, worker loss."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import anyio
import pytest

from dashtui.clock import FakeClock
from dashtui.metrics import Aggregator, Registry, Sample, Snapshot, make_tags
from dashtui.run.coordinator import EXIT_OK, EXIT_WORKER_LOST, Coordinator, WorkerHandle, WorkerLost
from dashtui.run.protocol import Progress, RunStatus
from dashtui.run.worker import Delta, WorkerReady
from dashtui.scenario.model import Scenario

pytestmark = pytest.mark.anyio

SCENARIO = Scenario.model_validate(
    {
        "name": "fake",
        "scenarios": {"s": {"executor": "constant-vus", "vus": 4, "duration": 10}},
        "flows": {"default": [{"request": {"url": "http://127.0.0.1:1/x", "name": "x"}}]},
    }
)


def _requests(count: int, second: int) -> Snapshot:
    """A delta holding `count` requests in `second`, that window closed."""
    clock = FakeClock(start=float(second))
    aggregator = Aggregator(Registry(), clock=clock)
    tags = make_tags({"name": "x", "status": "200", "expected_response": "true", "method": "GET"})
    for _ in range(count):
        aggregator.add(Sample("http_reqs", 1.0, tags, second + 0.5))
        aggregator.add(Sample("http_req_duration", 10.0, tags, second + 0.5))
    clock.advance(1.0)
    snapshot = aggregator.snapshot()
    windows = tuple(w.__class__(**{**_fields(w), "index": second}) for w in snapshot.windows)
    return Snapshot(
        snapshot.elapsed + second,
        snapshot.metrics,
        snapshot.endpoints,
        snapshot.checks,
        snapshot.groups,
        windows,
        (),
    )


def _fields(window: object) -> dict[str, object]:
    return {name: getattr(window, name) for name in window.__slots__}  # type: ignore[attr-defined]


def _progress(vus: int) -> Progress:
    return Progress(0.0, 10.0, vus, vus, 0, 0, (), RunStatus(running=True))


@dataclass
class FakeWorker:
    """A WorkerHandle that emits scripted deltas, then waits to be stopped (or fails when told to)."""

    name: str
    deltas: list[Snapshot]
    vus: int = 2
    fail_with: str | None = None
    segment: str = "0:1/2"
    plan: WorkerReady = field(default_factory=lambda: WorkerReady(planned=10.0, vus_max=2))
    calls: list[tuple[object, ...]] = field(default_factory=list)
    sent: int = 0
    stopped: anyio.Event = field(default_factory=anyio.Event)
    release: anyio.Event = field(default_factory=anyio.Event)

    async def prepare(self) -> WorkerReady:
        return self.plan

    async def run(self, epoch_wall: float, emit: Callable[[Delta], None]) -> None:
        for i, snapshot in enumerate(self.deltas, 1):
            emit(Delta(self.name, i, snapshot.elapsed, snapshot, _progress(self.vus)))
            self.sent = i
            await anyio.sleep(0)
        await self.release.wait()
        if self.fail_with:
            raise WorkerLost(self.fail_with)
        await self.stopped.wait()
        emit(Delta(self.name, len(self.deltas) + 1, 9.0, Snapshot.empty(), _progress(0), final=True))

    def progress(self) -> Progress | None:
        return _progress(self.vus)

    def last_contact(self) -> float:
        return 0.0

    def clock_offset(self) -> float:
        return 0.0

    def pause(self) -> None:
        self.calls.append(("pause",))

    def resume(self) -> None:
        self.calls.append(("resume",))

    def add_vus(self, delta: int) -> int:
        self.calls.append(("add_vus", delta))
        self.vus += delta
        return self.vus

    def fold(self, keys: Iterable[str]) -> None:
        self.calls.append(("fold", *keys))

    def stop(self, *, graceful: bool = True) -> None:
        self.calls.append(("stop", graceful))
        self.release.set()
        self.stopped.set()

    async def close(self) -> None:
        return None


def _coordinator(*workers: FakeWorker, on_worker_loss: str = "abort") -> Coordinator:
    def handles(track: tuple[str, ...]) -> list[WorkerHandle]:
        return list(workers)

    return Coordinator(SCENARIO, target="http://127.0.0.1:1", workers=handles, on_worker_loss=on_worker_loss)


async def _until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(5):
        while not condition():
            await anyio.sleep(0.01)


async def test_deltas_merge_and_a_window_shows_once_every_running_worker_sent_all_of_it() -> None:
    w1 = FakeWorker("w1", [_requests(3, 0), _requests(2, 1)])
    w2 = FakeWorker("w2", [_requests(4, 0)], vus=1)
    coordinator = _coordinator(w1, w2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(coordinator.run)
        await _until(lambda: w1.sent == 2 and w2.sent == 1)
        live = coordinator.snapshot()
        assert live.values("http_reqs")["count"] == 9  # type: ignore[index]
        assert [(w.index, w.requests) for w in live.windows] == [(0, 7)], "second 1 still open on w2"
        assert coordinator.add_vus(2) == 5 and w2.calls == [("add_vus", 2)], "placed on the fewest VUs"
        assert coordinator.add_vus(-1) == 4 and w2.calls[-1] == ("add_vus", -1), "taken from the most"
        coordinator.pause()
        assert ("pause",) in w1.calls and ("pause",) in w2.calls
        coordinator.stop()
    assert [w["state"] for w in coordinator.workers_data()] == ["done", "done"]
    assert [w["requests"] for w in coordinator.workers_data()] == [5, 4]


async def test_a_lost_worker_stops_the_others_and_keeps_its_data() -> None:
    w1 = FakeWorker("w1", [_requests(3, 0)], fail_with="exited with code -9")
    w2 = FakeWorker("w2", [_requests(4, 0)])
    coordinator = _coordinator(w1, w2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(coordinator.run)
        await _until(lambda: w1.sent == 1 and w2.sent == 1)
        w1.release.set()
    assert ("stop", False) in w2.calls
    outcome = coordinator.finish()
    assert (outcome.exit_code, outcome.reason) == (EXIT_WORKER_LOST, "worker w1 lost: exited with code -9")
    assert outcome.snapshot.values("http_reqs")["count"] == 7  # type: ignore[index]
    assert coordinator.progress().vus == w2.vus, "a lost worker's VUs are not counted"


async def test_with_continue_a_lost_worker_does_not_stop_the_run() -> None:
    w1 = FakeWorker("w1", [_requests(3, 0)], fail_with="no message for 10 s")
    w2 = FakeWorker("w2", [_requests(4, 0)])
    coordinator = _coordinator(w1, w2, on_worker_loss="continue")
    async with anyio.create_task_group() as tg:
        tg.start_soon(coordinator.run)
        await _until(lambda: w1.sent == 1 and w2.sent == 1)
        w1.release.set()
        await _until(lambda: coordinator.workers[0].state == "lost")
        assert w2.calls == []
        w2.stop()
    assert coordinator.finish().exit_code == EXIT_OK
    assert "w1 [0:1/2] lost: 3 requests, data kept up to" in coordinator.finish().summary_text


def _folded(snapshot: Snapshot) -> Snapshot:
    for _, digest in snapshot.digests():
        digest.fold()
    return snapshot


async def test_once_a_merged_trend_folds_every_worker_is_told_once_to_send_it_as_buckets() -> None:
    w1 = FakeWorker("w1", [_requests(3, 0), _folded(_requests(2, 1)), _folded(_requests(2, 2))])
    w2 = FakeWorker("w2", [_requests(4, 0)])
    coordinator = _coordinator(w1, w2)
    async with anyio.create_task_group() as tg:
        tg.start_soon(coordinator.run)
        await _until(lambda: w1.sent == 3 and w2.sent == 1)
        coordinator.stop()
    folds = [[call for call in w.calls if call[0] == "fold"] for w in (w1, w2)]
    expected = ("endpoint:x", "metric:http_req_duration", "metric:http_req_duration{expected_response:true}")
    assert folds[0] == folds[1] == [("fold", *expected)]
    merged = coordinator.snapshot().trend("http_req_duration")
    assert merged is not None and not merged.is_exact and merged.count == 11
