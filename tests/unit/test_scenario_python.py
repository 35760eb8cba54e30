"""Python scenario files: `scenario = ...` or `build(env)`, PythonStep, clear errors on import failures."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dashtui.scenario import PythonStep, ScenarioError, load_scenario

BUILD = """
from dashtui.scenario import PythonStep, Scenario

picked = []


async def pick_event(vu):
    picked.append(vu)


def build(env):
    return Scenario.model_validate({
        "name": "pick",
        "scenarios": {"one": {"executor": "per-vu-iterations", "vus": int(env.get("VUS", "1"))}},
        "flows": {"default": [
            {"request": {"url": env.get("BASE_URL", "http://127.0.0.1:54321") + "/rest/v1/events"}},
            PythonStep(call=pick_event, name="pick an event id"),
        ]},
    })
"""


def write(tmp_path: Path, body: str, name: str = "scenario_file.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


def test_build_gets_env_with_cli_vars_on_top(tmp_path: Path) -> None:
    path = write(tmp_path, BUILD)
    scenario = load_scenario(
        path, env={"VUS": "2", "BASE_URL": "http://env"}, extra_vars={"BASE_URL": "http://cli:1"}
    )
    assert scenario.scenarios["one"].vus == 2  # type: ignore[union-attr]
    assert scenario.source == str(path)
    step = scenario.flows["default"][1]
    assert isinstance(step, PythonStep) and step.name == "pick an event id"
    assert scenario.flows["default"][0].request.url == "http://cli:1/rest/v1/events"  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_python_step_is_awaitable_with_a_vu(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, BUILD, "awaitable.py"), env={})
    step = scenario.flows["default"][1]
    assert isinstance(step, PythonStep)
    sentinel = object()
    await step.call(sentinel)
    module_globals = step.call.__globals__
    assert module_globals["picked"] == [sentinel]


def test_module_level_scenario(tmp_path: Path) -> None:
    body = """
    from dashtui.scenario import Scenario
    scenario = Scenario.model_validate({
        "name": "static",
        "scenarios": {"s": {"executor": "shared-iterations", "iterations": 3}},
        "flows": {"default": [{"sleep": [1, 2]}]},
    })
    """
    scenario = load_scenario(write(tmp_path, body), env={})
    assert scenario.name == "static" and scenario.scenarios["s"].iterations == 3  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("body", "fragment", "line"),
    [
        (
            "import nonexistent_module_xyz\n",
            "importing the scenario failed: ModuleNotFoundError: No module named",
            1,
        ),
        ("x = 1\nraise RuntimeError('boom')\n", "importing the scenario failed: RuntimeError: boom", 2),
        ("def build(:\n", "Python syntax error", 1),
        ("x = 1\n", "found neither `scenario` nor `build`", None),
        ("scenario = 42\n", "found `scenario` is a int", None),
        ("def build(env):\n    return {'name': 'x'}\n", "found build(env) returned a dict", None),
        (
            "def build(env):\n    raise ValueError('no ' + env['TOKEN_SECRET'])\n",
            "build(env) failed: ValueError: no [redacted]",
            2,
        ),
        ("import sys\nsys.exit(3)\n", "SystemExit: 3", 2),
    ],
)
def test_import_problems_are_scenario_errors(
    tmp_path: Path, body: str, fragment: str, line: int | None
) -> None:
    path = write(tmp_path, body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, env={"TOKEN_SECRET": "hush-hush-1234"})
    text = str(caught.value)
    assert fragment in text
    assert "Traceback" not in text and "hush-hush-1234" not in text
    assert caught.value.file == str(path)
    assert caught.value.line == line


def test_validation_errors_in_python_files_name_the_key(tmp_path: Path) -> None:
    body = """
    from dashtui.scenario import Scenario
    scenario = Scenario.model_validate({
        "name": "bad",
        "scenarios": {"s": {"executor": "constant-vus", "duration": "3 minutes"}},
        "flows": {"default": [{"sleep": 1}]},
    })
    """
    path = write(tmp_path, body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, env={})
    assert caught.value.key == "scenarios.s.duration"
    assert caught.value.found == "'3 minutes'"
    assert str(caught.value).startswith(f"{path}: scenarios.s.duration: found '3 minutes'")


RAISES = """
from dashtui.scenario import PythonStep, Scenario


async def look_up_event(vu):
    events = []
    return events[0]


scenario = Scenario.model_validate({
    "name": "raises",
    "scenarios": {"one": {"executor": "per-vu-iterations", "vus": 1, "iterations": 2}},
    "flows": {"default": [PythonStep(call=look_up_event, name="look up")]},
})
"""


@pytest.mark.anyio
async def test_a_step_exception_names_the_preset_file_and_line(tmp_path: Path) -> None:
    """The failures list (and the headless error feed that reads it) says where the step raised."""
    from dashtui.session import Session

    path = write(tmp_path, RAISES, name="drilldown.py")
    scenario = load_scenario(str(path), env={})
    outcome = await Session(scenario, env={}, target="http://127.0.0.1:1").run()
    errors = {f.error for f in outcome.snapshot.failures}
    assert errors == {"IndexError: list index out of range (drilldown.py:7)"}
    assert outcome.snapshot.values("iterations") is None
