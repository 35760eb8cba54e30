"""`dashtui import k6`: the seed imports as presets/dashboard.toml's plan; k6 constructs map or are listed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from dashtui.importer import EXIT_PARTIAL, K6ImportError, convert, import_k6
from dashtui.scenario import BatchStep, GroupStep, Scenario, SleepStep, load_scenario

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SEED_SCRIPTS = [
    FIXTURES / "k6" / "load-tests" / "scenarios" / "dashboard-load.js",
    FIXTURES / "k6-alt" / "load-tests" / "scenarios" / "dashboard-load.js",
]
SEED_PLAN = Path(__file__).resolve().parents[3] / "shared" / "seed" / "dashboard-load-plan.md"
ENV = {
    "SUPABASE_URL": "http://127.0.0.1:9",
    "SUPABASE_SERVICE_ROLE_KEY": "service-key",
    "TEST_EVENT_ID": "ev-1",
}
REPO = Path(__file__).resolve().parents[2]


def _load(text: str, tmp_path: Path, env: dict[str, str] = ENV) -> Scenario:
    path = tmp_path / "imported.toml"
    path.write_text(text, encoding="utf-8")
    return load_scenario(path, env=env)


def _script(tmp_path: Path, source: str, name: str = "script.js") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def _shape(steps: list[Any]) -> list[Any]:
    """The flow without what dashboard.toml adds: request names, Realtime; checks by name and condition."""
    out: list[Any] = []
    for step in steps:
        if isinstance(step, GroupStep):
            out.append(
                (
                    "group",
                    step.group,
                    step.duration_trend,
                    [(c.name, c.below) for c in step.checks],
                    _shape(step.steps),
                )
            )
        elif isinstance(step, BatchStep):
            out.append(
                (
                    "batch",
                    [
                        (r.method, r.url, r.auth, [(c.name, c.describe()) for c in r.checks])
                        for r in step.batch
                    ],
                    step.error_rate,
                    step.count_requests,
                )
            )
        elif isinstance(step, SleepStep):
            out.append(("sleep", step.sleep.min, step.sleep.max))
        elif type(step).__name__ == "RealtimeStep":
            continue
        else:
            out.append(step)
    return out


def test_the_fixture_is_the_seed_script_verbatim() -> None:
    if not SEED_PLAN.is_file():
        pytest.skip("shared/seed is not beside this checkout")
    match = re.search(r"```javascript\n(.*?)```", SEED_PLAN.read_text(encoding="utf-8"), re.DOTALL)
    assert match is not None
    assert SEED_SCRIPTS[0].read_text(encoding="utf-8") == match.group(1)


@pytest.mark.parametrize("script", SEED_SCRIPTS, ids=["helpers-functions", "helpers-spread-lookup"])
def test_the_seed_imports_into_the_dashboard_presets_plan(script: Path, tmp_path: Path) -> None:
    text, notes = import_k6(script)
    imported = _load(text, tmp_path)
    reference = load_scenario(REPO / "presets" / "dashboard.toml", env=ENV)
    assert imported.scenarios == reference.scenarios
    assert imported.metrics == reference.metrics
    assert imported.thresholds == {
        k: v for k, v in reference.thresholds.items() if not k.startswith("realtime_")
    }
    assert _shape(imported.flows["default"]) == _shape(reference.flows["default"])
    assert imported.report.json == reference.report.json
    assert imported.report.dashboard_block is True
    # only the console.log block is left out, and that is not a partial import
    assert [(n.line, n.partial) for n in notes] == [(92, False)]


def test_env_reads_become_references_never_values(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        const BASE = __ENV.BASE_URL || 'http://127.0.0.1:54321';
        const KEY = __ENV.API_TOKEN || 'hard-coded-token';
        export const options = { vus: parseInt(__ENV.VUS || '3'), duration: __ENV.DURATION || '10s' };
        export default function () {
          http.get(`${BASE}/rest/v1/events`, { headers: { apikey: __ENV.SUPABASE_SERVICE_ROLE_KEY,
            Authorization: `Bearer ${__ENV.SUPABASE_SERVICE_ROLE_KEY}`, 'X-Token': KEY } });
        }
        """,
    )
    preset = convert(script)
    assert preset.vars == {"BASE_URL": "${BASE_URL:-http://127.0.0.1:54321}", "DURATION": "${DURATION:-10s}"}
    assert preset.scenarios["default"] == {"executor": "constant-vus", "vus": 3, "duration": "${DURATION}"}
    request = preset.flows["default"][0]["request"]
    assert request["url"] == "${BASE_URL}/rest/v1/events"
    assert request["auth"] == "service"
    assert request["headers"] == {"X-Token": "${API_TOKEN}"}
    assert not preset.partial
    text, _ = import_k6(script)
    assert "hard-coded-token" not in text
    loaded = _load(text, tmp_path, {**ENV, "API_TOKEN": "t"})
    assert loaded.scenarios["default"].duration == 10


def test_no_value_of_the_callers_environment_reaches_the_preset(tmp_path: Path) -> None:
    fake = "sk-fake-service-role-0123456789abcdef"
    env = {
        **os.environ,
        "SUPABASE_SERVICE_ROLE_KEY": fake,
        "SUPABASE_URL": "http://10.9.8.7:1",
        "TEST_EVENT_ID": "e-77",
    }
    out = tmp_path / "out.toml"
    result = subprocess.run(
        [sys.executable, "-m", "dashtui", "import", "k6", str(SEED_SCRIPTS[0]), "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    written = out.read_text(encoding="utf-8")
    for value in (fake, "10.9.8.7", "e-77"):
        assert value not in written
        assert value not in result.stdout + result.stderr
    assert "${SUPABASE_URL:-http://127.0.0.1:54321}" in written
    to_stdout = subprocess.run(
        [sys.executable, "-m", "dashtui", "import", "k6", str(SEED_SCRIPTS[0])],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert to_stdout.returncode == 0 and to_stdout.stdout == written
    assert fake not in to_stdout.stdout + to_stdout.stderr


def _run_import(script: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dashtui", "import", "k6", str(script), *extra],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=script.parent,
    )


@pytest.mark.parametrize(
    ("files", "where", "message"),
    [
        (
            {"s.js": "import http from 'k6/http';\nexport default function () {\n  http.get('x'\n}\n"},
            "s.js:3",
            "syntax",
        ),
        (
            {"s.js": "import { a } from './lib/nope.js';\nexport default function () {}\n"},
            "s.js:1",
            "nope.js",
        ),
        (
            {
                "s.js": "import { a } from './lib.js';\nexport default function () {}\n",
                "lib.js": "export const a = ;\n",
            },
            "lib.js:1",
            "syntax",
        ),
        (
            {
                "s.js": "import { t } from './lib.js';\nexport const options = t();\n"
                "export default function () {}\n",
                "lib.js": "export function t() {\n  return undefinedThing.x;\n}\n",
            },
            "lib.js:2",
            "undefinedThing",
        ),
        ({"s.js": "import x from 'lodash';\nexport default function () {}\n"}, "s.js:1", "lodash"),
    ],
    ids=["syntax-error", "missing-import", "syntax-error-in-import", "init-exception", "bare-import"],
)
def test_bad_input_is_one_line_with_file_and_line_and_exit_104(
    files: dict[str, str], where: str, message: str, tmp_path: Path
) -> None:
    for name, source in files.items():
        _script(tmp_path, source, name)
    result = _run_import(tmp_path / "s.js")
    assert result.returncode == 104
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert where in lines[0] and message in lines[0]
    assert "Traceback" not in result.stderr


def test_an_unreadable_script_is_one_line_and_exit_104(tmp_path: Path) -> None:
    result = _run_import(tmp_path / "missing.js")
    assert result.returncode == 104
    assert result.stderr.strip().splitlines() == ["dashtui: error: missing.js: no such file"]
    with pytest.raises(K6ImportError, match="no such file"):
        convert(tmp_path / "missing.js")


EXECUTORS = """
import http from 'k6/http';
export const options = {
  batch: 10, batchPerHost: 4, summaryTrendStats: ['avg', 'p(99)'], tags: { team: 'web' },
  scenarios: {
    a: { executor: 'constant-vus', vus: 2, duration: '30s', gracefulStop: '5s' },
    b: { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '10s', target: 5 }],
         gracefulRampDown: '0s' },
    c: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1m', preAllocatedVUs: 5 },
    d: { executor: 'ramping-arrival-rate', startRate: 1, timeUnit: '1m', preAllocatedVUs: 2, maxVUs: 8,
         stages: [{ duration: '20s', target: 30 }] },
    e: { executor: 'per-vu-iterations', vus: 3, iterations: 4, maxDuration: '1m', exec: 'writer' },
    f: { executor: 'shared-iterations', vus: 2, iterations: 10, startTime: '5s', env: { MODE: 'x' } },
  },
  thresholds: { http_req_duration: [{ threshold: 'p(99)<800', abortOnFail: true }], checks: 'rate>0.9' },
};
export default function () { http.get('http://127.0.0.1:9/a'); }
export function writer() { http.post('http://127.0.0.1:9/b', JSON.stringify({ n: 1 })); }
"""


def test_every_executor_and_run_option_carries_over(tmp_path: Path) -> None:
    text, notes = import_k6(_script(tmp_path, EXECUTORS))
    assert notes[0].partial is False and "tags" in notes[0].what
    loaded = _load(text, tmp_path)
    kinds = {name: type(e).__name__ for name, e in loaded.scenarios.items()}
    assert kinds == {
        "a": "ConstantVUs",
        "b": "RampingVUs",
        "c": "ConstantArrivalRate",
        "d": "RampingArrivalRate",
        "e": "PerVUIterations",
        "f": "SharedIterations",
    }
    assert loaded.scenarios["d"].max_vus == 8 and loaded.scenarios["d"].time_unit == 60
    assert loaded.scenarios["e"].exec == "writer"
    assert loaded.scenarios["f"].start_time == 5 and loaded.scenarios["f"].env == {"MODE": "x"}
    assert all(e.tags == {"team": "web"} for e in loaded.scenarios.values())
    assert (loaded.options.batch, loaded.options.batch_per_host) == (10, 4)
    assert loaded.options.summary_trend_stats == ["avg", "p(99)"]
    assert loaded.thresholds["http_req_duration"][0].abort_on_fail is True  # type: ignore[union-attr]
    assert loaded.thresholds["checks"] == ["rate>0.9"]
    writer = loaded.flows["writer"][0]
    assert writer.request.method == "POST" and writer.request.body == {"n": 1}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ("{ vus: 5, duration: '1m' }", {"executor": "constant-vus", "vus": 5, "duration": "1m"}),
        ("{ iterations: 7 }", {"executor": "shared-iterations", "vus": 1, "iterations": 7}),
        (
            "{ vus: 2, stages: [{ duration: '5s', target: 4 }] }",
            {"executor": "ramping-vus", "startVUs": 2, "stages": [{"duration": "5s", "target": 4}]},
        ),
        ("{}", {"executor": "shared-iterations", "vus": 1, "iterations": 1}),
    ],
    ids=["vus-duration", "iterations", "stages", "nothing"],
)
def test_k6_shortcuts_become_the_default_scenario(
    options: str, expected: dict[str, Any], tmp_path: Path
) -> None:
    script = _script(
        tmp_path,
        f"import http from 'k6/http';\nexport const options = {options};\n"
        "export default function () { http.get('http://127.0.0.1:9/'); }\n",
    )
    preset = convert(script)
    assert preset.scenarios == {"default": expected}
    _load(import_k6(script)[0], tmp_path)


FLOW = """
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
const BASE = 'http://127.0.0.1:9';
const errors = new Rate('errors');
const calls = new Counter('calls');
const took = new Trend('took', true);
const depth = new Gauge('depth');
export function setup() { return { table: 'events', limit: 5 }; }
export default function (data) {
  group('reads', () => {
    const t0 = Date.now();
    const list = http.batch([
      `${BASE}/rest/v1/${data.table}?limit=${data.limit}`,
      ['GET', `${BASE}/rest/v1/tickets`, null, { tags: { name: 'tickets' } }],
      { method: 'HEAD', url: `${BASE}/rest/v1/orders`, params: { timeout: '5s' } },
    ]);
    took.add(Date.now() - t0 > 0 ? 1 : 0);
    calls.add(list.length);
    const ok = check(list[0], {
      'status ok': (r) => r.status === 200 || r.status === 206,
      'is json list': (r) => r.json().length > 0,
      'first id': (r) => r.json('0.id') === 1,
      'fast': (r) => r.timings.duration < 500,
      'typed': (r) => r.headers['Content-Type'] === 'application/json',
    });
    errors.add(!ok);
  });
  const res = http.put(`${BASE}/rest/v1/x`, JSON.stringify({ a: 1 }), { headers: { 'X-A': 'b' } });
  check(res, { created: (r) => [200, 201].includes(r.status), 'says hi': (r) => r.body.includes('hi'),
               'says ok': (r) => r.body.indexOf('ok') !== -1, 'is odd': (r) => r.status % 2 === 1 });
  sleep(Math.random() * 2 + 1);
  sleep(0.5);
  new Gauge('depth').add(1);
  depth.add(data.limit * 2);
  errors.add(false);
}
"""


def test_batch_forms_checks_setup_data_and_metrics(tmp_path: Path) -> None:
    text, notes = import_k6(_script(tmp_path, FLOW))
    loaded = _load(text, tmp_path)
    group = loaded.flows["default"][0]
    assert isinstance(group, GroupStep) and group.group == "reads"
    batch = group.steps[0]
    assert isinstance(batch, BatchStep)
    assert [(r.method, r.url, r.name) for r in batch.batch] == [
        ("GET", "http://127.0.0.1:9/rest/v1/events?limit=5", None),
        ("GET", "http://127.0.0.1:9/rest/v1/tickets", "tickets"),
        ("HEAD", "http://127.0.0.1:9/rest/v1/orders", None),
    ]
    assert batch.batch[2].timeout == 5
    assert batch.count_requests == "calls"
    assert batch.error_rate is not None and batch.error_rate.responses == "first"
    assert [c.describe() for c in batch.batch[0].checks] == [
        "status in {200, 206}",
        "json '0' exists",
        "json '0.id' == 1",
        "duration < 500 ms",
        "header 'Content-Type' == 'application/json'",
    ]
    put = loaded.flows["default"][1]
    assert put.request.method == "PUT" and put.request.body == {"a": 1}  # type: ignore[union-attr]
    assert put.request.headers == {"X-A": "b"}  # type: ignore[union-attr]
    assert [c.describe() for c in put.request.checks] == [  # type: ignore[union-attr]
        "status in {200, 201}",
        "body contains 'hi'",
        "body contains 'ok'",
    ]
    sleeps = [(s.sleep.min, s.sleep.max) for s in loaded.flows["default"][2:4]]  # type: ignore[union-attr]
    assert sleeps == [(1, 3), (0.5, 0.5)]
    adds = [(s.add.metric, s.add.value) for s in loaded.flows["default"][4:]]  # type: ignore[union-attr]
    assert adds == [("depth", 10), ("errors", False)]
    assert loaded.metrics["took"].time is True
    partial = [(n.line, n.what) for n in notes if n.partial]
    assert partial == [
        (19, "took.add(Date.now() - t0 > 0 ? 1 : 0)"),
        (32, "check 'is odd'"),
        (35, "new Gauge('depth').add(1)"),
    ]
    assert (
        "# not translated (line 32): check 'is odd': no dashtui check condition for 'r.status % 2 === 1'"
        in text
    )


def test_a_partial_import_exits_3_and_lists_each_construct(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        import { Counter } from 'k6/metrics';
        const hits = new Counter('hits');
        export default function () {
          const res = http.get('http://127.0.0.1:9/a');
          if (res.status === 200) {
            http.get('http://127.0.0.1:9/b');
          }
          hits.add(res.timings.duration);
          console.log('done');
        }
        export function teardown() {}
        """,
    )
    out = tmp_path / "p.toml"
    result = _run_import(script, "-o", str(out))
    assert result.returncode == EXIT_PARTIAL == 3
    listed = [line for line in result.stderr.splitlines() if ": not translated: " in line]
    assert [line.split(": ")[1].split(":")[-1] for line in listed] == ["7", "10", "13"]
    assert "script.js:11: note: console.log('done')" in result.stderr
    text = out.read_text(encoding="utf-8")
    assert "# not translated (line 7): if (res.status === 200)" in text
    assert "# not translated (line 10): hits.add(res.timings.duration)" in text
    _load(text, tmp_path)


def test_handle_summary_json_path_and_text_summary(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        import { textSummary } from 'https://jslib.k6.io/k6-summary/0.0.2/index.js';
        export default function () { http.get('http://127.0.0.1:9/'); }
        export function handleSummary(data) {
          return { stdout: textSummary(data, { indent: ' ' }), 'out/summary.json': JSON.stringify(data) };
        }
        """,
    )
    preset = convert(script)
    assert preset.report == {"json": "out/summary.json"}
    assert preset.notes == []


def test_a_group_timer_that_stops_early_or_feeds_two_trends_is_listed(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        import { group, check } from 'k6';
        import { Trend } from 'k6/metrics';
        const a = new Trend('a');
        const b = new Trend('b');
        export default function () {
          group('g', () => {
            const t = Date.now();
            http.get('http://127.0.0.1:9/x');
            const d = Date.now() - t;
            a.add(d);
            b.add(d);
            check(null, { fast: () => d < 100 });
            http.get('http://127.0.0.1:9/y');
          });
        }
        """,
    )
    preset = convert(script)
    group = preset.flows["default"][0]
    assert group["duration_trend"] == "a" and group["checks"] == [{"name": "fast", "below": 100}]
    assert [(n.line, n.what) for n in preset.notes] == [(12, "the timer of group 'g'"), (13, "b.add(d)")]


def test_an_endless_init_context_stops_with_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashtui.importer import runtime

    monkeypatch.setattr(runtime, "_TIME_LIMIT_S", 1)
    script = _script(tmp_path, "export const options = {};\nwhile (true) {}\nexport default function () {}\n")
    with pytest.raises(K6ImportError, match="more than 1 s"):
        convert(script)


def test_a_credential_written_in_the_script_is_never_copied(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        export default function () {
          http.get('http://127.0.0.1:9/x', { headers: { apikey: 'eyJliteral.key', Accept: 'text/csv' } });
        }
        """,
    )
    text, notes = import_k6(script)
    assert "eyJliteral" not in text
    assert 'headers = { apikey = "${IMPORTED_APIKEY}", Accept = "text/csv" }' in text
    assert [(n.line, n.what, n.partial) for n in notes] == [(4, "header 'apikey'", True)]


def test_loops_over_responses_named_batches_and_values_that_change_per_iteration(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        import { check } from 'k6';
        import exec from 'k6/execution';
        import { Rate } from 'k6/metrics';
        const failed = new Rate('failed');
        const ids = ['a', 'b'];
        const pick = () => ids[Math.floor(Math.random() * ids.length)];
        export default function () {
          const named = http.batch({ list: 'http://127.0.0.1:9/l', one: ['GET', 'http://127.0.0.1:9/o'] });
          check(named.one, { 'one ok': (r) => r.status === 200 });
          check(named['list'], { 'list ok': (r) => r.status === 200 });
          let ok = true;
          for (const r of named) { ok = ok && check(r, { 'any 2xx': (x) => x.status === 200 }); }
          failed.add(!ok);
          const rs = http.batch(['http://127.0.0.1:9/a', 'http://127.0.0.1:9/b']);
          for (let i = 0; i < rs.length; i++) {
            check(rs[i], { [`r${i} ok`]: (r) => r.status === 200 });
          }
          for (const r of rs) { http.get('http://127.0.0.1:9/again'); }
          http.get(`http://127.0.0.1:9/items/${pick()}`);
          http.get(`http://127.0.0.1:9/vu/${exec.vu.idInTest}`);
          http.get(`http://127.0.0.1:9/fixed/${ids[1]}`);
        }
        """,
    )
    preset = convert(script)
    named, numbered, fixed = (s for s in preset.flows["default"] if "#" not in s)
    assert [[c["name"] for c in r.get("checks", [])] for r in named["batch"]] == [
        ["list ok", "any 2xx"],
        ["one ok", "any 2xx"],
    ]
    assert named["error_rate"] == {"metric": "failed", "responses": "all"}
    assert [[c["name"] for c in r["checks"]] for r in numbered["batch"]] == [["r0 ok"], ["r1 ok"]]
    assert fixed["request"]["url"] == "http://127.0.0.1:9/fixed/b"
    why = {n.line: n.why for n in preset.notes}
    assert sorted(why) == [20, 21, 22]
    assert "may check them, not send requests" in why[20]
    assert "changes per VU or iteration" in why[21] and "changes per VU or iteration" in why[22]


def test_a_request_built_from_a_response_is_listed(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        """
        import http from 'k6/http';
        export default function () {
          const res = http.get('http://127.0.0.1:9/events?limit=1');
          const id = res.json()[0].id;
          http.get(`http://127.0.0.1:9/tickets?event_id=eq.${id}`);
        }
        """,
    )
    preset = convert(script)
    assert [(n.line, n.why) for n in preset.notes] == [
        (5, "cannot evaluate: it depends on 'res', a response or time of this iteration"),
        (6, "cannot evaluate the request: it depends on 'id', which was not translated"),
    ]
