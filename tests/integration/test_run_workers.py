"""Local worker processes: the same counts as one process, a killed worker reported, abortOnFail stops all."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest

from dashtui.clock import SystemClock
from dashtui.demo import StandInProcess, standin_process
from dashtui.run.coordinator import EXIT_THRESHOLDS, EXIT_WORKER_LOST, Coordinator, WorkerHandle
from dashtui.run.processes import ProcessWorker
from dashtui.run.worker import Worker
from dashtui.scenario import load_scenario

from .cli_support import run_dashtui

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PRESET = """
name = "scale"

[vars]
BASE_URL = "${{SUPABASE_URL}}"

[scenarios.s]
{scenario}

[thresholds]
{thresholds}

[[steps]]
request = {{ url = "${{BASE_URL}}/rest/v1/{table}?select=id&limit=1", name = "{table}", auth = "service" }}
"""

SCENARIOS = {
    "per-vu-iterations": 'executor = "per-vu-iterations"\nvus = 5\niterations = 3',
    "shared-iterations": 'executor = "shared-iterations"\nvus = 3\niterations = 17',
    "constant-arrival-rate": (
        'executor = "constant-arrival-rate"\nrate = 9\ntimeUnit = "1s"\nduration = "2s"\n'
        "preAllocatedVUs = 3\nmaxVUs = 6"
    ),
}


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "11"]) as running:
        yield running


def _preset(tmp_path: Path, scenario: str, *, thresholds: str = "", table: str = "events") -> Path:
    path = tmp_path / "scale.toml"
    path.write_text(PRESET.format(scenario=scenario, thresholds=thresholds, table=table))
    return path


def _counts(report: Path) -> tuple[int, int]:
    metrics = json.loads(report.read_text())["metrics"]
    return int(metrics["iterations"]["values"]["count"]), int(metrics["http_reqs"]["values"]["count"])


@pytest.mark.parametrize("executor", list(SCENARIOS))
def test_two_workers_run_exactly_the_iterations_one_process_runs(
    standin: StandInProcess, tmp_path: Path, executor: str
) -> None:
    preset = _preset(tmp_path, SCENARIOS[executor])
    counts = {}
    for workers in (1, 2):
        out = tmp_path / f"w{workers}.json"
        standin.reset_stats()
        result = run_dashtui(
            ["--headless", "-q", str(preset), "--workers", str(workers), "--out", str(out)],
            standin.env(),
            tmp_path,
        )
        assert result.returncode == 0, result.stderr
        counts[workers] = _counts(out)
        assert counts[workers][1] == standin.stats()["requests"]
        if workers == 2:
            listed = json.loads(out.read_text())["dashtui"]["workers"]
            assert [(w["name"], w["segment"], w["state"]) for w in listed] == [
                ("w1", "0:1/2", "done"),
                ("w2", "1/2:1", "done"),
            ]
            assert sum(w["requests"] for w in listed) == counts[2][1]
    assert counts[1] == counts[2]


def test_under_two_workers_each_writes_its_own_samples_and_together_they_hold_every_request(
    standin: StandInProcess, tmp_path: Path
) -> None:
    preset = _preset(tmp_path, SCENARIOS["shared-iterations"])
    out = tmp_path / "summary.json"
    standin.reset_stats()
    result = run_dashtui(
        ["--headless", "-q", str(preset), "--workers", "2", "--out", str(out),
         "--out", f"json={tmp_path / 'samples.ndjson'}", "--out", f"csv={tmp_path / 'samples.csv.gz'}"],
        standin.env(),
        tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "samples.ndjson").exists() and not (tmp_path / "samples.csv.gz").exists()
    _, requests = _counts(out)
    points: dict[str, int] = {}
    for worker in ("w1", "w2"):
        ndjson = (tmp_path / f"samples.{worker}.ndjson").read_text()
        lines = [json.loads(line) for line in ndjson.splitlines()]
        points[worker] = sum(1 for o in lines if o["type"] == "Point" and o["metric"] == "http_reqs")
        with gzip.open(tmp_path / f"samples.{worker}.csv.gz", "rt") as csv_file:
            rows = [row for row in csv_file.read().splitlines() if row.startswith("http_reqs,")]
        assert len(rows) == points[worker]
        assert points[worker] > 0, f"{worker} wrote no request"
    assert sum(points.values()) == requests == standin.stats()["requests"]


def _coordinator(
    standin: StandInProcess,
    preset: Path,
    *,
    workers: int = 2,
    on_worker_loss: str = "abort",
    silence_timeout: float = 10.0,
) -> Coordinator:
    env = standin.env()
    scenario = load_scenario(preset, env=env)
    clock = SystemClock()

    def handles(track: tuple[str, ...]) -> list[WorkerHandle]:
        plan = Worker(scenario, env=env, clock=clock, track=track).ready()
        spec: dict[str, Any] = {"preset": str(preset), "env": env, "track": list(track)}
        return [
            ProcessWorker(
                spec, name=f"w{i + 1}", segment="0:1", plan=plan, clock=clock, silence_timeout=silence_timeout
            )
            for i in range(workers)
        ]

    return Coordinator(
        scenario,
        target=standin.url,
        workers=handles,
        clock=clock,
        on_worker_loss=on_worker_loss,
        start_margin=0.3,
    )


async def _until(condition: Any, timeout: float = 20.0) -> None:
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.05)


@pytest.mark.anyio
async def test_a_killed_worker_is_reported_with_its_data_and_the_run_aborts_with_103(
    standin: StandInProcess, tmp_path: Path
) -> None:
    preset = _preset(tmp_path, 'executor = "constant-vus"\nvus = 2\nduration = "30s"')
    coordinator = _coordinator(standin, preset)
    victim = coordinator.handles[1]
    assert isinstance(victim, ProcessWorker)

    async def kill_after_first_requests() -> None:
        await _until(lambda: coordinator.progress().workers[1].requests > 0)
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGKILL)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(kill_after_first_requests)
            outcome = await coordinator.run()
    assert outcome.exit_code == EXIT_WORKER_LOST
    assert outcome.reason.startswith("worker w2 lost: exited with code -9")
    survivor, lost = coordinator.workers_data()
    assert (survivor["state"], lost["state"]) == ("done", "lost")
    assert isinstance(lost["requests"], int) and lost["requests"] > 0
    assert outcome.snapshot.values("http_reqs")["count"] == survivor["requests"] + lost["requests"]  # type: ignore[index,operator]
    assert "w2 [0:1] lost" in outcome.summary_text and "data kept up to" in outcome.summary_text
    assert outcome.snapshot.elapsed < 30


@pytest.mark.anyio
async def test_abort_on_fail_over_merged_data_stops_every_worker(
    standin: StandInProcess, tmp_path: Path
) -> None:
    preset = _preset(
        tmp_path,
        'executor = "constant-vus"\nvus = 2\nduration = "30s"',
        thresholds='http_req_failed = [{ threshold = "rate<0.5", abortOnFail = true }]',
        table="no_such_table",
    )
    coordinator = _coordinator(standin, preset)
    with anyio.fail_after(30):
        outcome = await coordinator.run()
    assert outcome.exit_code == EXIT_THRESHOLDS
    assert outcome.reason == "aborted by threshold http_req_failed: rate<0.5 (abortOnFail)"
    assert [w["state"] for w in coordinator.workers_data()] == ["done", "done"]
    assert all(isinstance(w["requests"], int) and w["requests"] > 0 for w in coordinator.workers_data())
    assert outcome.snapshot.elapsed < 30


@pytest.mark.anyio
async def test_a_silent_worker_is_lost_after_the_timeout_and_nothing_hangs(
    standin: StandInProcess, tmp_path: Path
) -> None:
    preset = _preset(tmp_path, 'executor = "constant-vus"\nvus = 1\nduration = "30s"')
    coordinator = _coordinator(standin, preset, silence_timeout=2.0, on_worker_loss="continue")
    victim = coordinator.handles[0]
    assert isinstance(victim, ProcessWorker)

    async def freeze_then_stop_the_rest() -> None:
        await _until(lambda: coordinator.progress().workers[0].requests > 0)
        assert victim.pid is not None
        os.kill(victim.pid, signal.SIGSTOP)
        await _until(lambda: coordinator.progress().workers[0].state == "lost")
        coordinator.stop(graceful=False)

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(freeze_then_stop_the_rest)
            outcome = await coordinator.run()
    lost, survivor = coordinator.workers_data()
    assert (lost["state"], lost["error"], survivor["state"]) == ("lost", "no message for 2 s", "done")
    assert outcome.exit_code == 0, "--on-worker-loss continue: the run ends on its own terms"
    assert "worker_lost" in coordinator.summary_data(outcome.snapshot, outcome.results)["dashtui"]


@pytest.mark.anyio
async def test_pause_add_vus_and_signals_reach_every_worker(standin: StandInProcess, tmp_path: Path) -> None:
    preset = _preset(tmp_path, 'executor = "constant-vus"\nvus = 2\nduration = "30s"')
    coordinator = _coordinator(standin, preset)

    def vus() -> list[int]:
        return [w.vus for w in coordinator.progress().workers]

    async def drive() -> None:
        await _until(lambda: vus() == [2, 2])
        assert coordinator.add_vus(1) == 5
        await _until(lambda: sorted(vus()) == [2, 3])
        coordinator.pause()
        await _until(lambda: all(h.progress().status.paused for h in coordinator.handles))  # type: ignore[union-attr]
        coordinator.resume()
        await _until(lambda: not any(h.progress().status.paused for h in coordinator.handles))  # type: ignore[union-attr]
        coordinator.signal(graceful=True)

    with anyio.fail_after(40):
        async with anyio.create_task_group() as tg:
            tg.start_soon(drive)
            outcome = await coordinator.run()
    assert outcome.exit_code == 105
    assert [w["state"] for w in coordinator.workers_data()] == ["done", "done"]
    assert [d for _, d in outcome_changes(coordinator)] == [1]


def outcome_changes(coordinator: Coordinator) -> list[tuple[float, int]]:
    return list(coordinator.progress().vu_changes)


PER_WORKER_PRESET = """
from dashtui.scenario import PythonStep, Scenario


def build(env):
    base = env["SUPABASE_URL"]

    async def read_own_table(vu):
        # with 0,1/2,1 one worker's VU is 1 and the other's 2: each worker reads a table of its own
        table = "events" if vu.id % 2 else "orders"
        await vu.get(base + "/rest/v1/" + table + "?select=id&limit=1", name=table, auth="service")

    return Scenario.model_validate({
        "name": "per-worker",
        "scenarios": {"s": {"executor": "constant-vus", "vus": 2, "duration": "60s"}},
        "flows": {"default": [PythonStep(call=read_own_table, name="read its table")]},
    })
"""


def test_ctrl_c_on_the_command_line_stops_every_worker_and_exits_105(
    standin: StandInProcess, tmp_path: Path
) -> None:
    preset = tmp_path / "per_worker.py"
    preset.write_text(PER_WORKER_PRESET)
    standin.reset_stats()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")} | standin.env()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashtui",
            "--headless",
            "-q",
            str(preset),
            "--workers",
            "2",
            "--out",
            "r.json",
        ],
        env=full_env | {"CI": "true"},
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        anyio.run(_until_served, standin)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=45)
    finally:
        process.kill()
    assert process.returncode == 105, stderr
    listed = json.loads((tmp_path / "r.json").read_text())["dashtui"]["workers"]
    assert [w["state"] for w in listed] == ["done", "done"]
    assert all(w["requests"] > 0 for w in listed)


async def _until_served(standin: StandInProcess) -> None:
    """Until both workers' requests reached the stand-in: each reads its own table (PER_WORKER_PRESET)."""

    def both_served() -> bool:
        by_table = standin.stats()["by_table"]
        return all(sum(by_table.get(table, {}).values()) >= 5 for table in ("events", "orders"))

    await _until(both_served, timeout=30)
