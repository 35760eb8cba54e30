"""`dashtui init` against the stand-in: a valid Swagger 2.0 root; the preset it writes runs and passes."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from dashtui.demo import StandInProcess, standin_process
from dashtui.demo.schema import TABLES

from .cli_support import run_dashtui

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def standin() -> Iterator[StandInProcess]:
    with standin_process(["--scale", "small", "--box-office-rate", "0", "--seed", "7"]) as running:
        yield running


def test_the_root_serves_a_valid_swagger_description_to_the_service_key_only(standin: StandInProcess) -> None:
    service = {"apikey": standin.service_role_key, "Authorization": f"Bearer {standin.service_role_key}"}
    response = httpx.get(f"{standin.url}/rest/v1/", headers=service, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openapi+json")
    document = response.json()
    validate(document)
    assert document["swagger"] == "2.0"
    assert list(document["definitions"]) == list(TABLES)
    assert set(document["definitions"]["events"]["properties"]) == set(TABLES["events"].column_names)
    assert (
        "<fk table='events' column='id'/>"
        in document["definitions"]["tickets"]["properties"]["event_id"]["description"]
    )
    anon = httpx.get(f"{standin.url}/rest/v1/", headers={"apikey": standin.anon_key}, timeout=10)
    assert anon.status_code == 401


def test_init_writes_a_preset_that_runs_against_the_standin_and_passes(
    standin: StandInProcess, tmp_path: Path
) -> None:
    standin.set_faults(error_rate=0.0)
    env = standin.env()
    written = run_dashtui(
        [
            "init",
            "--tables",
            "events,orders",
            "--realtime",
            "orders",
            "--vus",
            "2",
            "--duration",
            "2s",
            "-o",
            "p.toml",
        ],
        env,
        tmp_path,
    )
    assert written.returncode == 0, written.stderr
    text = (tmp_path / "p.toml").read_text(encoding="utf-8")
    for secret in (standin.service_role_key, standin.anon_key):
        assert secret not in text and secret not in written.stderr
    preset = tomllib.loads(text)
    batch = preset["steps"][0]["steps"][0]["batch"]
    assert [r["name"] for r in batch] == ["events", "orders"]
    assert batch[1]["url"].startswith("${BASE_URL}/rest/v1/orders?select=id,event_id,total_amount,")
    assert batch[1]["url"].endswith("&order=created_at.desc&limit=50")
    assert preset["steps"][2]["realtime"]["changes"] == [
        {"event": "*", "schema": "public", "table": "orders"}
    ]
    result = run_dashtui(["--headless", "p.toml", "--quiet", "--out", "out.json"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((tmp_path / "out.json").read_text())["metrics"]
    assert metrics["http_req_failed"]["values"]["rate"] == 0
    assert metrics["realtime_subscriptions"]["thresholds"] == {"rate>0.99": {"ok": True}}


def test_init_defaults_to_the_first_three_tables_without_a_terminal(
    standin: StandInProcess, tmp_path: Path
) -> None:
    result = run_dashtui(["init"], standin.env(), tmp_path)
    assert result.returncode == 0, result.stderr
    batch = tomllib.loads(result.stdout)["steps"][0]["steps"][0]["batch"]
    assert [r["name"] for r in batch] == list(TABLES)[:3]
    assert "realtime" not in result.stdout


@pytest.mark.parametrize(
    ("args", "env_key", "message"),
    [
        (["--tables", "events,nope"], "service", "no table 'nope'"),
        ([], "anon", "needs the service-role key"),
        ([], None, "SUPABASE_SERVICE_ROLE_KEY is not set"),
        (["--url", "http://127.0.0.1:1"], "service", "cannot read the schema description: ConnectError"),
    ],
    ids=["unknown-table", "anon-key", "no-key", "unreachable"],
)
def test_init_errors_are_one_line_and_exit_104(
    standin: StandInProcess, tmp_path: Path, args: list[str], env_key: str | None, message: str
) -> None:
    env = {"SUPABASE_URL": standin.url}
    if env_key is not None:
        env["SUPABASE_SERVICE_ROLE_KEY"] = (
            standin.service_role_key if env_key == "service" else standin.anon_key
        )
    result = run_dashtui(["init", *args], env, tmp_path)
    assert result.returncode == 104
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert standin.anon_key not in result.stderr and standin.service_role_key not in result.stderr
