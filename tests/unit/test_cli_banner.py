"""The plan banner, the CLI options' warnings, --vus/--iterations checks and a dry run without keys."""

from __future__ import annotations

import argparse

import pytest

from dashtui.cli import main
from dashtui.cli.banner import STANDIN_TARGET, option_warnings, plan_banner
from dashtui.metrics import Registry
from dashtui.scenario import apply_shortcuts, load_scenario
from dashtui.session import EXIT_CONFIG
from dashtui.thresholds import compile_thresholds

ENV = {
    "SUPABASE_URL": "http://127.0.0.1:54321",
    "SUPABASE_ANON_KEY": "anon-key-value",
    "SUPABASE_SERVICE_ROLE_KEY": "service-key-value",
    "TEST_EVENT_ID": "event-1",
}


def args(**given: object) -> argparse.Namespace:
    values: dict[str, object] = {"vus": None, "duration": None, "iterations": None, "stage": None}
    values.update(given)
    return argparse.Namespace(**values)


def test_duration_alone_warns_that_it_replaces_the_scenarios_and_runs_one_vu() -> None:
    preset = load_scenario("dashboard", env=ENV)
    warnings = option_warnings(preset, args(duration=30.0))
    assert warnings[0].startswith("--duration replaced the preset's scenarios (dashboard_viewers)")
    assert warnings[1] == "--duration without --vus runs 1 VU, as k6 does; add --vus N for more"
    assert option_warnings(preset, args(duration=30.0, vus=20)) == [warnings[0]]


def test_a_long_warning_wraps_within_100_columns() -> None:
    preset = load_scenario("dashboard", env=ENV)
    warnings = option_warnings(preset, args(duration=30.0))
    text = plan_banner(preset, target=None, thresholds=(), reports=(), warnings=warnings)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 100
    first = next(i for i, line in enumerate(lines) if line.startswith("dashtui: WARNING --duration replaced"))
    assert lines[first + 1].startswith("  ")
    joined = " ".join(line.strip() for line in lines[first:])
    assert warnings[0] in joined and warnings[1] in joined


def test_vus_alone_is_ignored_with_a_warning() -> None:
    preset = load_scenario("dashboard", env=ENV)
    (warning,) = option_warnings(preset, args(vus=5))
    assert warning == "--vus 5 alone is ignored (as in k6): add --duration, --iterations or --stage"
    assert len(f"dashtui: WARNING {warning}") <= 100
    assert option_warnings(preset, args()) == []


def test_the_banner_names_target_scenarios_thresholds_and_reports_never_a_key() -> None:
    preset = apply_shortcuts(load_scenario("dashboard", env=ENV), vus=20, duration=30.0)
    thresholds = compile_thresholds({"http_req_duration": ["p(95)<2000"]}, Registry())
    text = plan_banner(
        preset,
        target="http://db.example:5432/?apikey=service-key-value",
        thresholds=thresholds,
        reports=(None,),
        warnings=["something was ignored"],
    )
    lines = text.splitlines()
    assert lines[0] == "dashtui: plan for 'dashboard' (presets/dashboard.toml)"
    assert "service-key-value" not in text and "apikey=[redacted]" in lines[1]
    assert lines[2] == "  scenarios   default: constant-vus, 20 VUs for 30s, gracefulStop 30s"
    assert lines[3] == "  thresholds  http_req_duration p(95)<2000"
    assert lines[4] == "  reports     none (the summary only)"
    assert lines[5] == "dashtui: WARNING something was ignored"
    standin = plan_banner(preset, target=None, thresholds=(), reports=(), warnings=())
    assert f"  target      {STANDIN_TARGET}" in standin and "  thresholds  none" in standin


@pytest.mark.parametrize(("flag", "unit"), [("--vus", "VUs"), ("--iterations", "iterations")])
def test_a_negative_count_is_one_clean_error(
    flag: str, unit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dashboard", flag, "-3"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert f"found '-3', expected a whole number of {unit}, 1 or more" in err
    assert "Traceback" not in err


def test_validate_needs_no_key_and_names_the_stand_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    assert main(["validate", "dashboard"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"target: {STANDIN_TARGET}"
    assert "54321" not in out and "placeholder" not in out


def test_validate_shows_the_url_it_would_use_without_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPABASE_URL", "http://127.0.0.1:9999")
    assert main(["validate", "dashboard"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "target: http://127.0.0.1:9999"


def test_a_flag_typo_gets_the_closest_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--durtion", "30s"]) == EXIT_CONFIG
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "dashtui: error: unrecognized arguments: --durtion 30s (did you mean --duration?)"
