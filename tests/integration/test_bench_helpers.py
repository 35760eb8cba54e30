"""The bench helpers: nginx accepts the generated target config; the generated presets load as presets."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import trustme

from bench import _presets
from bench._proctree import TreeWatch, children_cpu_seconds
from bench.nginx_target import TlsFiles, check_config, find_nginx, free_port, parse_wrk, write_config
from dashtui.scenario import load_scenario
from dashtui.scenario.model import BatchStep, GroupStep, RealtimeStep, RequestStep

NGINX = find_nginx()
ENV = {"SUPABASE_URL": "http://127.0.0.1:1", "SUPABASE_SERVICE_ROLE_KEY": "k", "TEST_EVENT_ID": "e1"}


@pytest.mark.skipif(
    NGINX is None,
    reason="nginx with the echo module is not installed (Debian: nginx-light libnginx-mod-http-echo; "
    "`make test` installs them when run as root)",
)
def test_nginx_accepts_the_generated_config(tmp_path: Path) -> None:
    assert NGINX is not None
    config = write_config(NGINX, tmp_path, free_port(), delay=0.05, connections=4096)
    text = config.read_text()
    assert "echo_sleep 0.05;" in text and "worker_processes 1;" in text and "keepalive_timeout 75s;" in text
    assert "listen 127.0.0.1:" in text and "access_log off;" in text
    checked = check_config(NGINX, config)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.skipif(NGINX is None, reason="nginx with the echo module is not installed (see above)")
def test_nginx_accepts_the_config_with_an_h2_tls_listener(tmp_path: Path) -> None:
    assert NGINX is not None
    leaf = trustme.CA().issue_cert("127.0.0.1")
    tls = TlsFiles(certificate=tmp_path / "cert.pem", key=tmp_path / "key.pem")
    leaf.cert_chain_pems[0].write_to_path(str(tls.certificate))
    leaf.private_key_pem.write_to_path(str(tls.key))
    port, tls_port = free_port(), free_port()
    config = write_config(NGINX, tmp_path, port, delay=0.05, connections=4096, tls=tls, tls_port=tls_port)
    text = config.read_text()
    assert f"listen 127.0.0.1:{tls_port} ssl http2" in text and f"ssl_certificate {tls.certificate};" in text
    checked = check_config(NGINX, config)
    assert checked.returncode == 0, checked.stderr


def test_dumped_toml_reads_back_as_the_same_document() -> None:
    doc = _presets.dashboard_rest(1000, 30)
    assert tomllib.loads(_presets.dumps(doc)) == doc


def test_dashboard_rest_preset_is_the_flow_without_realtime(tmp_path: Path) -> None:
    path = _presets.write(_presets.dashboard_rest(1000, 15), tmp_path / "flow.toml")
    scenario = load_scenario(path, env=ENV)
    steps = scenario.flows["default"]
    assert not any(isinstance(step, RealtimeStep) for step in steps)
    groups = [step for step in steps if isinstance(step, GroupStep)]
    assert [g.group for g in groups] == ["initial_load", "refresh"]
    batches = [inner for g in groups for inner in g.steps if isinstance(inner, BatchStep)]
    assert [len(b.batch) for b in batches] == [4, 2]
    assert all(r.url.startswith("http://127.0.0.1:1/rest/v1/") for b in batches for r in b.batch)
    viewers = scenario.scenarios["viewers"]
    assert (viewers.vus, viewers.duration) == (1000, 15)
    assert not any(name.startswith("realtime_") for name in scenario.thresholds)
    assert "http_req_duration" in scenario.thresholds and "refresh_duration" in scenario.thresholds
    assert scenario.report.json_ is None


def test_trivial_preset_is_one_get_without_think_time(tmp_path: Path) -> None:
    path = _presets.write(_presets.trivial_get(50, 10), tmp_path / "fast.toml")
    scenario = load_scenario(path, env=ENV)
    (step,) = scenario.flows["default"]
    assert isinstance(step, RequestStep)
    assert step.request.url == "http://127.0.0.1:1/fast"
    assert scenario.scenarios["viewers"].vus == 50


def test_wrk_percentiles_are_read_from_the_lua_hook_line() -> None:
    output = "Running 5s test\nDASHTUI_WRK p50_us=50512 p95_us=51390 p99_us=52790 requests=1180 errors=2\n"
    assert parse_wrk(output) == (50.512, 51.39, 52.79, 1180, 2)


GRANDCHILD = (
    "import sys; block = bytearray(64 * 1024 * 1024); block[::4096] = b'x' * len(block[::4096]); "
    "sum(range(3_000_000)); print('ready', flush=True); sys.stdin.read()"
)


def test_tree_watch_sums_rss_and_cpu_over_a_grandchild() -> None:
    script = f"import subprocess, sys; sys.exit(subprocess.call([sys.executable, '-c', {GRANDCHILD!r}]))"
    before = children_cpu_seconds()
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert child.stdout is not None and child.stdin is not None
    try:
        assert child.stdout.readline() == b"ready\n"
        watch = TreeWatch(child.pid)
        watch.poll()
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    assert len(watch.cpu) == 2 and child.pid in watch.cpu
    assert watch.peak_rss >= 64 * 1024 * 1024
    assert watch.descendants_cpu > 0
    assert children_cpu_seconds() - before >= watch.root_cpu + watch.descendants_cpu
