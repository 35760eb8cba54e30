"""The dry run: every scenario, step, check, metric, threshold and report path, with secrets redacted."""

from __future__ import annotations

import textwrap
from pathlib import Path

from dashtui.scenario import describe_plan, load_scenario

SECRET = "sb-secret-value-0001"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.c2lnbmF0dXJlLXZhbHVl"

PRESET = """\
name = "plan"
description = "what the plan shows"

[vars]
BASE_URL = "${SUPABASE_URL:-http://127.0.0.1:54321}"
SERVICE_KEY = "${SUPABASE_SERVICE_ROLE_KEY:-}"

[options]
batchPerHost = 2

[scenarios.warm]
executor = "shared-iterations"
vus = 2
iterations = 10

[scenarios.main]
executor = "ramping-arrival-rate"
startTime = "30s"
preAllocatedVUs = 5
maxVUs = 20
stages = [{ duration = "1m", target = 10 }, { duration = "30s", target = 0 }]
exec = "writer"
tags = { team = "ops" }

[metrics]
calls = "counter"
load = { type = "trend", time = true }

[thresholds]
http_req_duration = ["p(95)<500", { threshold = "p(99)<900", abortOnFail = true, delayAbortEval = "10s" }]

[report]
json = "out/plan.json"
summaryExport = "out/summary.json"

[[steps]]
group = "outer"
duration_trend = "load"
checks = [{ name = "fast", below = "2s" }]

[[steps.steps]]
count_requests = "calls"

[[steps.steps.batch]]
url = "${BASE_URL}/rest/v1/events?apikey=${SERVICE_KEY}&x=1"
name = "events"
checks = [{ name = "ok", status_in = [200, 206] }]

[[steps.steps.batch]]
url = "${BASE_URL}/rest/v1/orders"
auth = "anon"
headers = { Authorization = "Bearer ${SERVICE_KEY}", Accept = "application/json" }
expected_statuses = ["200-204", 404]

[[steps]]
sleep = [2, 5]

[[steps]]
[steps.realtime]
changes = [{ table = "tickets", event = "INSERT" }]

[[flows.writer.steps]]
[flows.writer.steps.request]
method = "POST"
url = "${BASE_URL}/rest/v1/orders"
body = { a = 1 }
timeout = "5s"
"""


def plan_for(tmp_path: Path, env: dict[str, str]) -> str:
    path = tmp_path / "plan.toml"
    path.write_text(textwrap.dedent(PRESET), encoding="utf-8")
    return describe_plan(load_scenario(path, env=env))


def test_plan_describes_everything(tmp_path: Path) -> None:
    plan = plan_for(tmp_path, {"SUPABASE_SERVICE_ROLE_KEY": SECRET})
    expected = [
        "scenario 'plan' — what the plan shows",
        "warm: shared-iterations, 10 iterations shared by 2 VUs (maxDuration 10m0s)",
        "main: ramping-arrival-rate from 0 per 1s: 1m0s→10, 30s→0 (5 preAllocatedVUs, 20 maxVUs)",
        "startTime 30s; flow 'writer'; gracefulStop 30s; tags team=ops",
        "group 'outer'",
        "wall time → load (ms)",
        "check 'fast': group time < 2000 ms",
        "batch of 2 in parallel",
        "calls += number of responses",
        "check 'ok': status in {200, 206}",
        "GET http://127.0.0.1:54321/rest/v1/orders",
        "auth anon",
        "header Authorization: [redacted]",
        "header Accept: application/json",
        "expected statuses 200-204, 404",
        "sleep uniform 2s–5s",
        "realtime channel 'dashboard' (INSERT on public.tickets), held for the VU's life, auth anon",
        "flow 'writer':",
        "POST http://127.0.0.1:54321/rest/v1/orders",
        "JSON body; timeout 5s",
        "calls: counter",
        "load: trend (time)",
        "http_req_duration: 'p(95)<500', 'p(99)<900' (abortOnFail, delayAbortEval 10s)",
        "batchPerHost 2",
        "report: json out/plan.json; summary export out/summary.json",
        "SERVICE_KEY = [redacted]",
        "dry run: nothing was sent.",
    ]
    for line in expected:
        assert line in plan, line


def test_plan_never_shows_a_key(tmp_path: Path) -> None:
    for secret in (SECRET, JWT):
        plan = plan_for(tmp_path, {"SUPABASE_SERVICE_ROLE_KEY": secret})
        assert secret not in plan
        assert "apikey=[redacted]&x=1" in plan
