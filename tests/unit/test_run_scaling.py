"""How a run is split: what `--workers auto` picks, the equal segments, clock offsets, refused options."""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from dashtui.cli.errors import UsageError
from dashtui.cli.load import placement
from dashtui.cli.options import build_parser
from dashtui.report.streams import worker_path
from dashtui.run.processes import auto_workers, equal_segments, measure_offset
from dashtui.run.remote import RemoteWorker, worker_specs
from dashtui.run.wire import dumps, loads
from dashtui.run.worker import WorkerReady
from dashtui.run.worker_main import _control
from dashtui.scenario import apply_shortcuts, load_scenario
from dashtui.scenario.model import Scenario

ENV = {"SUPABASE_URL": "http://127.0.0.1:1", "SUPABASE_ANON_KEY": "a", "SUPABASE_SERVICE_ROLE_KEY": "s"}


def _rate(rate: int, max_vus: int = 10) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "r",
            "scenarios": {
                "s": {
                    "executor": "constant-arrival-rate",
                    "rate": rate,
                    "duration": 10,
                    "preAllocatedVUs": 1,
                    "maxVUs": max_vus,
                }
            },
            "flows": {"default": [{"request": {"url": "http://127.0.0.1:1/x"}}]},
        }
    )


def test_auto_picks_one_worker_for_the_seeds_20_vus() -> None:
    assert auto_workers(load_scenario("dashboard", env=ENV), cores=8) == 1


def test_auto_adds_a_worker_per_1000_vus_capped_at_the_cores() -> None:
    big = apply_shortcuts(
        load_scenario("dashboard", env=ENV), vus=3000, duration=30.0, iterations=None, stages=None
    )
    assert auto_workers(big, cores=8) == 3
    assert auto_workers(big, cores=2) == 2


def test_auto_adds_a_worker_per_200_iterations_a_second() -> None:
    assert auto_workers(_rate(100), cores=8) == 1
    assert auto_workers(_rate(1000), cores=8) == 5
    assert auto_workers(_rate(1000), cores=1) == 1


def test_equal_segments_are_k6s_sequence_split_evenly() -> None:
    assert equal_segments(1) == [("0:1", "0,1")]
    assert equal_segments(3) == [
        ("0:1/3", "0,1/3,2/3,1"),
        ("1/3:2/3", "0,1/3,2/3,1"),
        ("2/3:1", "0,1/3,2/3,1"),
    ]


def test_the_clock_offset_comes_from_the_tightest_round_trip() -> None:
    # worker clock 5 s ahead; the second ping had the shortest round trip
    samples = [(100.0, 105.3, 100.4), (101.0, 106.01, 101.02), (102.0, 107.5, 102.9)]
    assert measure_offset(samples) == pytest.approx(5.0)


@pytest.mark.parametrize("text", ["0", "-2", "two", "1.5"])
def test_workers_must_be_a_whole_number_or_auto(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--workers", text])
    assert f"--workers '{text}': expected a whole number (1 or more) or auto" in capsys.readouterr().err


def _args(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


def test_per_sample_outputs_are_refused_under_a_cluster_and_kept_under_local_workers() -> None:
    scenario = load_scenario("dashboard", env=ENV)
    assert placement(_args("--out", "json=samples.json"), scenario).workers == 1
    assert placement(_args("--workers", "2", "--out", "json=samples.json"), scenario).workers == 2
    with pytest.raises(
        UsageError, match=r"--out csv=s.csv: per-sample outputs are not written under --cluster"
    ):
        placement(_args("--cluster", "tcp://127.0.0.1:1", "--workers", "2", "--out", "csv=s.csv"), scenario)
    assert placement(_args("--workers", "2", "--out", "summary.json"), scenario).workers == 2


def test_under_workers_a_per_sample_output_must_name_a_file(tmp_path: Path) -> None:
    scenario = load_scenario("dashboard", env=ENV)
    (tmp_path / "samples").mkdir()
    with pytest.raises(UsageError, match=r"own file \(samples.w1, …\); .*samples is not a regular file"):
        placement(_args("--workers", "2", "--out", f"json={tmp_path / 'samples'}"), scenario)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("samples.json", "samples.w1.json"),
        ("samples.ndjson.gz", "samples.w1.ndjson.gz"),
        ("samples", "samples.w1"),
        (".hidden.csv", ".hidden.w1.csv"),
    ],
)
def test_a_workers_file_carries_its_name_before_the_first_suffix(name: str, expected: str) -> None:
    assert worker_path(Path("out") / name, "w1") == Path("out") / expected


def test_each_worker_spec_gets_its_own_stream_files() -> None:
    specs = worker_specs(
        {"streams": [["json", "/r/samples.json.gz"], ["csv", "/r/s.csv"]], "seed": None},
        env={},
        track=(),
        segments=[("0:1/2", "0,1/2,1"), ("1/2:1", "0,1/2,1")],
    )
    assert [(name, spec["streams"]) for name, _, spec in specs] == [
        ("w1", [["json", "/r/samples.w1.json.gz"], ["csv", "/r/s.w1.csv"]]),
        ("w2", [["json", "/r/samples.w2.json.gz"], ["csv", "/r/s.w2.csv"]]),
    ]


def test_a_fold_control_goes_over_the_wire_to_the_workers_fold() -> None:
    class Recorded(RemoteWorker):
        def __init__(self) -> None:
            super().__init__({}, name="w1", segment="0:1", plan=WorkerReady(planned=1.0, vus_max=1))
            self.queued: list[bytes] = []

        def _queue(self, message: Mapping[str, Any]) -> None:
            self.queued.append(dumps(message))

    class Folds:
        keys: list[str] = []

        def fold(self, keys: Iterable[str]) -> None:
            self.keys = list(keys)

    handle, worker = Recorded(), Folds()
    handle.fold(["metric:http_req_duration", "endpoint:events"])
    (line,) = handle.queued
    _control(worker, loads(line), lambda _: None)  # type: ignore[arg-type]
    assert worker.keys == ["metric:http_req_duration", "endpoint:events"]
