"""k6's headless progress line and per-scenario bars."""

from __future__ import annotations

import pytest

from dashtui.progress import format_elapsed, progress_bar_lines, progress_line
from dashtui.run.protocol import Progress, RunStatus, ScenarioProgress


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0.0s"), (13.04, "13.0s"), (62.34, "1m02.3s"), (3605, "1h00m05.0s"), (-1, "0.0s")],
)
def test_elapsed_is_formatted_as_k6_prints_it(seconds: float, text: str) -> None:
    assert format_elapsed(seconds) == text


def _progress(*, vus: int, paused: bool = False, elapsed: float = 62.3, done: bool = False) -> Progress:
    scenario = ScenarioProgress(
        name="dashboard_viewers",
        executor="constant-vus",
        vus=vus,
        vus_max=20,
        complete=145,
        interrupted=0,
        elapsed=elapsed,
        planned=180.0,
        done=done,
    )
    return Progress(
        elapsed=elapsed,
        planned=180.0,
        vus=vus,
        vus_max=20,
        complete=145,
        interrupted=0,
        scenarios=(scenario,),
        status=RunStatus(running=True, paused=paused),
    )


def test_progress_line_has_k6s_wording_and_zero_padded_vus() -> None:
    assert progress_line(_progress(vus=20)) == (
        "running (1m02.3s), 20/20 VUs, 145 complete and 0 interrupted iterations, 34%, 1m58s left"
    )
    assert progress_line(_progress(vus=5)).startswith("running (1m02.3s), 05/20 VUs")
    assert progress_line(_progress(vus=5, paused=True)).startswith("paused (")
    assert progress_line(_progress(vus=20, elapsed=179.5)).endswith(", 99%, 1s left")
    assert len(progress_line(_progress(vus=20))) <= 100


def test_bar_fills_with_the_share_of_planned_time() -> None:
    (line,) = progress_bar_lines(_progress(vus=20, elapsed=90.0), width=10)
    assert line == "dashboard_viewers   [=====>----] 20 VUs  1m30.0s/3m0s"
    (done,) = progress_bar_lines(_progress(vus=0, elapsed=185.0, done=True), width=10)
    assert "[==========]" in done
