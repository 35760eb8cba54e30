"""Snapshot tests of the main and results screens from fixed data, at 160×50, 120×40 and 80×24."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import pytest
from textual.pilot import Pilot

from dashtui.tui import DashApp
from dashtui.tui.screens import ResultsScreen

from .console_fakes import FakeSession, build_snapshot, evaluate

SnapCompare = Callable[..., bool]

SUMMARY = """\
  █ THRESHOLDS

    http_req_duration
    ✓ 'p(95)<3000' p(95)=256.5ms

    http_req_duration{name:orders}
    ✗ 'p(95)<200' p(95)=274.5ms

    http_req_failed
    ✗ 'rate<0.01' rate=2.43%

  █ TOTAL RESULTS

    checks_total.......: 288    24/s
    checks_succeeded...: 97.56% 281 out of 288
    checks_failed......: 2.43%  7 out of 288

    HTTP
    http_req_duration..: avg=131.05ms min=30ms med=113.5ms max=279ms p(90)=237ms p(95)=256.5ms
    http_req_failed....: 2.43%  7 out of 288
    http_reqs..........: 288    24/s
"""


def session_with_data(**changes: object) -> FakeSession:
    snapshot = build_snapshot(seconds=12, realtime=True)
    session = FakeSession(
        snapshot_value=snapshot,
        results_value=evaluate(snapshot),
        summary_text=SUMMARY,
        report_paths=("summary.json", "summary-export.json"),
        exit_code=99,
        reason="thresholds failed",
    )
    for key, value in changes.items():
        setattr(session, key, value)
    return session


async def wait_for_results(pilot: Pilot[None]) -> None:
    with anyio.fail_after(5):
        while not isinstance(pilot.app.screen, ResultsScreen):
            await pilot.pause(0.01)
    await pilot.pause()


@pytest.mark.parametrize("size", [(160, 50), (120, 40), (80, 24)], ids=["160x50", "120x40", "80x24"])
def test_main_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """Every panel from a fixed snapshot: a failing threshold, a breaching endpoint, failures, realtime."""
    assert snap_compare(DashApp(session_with_data()), terminal_size=size)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_results_screen(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """The run ended with failed thresholds: verdict, exit code, final lights, summary and report paths."""
    app = DashApp(session_with_data(finish_immediately=True))
    assert snap_compare(app, terminal_size=size, run_before=wait_for_results)


def test_paused_and_maximised_table(snap_compare: SnapCompare) -> None:
    """p shows PAUSED in the header; m maximises the focused endpoint table under the header."""
    assert snap_compare(DashApp(session_with_data()), terminal_size=(100, 30), press=["p", "m"])
