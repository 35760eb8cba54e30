"""k6's CLI shortcuts --vus, --duration, --iterations, --stage, with k6's precedence and conflicts.

k6 (`lib/options.go` Apply, `lib/executor/execution_config_shortcuts.go`): a CLI --duration, --iterations
or --stage replaces the script's scenarios entirely with one scenario named "default":
- --iterations → shared-iterations (vus = --vus or 1; maxDuration = --duration when given, else 10m);
- else --duration → constant-vus (vus = --vus or 1);
- else --stage → ramping-vus (startVUs = --vus or 1).
--iterations with --stage, or --duration with --stage, is a conflict. --vus alone leaves explicit
scenarios untouched (k6 only turns a lone `vus` into shared-iterations when no scenarios exist, and a
preset always has scenarios): `shortcut_notes` says so instead of ignoring it silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import ValidationError

from .durations import DURATION_EXPECTED, format_duration, parse_duration
from .errors import ScenarioError, SpecError
from .model import ConstantVUs, ExecutorConfig, RampingVUs, Scenario, SharedIterations, Stage
from .problems import problems_from_validation

__all__ = ["DEFAULT_SCENARIO", "apply_shortcuts", "parse_stages", "shortcut_notes"]

DEFAULT_SCENARIO = "default"


def _conflict(first: str, second: str) -> ScenarioError:
    return ScenarioError(
        f"using `{first}` and `{second}` options simultaneously is not allowed",
        key=f"--{first}",
        found=f"--{first} and --{'stage' if second == 'stages' else second}",
        expected=f"only one of --{first} or --stage",
    )


def apply_shortcuts(
    scenario: Scenario,
    *,
    vus: int | None = None,
    duration: float | None = None,
    iterations: int | None = None,
    stages: Sequence[Stage] | None = None,
) -> Scenario:
    """The scenario with k6's CLI shortcuts applied; raises ScenarioError on k6's conflicts."""
    if iterations is not None and stages:
        raise _conflict("iterations", "stages")
    if duration is not None and stages:
        raise _conflict("duration", "stages")
    if duration is not None and duration <= 0:
        raise ScenarioError(
            "`duration` option should be more than 0",
            key="--duration",
            found=format_duration(duration),
            expected="a duration above 0",
        )
    flow = next(iter(scenario.scenarios.values())).exec
    start_vus = 1 if vus is None else vus
    executor: ExecutorConfig
    try:
        if iterations is not None:
            fields: dict[str, object] = {"vus": start_vus, "iterations": iterations, "exec": flow}
            if duration is not None:
                fields["maxDuration"] = duration
            executor = SharedIterations.model_validate(fields)
        elif duration is not None:
            executor = ConstantVUs.model_validate({"vus": start_vus, "duration": duration, "exec": flow})
        elif stages:
            executor = RampingVUs.model_validate(
                {"startVUs": start_vus, "stages": list(stages), "exec": flow}
            )
        else:
            return scenario
    except ValidationError as exc:
        raise problems_from_validation(
            exc, file=None, prefix=("--vus/--duration/--iterations/--stage",)
        ) from None
    return scenario.model_copy(update={"scenarios": {DEFAULT_SCENARIO: executor}})


def shortcut_notes(
    scenario: Scenario,
    *,
    vus: int | None = None,
    duration: float | None = None,
    iterations: int | None = None,
    stages: Sequence[Stage] | None = None,
) -> list[str]:
    """What the shortcuts did to the preset's scenarios, for the CLI to print as warnings."""
    names = ", ".join(scenario.scenarios)
    used = [
        flag
        for flag, value in (("--duration", duration), ("--iterations", iterations), ("--stage", stages))
        if value
    ]
    if used:
        return [
            f"{' and '.join(used)} replaced the preset's scenarios ({names}) with one scenario "
            f"{DEFAULT_SCENARIO!r}, as k6 does"
        ]
    if vus is not None:
        return [f"--vus {vus} alone is ignored (as in k6): add --duration, --iterations or --stage"]
    return []


def parse_stages(values: Iterable[str]) -> list[Stage]:
    """k6's `--stage 30s:10` (repeatable, or comma-separated '30s:10,1m:20') → stages."""
    stages: list[Stage] = []
    for value in values:
        for item in value.split(","):
            text = item.strip()
            duration_text, sep, target_text = text.rpartition(":")
            try:
                if not sep:
                    raise SpecError("no target", found=repr(text), expected="DURATION:TARGET")
                seconds = parse_duration(duration_text)
                target = int(target_text)
                if target < 0:
                    raise ValueError(target_text)
            except (SpecError, ValueError):
                raise ScenarioError(
                    "invalid stage",
                    key="--stage",
                    found=repr(text),
                    expected=f"DURATION:TARGET such as '30s:10' (DURATION is {DURATION_EXPECTED}; "
                    "TARGET a whole number >= 0)",
                ) from None
            stages.append(Stage(duration=seconds, target=target))
    return stages
