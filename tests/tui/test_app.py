"""The console driven through Pilot against a FakeSession: controls, live updates and the exit code."""

from __future__ import annotations

import anyio
import pytest
from textual.binding import Binding
from textual.color import Color
from textual.pilot import Pilot
from textual.widgets import Label

from dashtui.engine.selfmon import GeneratorHealth, LoadFigures
from dashtui.metrics import Snapshot
from dashtui.run.protocol import Progress, WorkerStatus
from dashtui.tui import DashApp, run_console
from dashtui.tui.screens import HelpScreen, ResultsScreen, RunErrorScreen
from dashtui.tui.screens.main import MainScreen
from dashtui.tui.widgets import EndpointTable, RunHeader, TextPanel

from .console_fakes import ENDPOINTS, FakeSession, build_snapshot, evaluate

pytestmark = pytest.mark.anyio

SIZE = (120, 40)


async def next_frame(pilot: Pilot[None], app: DashApp) -> None:
    """Wait until the app has drawn a frame that started after this call (bounded)."""
    start = app.frames
    with anyio.fail_after(5):
        while app.frames < start + 2:
            await pilot.pause(0.01)


def header_text(app: DashApp) -> str:
    return str(app.screen.query_one(RunHeader).render())


def light_styles(app: DashApp) -> list[str]:
    content = app.screen.query_one("#thresholds", TextPanel).content
    assert content is not None
    marks = [i for i, ch in enumerate(content.plain) if ch in "●○"]
    return [next(str(s.style) for s in content.spans if s.start <= i < s.end) for i in marks]


async def finish_and_wait(pilot: Pilot[None], session: FakeSession) -> None:
    """End the run and wait for the results screen, so the app never closes with a run outcome in flight."""
    session.finish()
    with anyio.fail_after(5):
        while not isinstance(pilot.app.screen, ResultsScreen):
            await pilot.pause(0.01)


def fast_app(session: FakeSession, **kwargs: object) -> DashApp:
    return DashApp(session, fps=10.0, **kwargs)  # type: ignore[arg-type]


async def test_lights_turn_red_when_a_threshold_starts_failing() -> None:
    healthy = build_snapshot(seconds=4, failing_endpoint=None)
    session = FakeSession(snapshot_value=healthy, results_value=evaluate(healthy))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        before = light_styles(app)
        assert before[1] == "$success"
        failing = build_snapshot(seconds=4, failing_endpoint="orders")
        session.advance(failing, evaluate(failing))
        await next_frame(pilot, app)
        after = light_styles(app)
        assert after[1] == "$error"
        assert "rate=" in app.screen.query_one("#thresholds", TextPanel).content.plain  # type: ignore[union-attr]


def overloaded_health(overloaded: bool) -> GeneratorHealth:
    window = LoadFigures(
        span_s=10.0,
        late_share=0.23 if overloaded else 0.01,
        late_mean_ms=140.0,
        late_max_ms=140.0,
        cpu_share=0.97,
    )
    return GeneratorHealth(0.0, 0.0, 0.0, 97.0, 97.0, window=window, overloaded=overloaded)


async def test_header_turns_red_and_says_why_while_the_generator_is_overloaded() -> None:
    session = FakeSession()
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        header = app.screen.query_one(RunHeader)
        calm_background = header.styles.background
        assert not header.has_class("-overloaded")
        assert "overloaded" not in header_text(app)

        session.health = overloaded_health(True)
        await next_frame(pilot, app)
        assert header.has_class("-overloaded")
        assert header.styles.background == Color.parse(app.get_css_variables()["error-muted"])
        assert header.styles.background != calm_background
        text = header_text(app)
        assert "generator overloaded: loop late 23.0% of the last 10 s by 140 ms · CPU 97%" in text
        assert "latencies include the generator's own delay; run fewer VUs per process" in text

        session.health = overloaded_health(False)
        await next_frame(pilot, app)
        assert not header.has_class("-overloaded")
        assert header.styles.background == calm_background
        assert "overloaded" not in header_text(app)


async def test_pending_thresholds_are_grey() -> None:
    session = FakeSession()
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        assert set(light_styles(app)) == {"$text-muted"}


async def test_table_gains_rows_as_endpoints_appear_and_updates_them_in_place() -> None:
    session = FakeSession(snapshot_value=build_snapshot(seconds=2, endpoints=ENDPOINTS[:2]))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        table = app.screen.query_one(EndpointTable)
        assert [row.key.value for row in table.ordered_rows] == list(ENDPOINTS[:2])
        first_key = table.ordered_rows[0].key
        assert table.get_cell("events", "requests").plain == "12"

        session.advance(build_snapshot(seconds=5, endpoints=ENDPOINTS))
        await next_frame(pilot, app)
        assert [row.key.value for row in table.ordered_rows] == list(ENDPOINTS)
        assert table.ordered_rows[0].key is first_key
        assert table.get_cell("events", "requests").plain == "30"
        assert table.get_cell("orders", "mark").plain == " "

        session.results_value = evaluate(session.snapshot_value)
        await next_frame(pilot, app)
        assert table.get_cell("orders", "mark").plain == "▲"


async def test_sorting_reorders_rows_without_rebuilding_them() -> None:
    session = FakeSession(snapshot_value=build_snapshot(seconds=3))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        table = app.screen.query_one(EndpointTable)
        table.sort_by("p95", reverse=True)
        await pilot.pause()
        order = [row.key.value for row in table.ordered_rows]
        assert order[0] == "orders"
        await pilot.press("O")
        await next_frame(pilot, app)
        assert [row.key.value for row in table.ordered_rows] == order[::-1]


async def test_plus_and_minus_change_the_vu_count() -> None:
    session = FakeSession(vus=20, vus_max=20)
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus", "plus", "minus")
        await next_frame(pilot, app)
        assert [c for c in session.calls if c[0] == "add_vus"] == [
            ("add_vus", 1),
            ("add_vus", 1),
            ("add_vus", -1),
        ]
        assert session.vus == 21
        assert "VUs 21/22" in header_text(app)
        spark_label = app.screen.query_one("#spark-vus").query_one(Label)
        assert str(spark_label.render()) == "VUs 21", "the sparkline's VU label follows every frame"


async def test_a_refused_vu_change_leaves_the_count_alone() -> None:
    session = FakeSession(vus=0)
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("minus")
        await next_frame(pilot, app)
        assert session.vus == 0
        assert ("add_vus", -1) in session.calls
        assert "VUs 0/20" in header_text(app)


async def test_p_pauses_and_resumes() -> None:
    session = FakeSession()
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        assert "RUNNING" in header_text(app)
        await pilot.press("p")
        await next_frame(pilot, app)
        assert session.calls[-1] == ("pause",)
        assert "PAUSED" in header_text(app)
        await pilot.press("p")
        await next_frame(pilot, app)
        assert session.calls[-1] == ("resume",)
        assert "RUNNING" in header_text(app)


async def test_q_aborts_through_the_interrupt_shows_results_and_exits_with_the_outcome_code() -> None:
    """q aborts as a signal does (the same `interrupt` call the signal path makes), never gracefully."""
    snapshot = build_snapshot(seconds=3)
    session = FakeSession(snapshot_value=snapshot, results_value=evaluate(snapshot), exit_code=105)
    session.reason = "interrupted by signal"
    app = DashApp(session, fps=10.0, interrupt=lambda: session.stop(graceful=False))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        with anyio.fail_after(5):
            while not isinstance(app.screen, ResultsScreen):
                await pilot.pause(0.01)
        assert [c for c in session.calls if c[0] == "stop"] == [("stop", False)]
        title = str(app.screen.query_one("#results-title").render())
        assert "interrupted by signal" in title and "exit code 105" in title
        await pilot.press("q")
    assert app.return_code == 105


async def test_q_without_an_interrupt_stops_at_once_and_only_once() -> None:
    session = FakeSession()
    session.stop = lambda *, graceful=True: session.calls.append(("stop", graceful))  # type: ignore[method-assign]
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q", "q")
        await pilot.pause()
        assert [c for c in session.calls if c[0] == "stop"] == [("stop", False)]
        await finish_and_wait(pilot, session)


async def test_ctrl_c_behaves_like_q() -> None:
    session = FakeSession(exit_code=105)
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        with anyio.fail_after(5):
            while not isinstance(app.screen, ResultsScreen):
                await pilot.pause(0.01)
        assert ("stop", False) in session.calls
        await pilot.press("enter")
    assert app.return_code == 105


async def test_s_stops_gracefully_with_a_countdown_that_q_can_cut_short() -> None:
    session = FakeSession(elapsed=42.0)
    session.stop = lambda *, graceful=True: session.calls.append(("stop", graceful))  # type: ignore[method-assign]
    app = DashApp(session, fps=10.0, graceful_stop=30.0)
    async with app.run_test(size=SIZE) as pilot:
        with anyio.fail_after(5):
            while ("run",) not in session.calls:
                await pilot.pause(0.01)
        await pilot.press("s")
        session.stopping = True
        session.elapsed = 50.0
        await next_frame(pilot, app)
        assert session.calls[-1] == ("stop", True)
        assert "STOPPING" in header_text(app) and "22s left" in header_text(app)
        await pilot.press("s")
        assert [c for c in session.calls if c[0] == "stop"] == [("stop", True)]
        await pilot.press("q")
        assert session.calls[-1] == ("stop", False)
        await next_frame(pilot, app)
        assert "left" not in header_text(app)
        await finish_and_wait(pilot, session)


async def test_run_controls_are_gone_once_the_run_has_ended() -> None:
    session = FakeSession()
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        with anyio.fail_after(5):
            while not isinstance(app.screen, ResultsScreen):
                await pilot.pause(0.01)
        assert ("stop", True) in session.calls
        await pilot.press("p", "plus")
        assert not any(c[0] in ("pause", "add_vus") for c in session.calls)


async def test_exit_on_end_exits_without_a_key() -> None:
    session = FakeSession(finish_immediately=True, exit_code=99)
    app = fast_app(session, exit_on_end=True)
    with anyio.fail_after(10):
        await app.run_async(headless=True, size=SIZE)
    assert app.return_code == 99
    assert app.outcome is not None and app.outcome.exit_code == 99


async def test_a_failing_run_shows_the_error() -> None:
    session = FakeSession(raise_on_run=RuntimeError("target refused the connection"))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        with anyio.fail_after(5):
            while not isinstance(app.screen, RunErrorScreen):
                await pilot.pause(0.01)
        assert isinstance(app.run_error, RuntimeError)
        await pilot.press("q")
    assert app.return_code == 1


async def test_command_palette_offers_the_run_controls() -> None:
    session = FakeSession()
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.press(*"pause")
        with anyio.fail_after(5):
            while ("pause",) not in session.calls:
                await pilot.press("enter")
                await pilot.pause(0.05)
        assert session.paused


async def test_panels_maximise_and_restore() -> None:
    session = FakeSession(snapshot_value=build_snapshot(seconds=2))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        await pilot.press("m")
        assert app.screen.maximized is not None
        assert app.screen.maximized.id == "endpoints-panel"
        await pilot.press("escape")
        assert app.screen.maximized is None
        await pilot.press("tab", "m")
        assert app.screen.maximized is not None and app.screen.maximized.id == "thresholds"


@pytest.mark.parametrize("keys", [("question_mark",), ("ctrl+p", *"help", "enter")], ids=["?", "palette"])
async def test_help_lists_every_key_the_console_answers_to(keys: tuple[str, ...]) -> None:
    """? and the palette's "Help: keys" open a help box that shows every binding of the app, the main
    screen and the endpoint table, each with its action, inside the screen."""
    app = fast_app(FakeSession())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*keys)
        with anyio.fail_after(5):
            while not isinstance(app.screen, HelpScreen):
                await pilot.pause(0.01)
        await pilot.pause()
        box = app.screen.query_one("#help-box")
        keys_widget = app.screen.query_one("#help-keys")
        text = str(keys_widget.render())
        lines = text.splitlines()
        assert box.region.width >= 60 and box.region.height >= 12
        assert keys_widget.region.width <= box.region.width - 2
        assert box.region.right <= 80 and box.region.bottom <= 24
        bound: set[str] = set()
        for owner in (DashApp, MainScreen, EndpointTable):
            for binding in owner.BINDINGS:
                assert isinstance(binding, Binding)
                bound.update(binding.key.split(","))
        shown = {"question_mark": "?", "plus": "+", "equals_sign": "+", "minus": "-"}
        shown.update({str(n): "1 … 6" for n in range(1, 7)})
        for key in bound:
            label = shown.get(key, key)
            assert any(label in line.split("  ")[1] for line in lines if line.startswith("  ")), key
        for action in (
            "abort",
            "stop gracefully",
            "pause",
            "add / remove a VU",
            "sort",
            "maximise",
            "palette",
        ):
            assert action in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_frames_pull_progress_every_frame_and_a_snapshot_once_per_second() -> None:
    session = FakeSession()
    pulls = {"snapshot": 0, "progress": 0}
    snapshot, progress = session.snapshot, session.progress

    def counting_snapshot() -> Snapshot:
        pulls["snapshot"] += 1
        return snapshot()

    def counting_progress() -> Progress:
        pulls["progress"] += 1
        return progress()

    session.snapshot = counting_snapshot  # type: ignore[method-assign]
    session.progress = counting_progress  # type: ignore[method-assign]
    app = DashApp(session, fps=4.0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(1.0)
        assert 2 <= app.frames <= 7
        assert pulls["progress"] >= app.frames
        assert pulls["snapshot"] == app.snapshots == 1
        session.elapsed += 1.0
        await next_frame(pilot, app)
        assert pulls["snapshot"] == app.snapshots == 2


def test_fps_must_be_positive() -> None:
    with pytest.raises(ValueError, match="fps"):
        DashApp(FakeSession(), fps=0)


def test_run_console_returns_the_exit_code_and_reraises_run_errors() -> None:
    assert (
        run_console(FakeSession(finish_immediately=True, exit_code=99), exit_on_end=True, headless=True) == 99
    )
    with pytest.raises(RuntimeError, match="boom"):
        run_console(FakeSession(raise_on_run=RuntimeError("boom")), exit_on_end=True, headless=True)


async def test_the_apps_objects_are_frozen_out_of_gc_only_while_it_runs() -> None:
    import gc

    session = FakeSession()
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        with anyio.fail_after(5):
            while ("run",) not in session.calls:
                await pilot.pause(0.01)
        assert gc.get_freeze_count() > 0
        await pilot.press("q")
        with anyio.fail_after(5):
            while not isinstance(app.screen, ResultsScreen):
                await pilot.pause(0.01)
        await pilot.press("q")
    assert gc.get_freeze_count() == 0


async def test_the_header_grows_a_worker_line_for_several_workers_or_a_lost_one() -> None:
    session = FakeSession(workers=(WorkerStatus("w1", "0:1", "running", vus=10),))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        header = app.screen.query_one(RunHeader)
        assert (len(header_text(app).splitlines()), header.size.height) == (3, 3)
        session.workers = (WorkerStatus("w1", "0:1", "lost", error="exited with code -9"),)
        await next_frame(pilot, app)
        await pilot.pause()
        assert header_text(app).splitlines()[3] == "workers 1: w1 LOST (exited with code -9)"
        assert header.size.height == 4


async def test_the_sort_column_carries_an_arrow_in_its_header() -> None:
    session = FakeSession(snapshot_value=build_snapshot(seconds=2))
    app = fast_app(session)
    async with app.run_test(size=SIZE) as pilot:
        await next_frame(pilot, app)
        table = app.screen.query_one(EndpointTable)
        await pilot.press("o")
        labels = [str(c.label) for c in table.columns.values()]
        assert "endpoint▲" in labels and sum("▲" in label or "▼" in label for label in labels) == 1
        await pilot.press("O")
        assert "endpoint▼" in [str(c.label) for c in table.columns.values()]
        assert table.row_count == len(ENDPOINTS)


def test_the_verdict_thresholds_and_reports_stay_in_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    snapshot = build_snapshot(seconds=3)
    session = FakeSession(
        snapshot_value=snapshot,
        results_value=evaluate(snapshot, final=True),
        finish_immediately=True,
        exit_code=99,
        reason="thresholds failed",
        report_paths=("out/summary.json",),
    )
    assert run_console(session, exit_on_end=True, headless=True, verdict=True) == 99
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "dashtui: FAILED · thresholds failed · exit code 99"
    assert any(line.startswith("  ✗ http_req_duration{name:orders}") and "< 200ms" in line for line in lines)
    assert any(line.startswith("  ✓ http_req_duration ") for line in lines)
    assert lines[-1] == "report: out/summary.json"


async def test_option_warnings_show_when_the_console_opens() -> None:
    app = DashApp(FakeSession(), fps=10.0, notices=["--vus 5 alone is ignored (as in k6)"])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert [n.message for n in app._notifications] == ["--vus 5 alone is ignored (as in k6)"]
