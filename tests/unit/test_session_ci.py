"""The session's CI hooks: the sink tees to `--out json=` when asked; a file not written means exit 103."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import httpx

from dashtui.report.ci import CiOutputs
from dashtui.report.streams import StreamSpec
from dashtui.session import Session, SessionOutputs

from .engine_helpers import scenario

FLOW = [{"request": {"url": "http://127.0.0.1:1/rest/v1/events", "name": "events"}}]


def _session(ci: CiOutputs) -> Session:
    return Session(
        scenario(FLOW, executor={"executor": "shared-iterations", "vus": 1, "iterations": 3}),
        env={},
        target="http://127.0.0.1:1",
        outputs=SessionOutputs(ci=ci),
        transport_factory=lambda: httpx.MockTransport(lambda request: httpx.Response(200, json=[])),
    )


def test_the_run_streams_every_request_and_writes_its_files(tmp_path: Path) -> None:
    ci = CiOutputs(junit=tmp_path / "junit.xml", streams=(StreamSpec("json", tmp_path / "s.ndjson"),))
    outcome = anyio.run(_session(ci).run)
    assert outcome.exit_code == 0
    assert str(tmp_path / "junit.xml") in outcome.report_paths
    lines = [json.loads(x) for x in (tmp_path / "s.ndjson").read_text().splitlines()]
    reqs = [x for x in lines if x["type"] == "Point" and x["metric"] == "http_reqs"]
    assert len(reqs) == 3 and {x["data"]["tags"]["name"] for x in reqs} == {"events"}


def test_a_ci_file_that_cannot_be_written_exits_103(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    outcome = anyio.run(_session(CiOutputs(step_summary=blocker / "summary.md")).run)
    assert outcome.exit_code == 103
    assert [e.split(":")[0] for e in outcome.report_errors] == [f"GITHUB_STEP_SUMMARY {blocker}/summary.md"]
