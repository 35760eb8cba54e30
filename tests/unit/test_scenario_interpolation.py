"""`${VAR}` / `${VAR:-default}` interpolation: precedence, defaults, escapes, vars tables and secrets."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dashtui.scenario import Interpolator, RequestStep, ScenarioError, describe_plan, load_scenario
from dashtui.scenario.interpolate import InterpolationError


def expand(
    text: str, env: dict[str, str] | None = None, extra: dict[str, str] | None = None, **vars: str
) -> str:
    return Interpolator(env=env or {}, extra=extra or {}, vars=vars).expand(text)


@pytest.mark.parametrize(
    ("text", "env", "result"),
    [
        ("${A}", {"A": "1"}, "1"),
        ("x-${A}-y", {"A": "1"}, "x-1-y"),
        ("${A:-dflt}", {}, "dflt"),
        ("${A:-dflt}", {"A": ""}, "dflt"),
        ("${A:-dflt}", {"A": "set"}, "set"),
        ("${A:-}", {}, ""),
        ("${A:-${B:-inner}}", {}, "inner"),
        ("${A:-${B}}", {"B": "b"}, "b"),
        ("$${A}", {"A": "1"}, "${A}"),
        ("cost $5", {}, "cost $5"),
        ("${A}${A}", {"A": "z"}, "zz"),
        ("${A:-a:b}", {}, "a:b"),
    ],
)
def test_expand(text: str, env: dict[str, str], result: str) -> None:
    assert expand(text, env) == result


def test_extra_beats_env_beats_vars() -> None:
    assert expand("${X}", env={"X": "env"}, extra={"X": "cli"}, X="vars") == "cli"
    assert expand("${X}", env={"X": "env"}, X="vars") == "env"
    assert expand("${X}", X="vars") == "vars"


def test_vars_may_reference_env_and_each_other() -> None:
    assert expand("${URL}/x", env={"HOST": "h"}, URL="http://${HOST}:${PORT}", PORT="9") == "http://h:9/x"


def test_a_var_referencing_itself_reads_the_environment_or_its_default() -> None:
    assert expand("${ID}", ID="${ID:-fallback}") == "fallback"
    assert expand("${ID}", env={"ID": "from-env"}, ID="${ID:-fallback}") == "from-env"


def test_a_var_cycle_without_default_is_an_unset_variable() -> None:
    with pytest.raises(InterpolationError) as caught:
        expand("${A}", A="${B}", B="${A}")
    assert "variable A is not set" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("${MISSING}", "variable MISSING is not set"),
        ("${A", "unterminated"),
        ("${1A}", "invalid variable reference"),
        ("${A-x}", "invalid variable reference"),
        ("${}", "invalid variable reference"),
    ],
)
def test_bad_references(text: str, fragment: str) -> None:
    with pytest.raises(InterpolationError) as caught:
        expand(text)
    assert fragment in str(caught.value)


def test_values_of_secret_named_variables_are_recorded() -> None:
    interpolator = Interpolator(
        env={"SERVICE_TOKEN": "tok-123456", "PLAIN": "visible", "SUPABASE_ANON_KEY": "anon-key-value"},
        vars={"AUTH": "Bearer ${SERVICE_TOKEN}"},
    )
    assert interpolator.expand("${AUTH} ${PLAIN}") == "Bearer tok-123456 visible"
    assert {"tok-123456", "anon-key-value"} <= interpolator.secrets
    assert "visible" not in interpolator.secrets


PRESET = """\
name = "i"

[vars]
BASE_URL = "${SUPABASE_URL:-http://127.0.0.1:54321}"
EVENT = "${TEST_EVENT_ID:-test-event-id}"
VUS = 3

[scenarios.s]
executor = "constant-vus"
vus = "${VUS}"
duration = "${RUN_FOR:-90s}"

[[steps]]
[steps.request]
url = "${BASE_URL}/rest/v1/tickets?event_id=eq.${EVENT}&note=$${literal}"
headers = { apikey = "${MY_SECRET_KEY:-none-given}" }
"""


def load(tmp_path: Path, env: dict[str, str], extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    path = tmp_path / "i.toml"
    path.write_text(textwrap.dedent(PRESET), encoding="utf-8")
    return load_scenario(path, env=env, extra_vars=extra or {})


def request_url(scenario) -> str:  # type: ignore[no-untyped-def]
    step = scenario.flows["default"][0]
    assert isinstance(step, RequestStep)
    return step.request.url


def test_defaults_apply_when_the_environment_is_empty(tmp_path: Path) -> None:
    scenario = load(tmp_path, env={})
    assert (
        request_url(scenario)
        == "http://127.0.0.1:54321/rest/v1/tickets?event_id=eq.test-event-id&note=${literal}"
    )
    assert scenario.vars == {"BASE_URL": "http://127.0.0.1:54321", "EVENT": "test-event-id", "VUS": "3"}
    executor = scenario.scenarios["s"]
    assert (executor.vus, executor.duration) == (3, 90.0)  # type: ignore[union-attr]


def test_environment_and_cli_override(tmp_path: Path) -> None:
    scenario = load(
        tmp_path,
        env={"SUPABASE_URL": "https://proj.supabase.co", "TEST_EVENT_ID": "ev-1", "RUN_FOR": "2m"},
        extra={"TEST_EVENT_ID": "ev-cli", "VUS": "7"},
    )
    assert (
        request_url(scenario) == "https://proj.supabase.co/rest/v1/tickets?event_id=eq.ev-cli&note=${literal}"
    )
    assert scenario.vars["EVENT"] == "ev-cli"
    executor = scenario.scenarios["s"]
    assert (executor.vus, executor.duration) == (7, 120.0)  # type: ignore[union-attr]


def test_a_cli_var_overrides_a_preset_var_of_the_same_name(tmp_path: Path) -> None:
    scenario = load(tmp_path, env={}, extra={"BASE_URL": "http://127.0.0.1:9999"})
    assert request_url(scenario).startswith("http://127.0.0.1:9999/rest/v1/tickets")


def test_an_unset_variable_inside_vars_is_reported_at_the_var(tmp_path: Path) -> None:
    path = tmp_path / "v.toml"
    path.write_text('[vars]\nA = "ok"\nB = "${NOT_SET}"\n', encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, env={})
    assert (caught.value.key, caught.value.line) == ("vars.B", 3)


def test_secret_values_never_reach_the_plan(tmp_path: Path) -> None:
    scenario = load(tmp_path, env={"MY_SECRET_KEY": "k-very-secret-1"})
    assert scenario.redact("x k-very-secret-1 y") == "x [redacted] y"
    assert "k-very-secret-1" not in describe_plan(scenario)
