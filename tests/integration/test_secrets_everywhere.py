"""One secret per input, searched for in every output: summary, JSON files, validate, errors, console."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest

from dashtui.cli.load import make_session
from dashtui.demo import StandInProcess, standin_process
from dashtui.scenario import load_scenario
from dashtui.tui.views import build_live_view

pytestmark = pytest.mark.integration

PRESET_SECRET = "pr3s3t-s3cr3t-valu3-0123456789"
ENV_TOKEN = "envtok-zz-98765"
ECHO_TOKEN = "echotoken77"
CLI_SECRET = "clisecret-5555"
OPAQUE = "opaque-abc-123456"
"""Not secret by its variable's name: only its place in the URL (`?apikey=`) says it is."""

PRESET = f"""
name = "leaky"

[vars]
BASE_URL = "${{SUPABASE_URL}}"
PRESET_SECRET = "{PRESET_SECRET}"

[scenarios.one]
executor = "per-vu-iterations"
vus = 1
iterations = 1

[[steps]]
group = "group ${{ENV_TOKEN}}"

[[steps.steps]]
[[steps.steps.batch]]
name = "events ${{PRESET_SECRET}}"
auth = "service"
url = "${{BASE_URL}}/rest/v1/events?select=*&limit=1"
checks = [{{ name = "ok ${{CLI_SECRET}}", status = 200 }}]

[[steps.steps.batch]]
auth = "service"
url = "${{BASE_URL}}/rest/v1/events?select=${{ECHO_TOKEN}}"

[[steps.steps.batch]]
url = "${{BASE_URL}}/rest/v1/nope?apikey=${{OPAQUE}}"
"""


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "7"]) as running:
        yield running


def _secrets(standin: StandInProcess) -> list[str]:
    return [
        PRESET_SECRET,
        ENV_TOKEN,
        ECHO_TOKEN,
        CLI_SECRET,
        OPAQUE,
        standin.service_role_key,
        standin.anon_key,
    ]


def _env(standin: StandInProcess) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")}
    return base | standin.env() | {"ENV_TOKEN": ENV_TOKEN, "ECHO_TOKEN": ECHO_TOKEN, "CI": "true"}


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashtui", *args, "-e", f"CLI_SECRET={CLI_SECRET}", "-e", f"OPAQUE={OPAQUE}"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=90,
        stdin=subprocess.DEVNULL,
    )


def _assert_clean(where: str, text: str, secrets: list[str]) -> None:
    for secret in secrets:
        assert secret not in text, f"{secret!r} in {where}"
        assert secret[:8] not in text, f"a prefix of {secret!r} in {where}"


def test_no_secret_reaches_the_summary_the_reports_or_validate(
    standin: StandInProcess, tmp_path: Path
) -> None:
    (tmp_path / "leaky.toml").write_text(PRESET)
    env = _env(standin)
    run = _run(
        ["--headless", "leaky.toml", "--out", "out.json", "--summary-export", "export.json"], env, tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert "✓ ok [redacted]" in run.stdout
    out = (tmp_path / "out.json").read_text()
    assert "group [redacted]" in out
    validate = _run(["validate", "leaky.toml"], env, tmp_path)
    assert validate.returncode == 0, validate.stderr
    assert "?apikey=[redacted]" in validate.stdout
    outputs = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "--out": out,
        "--summary-export": (tmp_path / "export.json").read_text(),
        "validate": validate.stdout + validate.stderr,
    }
    for where, text in outputs.items():
        _assert_clean(where, text, _secrets(standin))


def test_no_secret_reaches_the_console_views(standin: StandInProcess, tmp_path: Path) -> None:
    """What the console draws: failures (a server echoing a key, a URL with ?apikey=), checks, groups,
    endpoints and thresholds, all built from the run's snapshot."""
    (tmp_path / "leaky.toml").write_text(PRESET)
    env = _env(standin)
    scenario = load_scenario(
        tmp_path / "leaky.toml", env=env, extra_vars={"CLI_SECRET": CLI_SECRET, "OPAQUE": OPAQUE}
    )
    session = make_session(scenario, env=env, target=standin.url)
    outcome = anyio.run(session.run)
    view = build_live_view(session.info, session.snapshot(), session.progress(), session.threshold_results())
    failures = view.failures
    assert len(failures) == 2
    assert any("?apikey=[redacted]" in row.name for row in failures)
    assert any("does not exist" in row.excerpt for row in failures), "the server echoed the column back"
    drawn = repr((failures, view.checks, view.groups, view.endpoints, view.thresholds))
    drawn += repr(session.snapshot().failures) + outcome.summary_text
    _assert_clean("the console", drawn, _secrets(standin))


def test_a_long_secret_in_a_bad_value_is_redacted_before_it_is_cut_short(tmp_path: Path) -> None:
    long_token = "tok_" + "A1b2C3d4" * 30
    (tmp_path / "bad.toml").write_text(
        '[scenarios.one]\nexecutor = "constant-vus"\nvus = "${LONG_TOKEN}"\nduration = "1s"\n'
        '[[steps]]\nrequest = { url = "http://127.0.0.1:9/x" }\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")} | {"LONG_TOKEN": long_token}
    result = subprocess.run(
        [sys.executable, "-m", "dashtui", "validate", "bad.toml"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 104
    assert "vus" in result.stderr and "[redacted]" in result.stderr
    assert long_token[:8] not in result.stdout + result.stderr
