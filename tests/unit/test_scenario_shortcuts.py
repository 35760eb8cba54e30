"""k6's CLI shortcuts (execution_config_shortcuts.go and Options.Apply), table-driven."""

from __future__ import annotations

from typing import Any

import pytest

from dashtui.scenario import (
    ConstantVUs,
    RampingVUs,
    Scenario,
    ScenarioError,
    SharedIterations,
    Stage,
    apply_shortcuts,
    parse_stages,
    shortcut_notes,
)

STAGES = [Stage(duration=30, target=10), Stage(duration=60, target=0)]


def preset(exec_name: str = "default") -> Scenario:
    return Scenario.model_validate(
        {
            "name": "p",
            "scenarios": {
                "viewers": {"executor": "constant-vus", "vus": 20, "duration": "3m", "exec": exec_name},
                "late": {"executor": "per-vu-iterations", "startTime": "1m", "exec": exec_name},
            },
            "flows": {exec_name: [{"sleep": 1}]},
        }
    )


@pytest.mark.parametrize(
    ("flags", "kind", "fields"),
    [
        ({"duration": 10.0}, ConstantVUs, {"vus": 1, "duration": 10.0}),
        ({"duration": 10.0, "vus": 5}, ConstantVUs, {"vus": 5, "duration": 10.0}),
        ({"iterations": 7}, SharedIterations, {"vus": 1, "iterations": 7, "max_duration": 600.0}),
        ({"iterations": 7, "vus": 3}, SharedIterations, {"vus": 3, "iterations": 7}),
        ({"iterations": 7, "duration": 30.0}, SharedIterations, {"iterations": 7, "max_duration": 30.0}),
        ({"stages": STAGES}, RampingVUs, {"start_vus": 1, "stages": STAGES}),
        ({"stages": STAGES, "vus": 4}, RampingVUs, {"start_vus": 4, "stages": STAGES}),
    ],
)
def test_shortcuts_replace_scenarios_with_one_default(
    flags: dict[str, Any], kind: type, fields: dict[str, Any]
) -> None:
    result = apply_shortcuts(preset(), **flags)
    assert list(result.scenarios) == ["default"]
    executor = result.scenarios["default"]
    assert isinstance(executor, kind)
    for name, value in fields.items():
        assert getattr(executor, name) == value, name
    assert executor.graceful_stop == 30.0 and executor.start_time == 0.0


@pytest.mark.parametrize("flags", [{}, {"vus": 50}, {"stages": []}])
def test_no_execution_shortcut_keeps_the_presets_scenarios(flags: dict[str, Any]) -> None:
    original = preset()
    assert apply_shortcuts(original, **flags) == original


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            {"iterations": 5, "stages": STAGES},
            "using `iterations` and `stages` options simultaneously is not allowed",
        ),
        (
            {"duration": 5.0, "stages": STAGES},
            "using `duration` and `stages` options simultaneously is not allowed",
        ),
        ({"duration": 0.0}, "`duration` option should be more than 0"),
    ],
)
def test_k6_conflicts_are_errors(flags: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        apply_shortcuts(preset(), **flags)
    assert message in str(caught.value)


def test_shared_iterations_need_at_least_one_iteration_per_vu() -> None:
    with pytest.raises(ScenarioError) as caught:
        apply_shortcuts(preset(), iterations=2, vus=5)
    assert "iterations >= vus (5)" in str(caught.value)


def test_zero_vus_is_rejected_as_in_k6() -> None:
    with pytest.raises(ScenarioError) as caught:
        apply_shortcuts(preset(), duration=5.0, vus=0)
    assert "a number > 0" in str(caught.value)


def test_default_scenario_runs_the_first_scenarios_flow() -> None:
    assert apply_shortcuts(preset("browse"), duration=5.0).scenarios["default"].exec == "browse"


def test_shortcuts_keep_everything_else() -> None:
    original = preset().with_secrets(frozenset({"secret-value"}))
    result = apply_shortcuts(original, duration=5.0)
    assert result.flows == original.flows and result.name == original.name
    assert result.secrets == frozenset({"secret-value"})


def test_notes_say_what_happened() -> None:
    assert shortcut_notes(preset(), duration=5.0, vus=2) == [
        "--duration replaced the preset's scenarios (viewers, late) with one scenario 'default', as k6 does"
    ]
    assert "--vus 9 alone is ignored" in shortcut_notes(preset(), vus=9)[0]
    assert shortcut_notes(preset()) == []


@pytest.mark.parametrize(
    ("values", "stages"),
    [
        (["30s:10"], [Stage(duration=30, target=10)]),
        (["1m:20,2m:0"], [Stage(duration=60, target=20), Stage(duration=120, target=0)]),
        (["10:5", "1m30s:0"], [Stage(duration=10, target=5), Stage(duration=90, target=0)]),
    ],
)
def test_parse_stages(values: list[str], stages: list[Stage]) -> None:
    assert parse_stages(values) == stages


@pytest.mark.parametrize("bad", ["30s", "soon:10", "30s:-1", "30s:x", ":5"])
def test_parse_stages_rejects_bad_input(bad: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse_stages([bad])
    assert caught.value.key == "--stage"
    assert "DURATION:TARGET such as '30s:10'" in str(caught.value)
