"""The stand-in as a server: start-up, `python -m dashtui.demo`, a database file, faults, bad clients."""

from __future__ import annotations

import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from dashtui.demo import Faults, StandIn, StandInConfig

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def standin() -> Iterator[StandIn]:
    with StandIn(StandInConfig(scale="small")) as running:
        yield running


@pytest.fixture(autouse=True)
def no_faults(standin: StandIn) -> Iterator[None]:
    yield
    standin.set_faults(Faults())


def get(standin: StandIn, path: str, timeout: float = 10.0) -> httpx.Response:
    headers = {"apikey": standin.anon_key, "Authorization": f"Bearer {standin.anon_key}"}
    return httpx.get(f"{standin.url}{path}", headers=headers, timeout=timeout)


def still_serving(standin: StandIn) -> None:
    response = get(standin, "/rest/v1/events?select=id&limit=1")
    assert response.status_code == 200
    assert len(response.json()) == 1


def test_default_scale_starts_and_answers_quickly() -> None:
    started = time.perf_counter()
    with StandIn(StandInConfig(scale="default")) as running:
        response = get(running, f"/rest/v1/tickets?select=count&event_id=eq.{running.test_event_id}")
        elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert response.json()[0]["count"] > 1000
    assert elapsed < 10  # generous on a shared machine; the brief's figure (< 2 s) is measured in bench


def test_python_m_dashtui_demo_prints_exports_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "dashtui.demo", "--port", "0", "--scale", "small", "--box-office-rate", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        exports = dict(
            process.stdout.readline().removeprefix("export ").strip().split("=", 1) for _ in range(4)
        )
        assert list(exports) == [
            "SUPABASE_URL",
            "SUPABASE_ANON_KEY",
            "SUPABASE_SERVICE_ROLE_KEY",
            "TEST_EVENT_ID",
        ]
        assert exports["SUPABASE_URL"].startswith("http://127.0.0.1:")
        response = httpx.get(
            f"{exports['SUPABASE_URL']}/rest/v1/events?select=id&id=eq.{exports['TEST_EVENT_ID']}",
            headers={"apikey": exports["SUPABASE_ANON_KEY"]},
            timeout=10,
        )
        answered = time.perf_counter() - started
        assert response.json() == [{"id": exports["TEST_EVENT_ID"]}]
        assert answered < 15
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0
    assert process.stderr is not None
    err = process.stderr.read()
    assert "ready in" in err and "# dashtui stand-in stopped" in err
    assert "Traceback" not in err


def test_sigterm_also_stops_cleanly() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "dashtui.demo", "--port", "0", "--scale", "small"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for _ in range(4):
            process.stdout.readline()
        process.terminate()
        code = process.wait(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0
    assert process.stderr is not None and "Traceback" not in process.stderr.read()


def test_a_database_file_keeps_its_rows_and_test_event(tmp_path: Path) -> None:
    config = StandInConfig(scale="small", db_path=str(tmp_path / "standin.db"))
    with StandIn(config) as first:
        event = first.test_event_id
        headers = {"apikey": first.service_role_key}
        row = {"event_id": event, "customer_email": "kept@x"}
        assert httpx.post(f"{first.url}/rest/v1/orders", json=row, headers=headers).status_code == 201
    with StandIn(config) as second:
        assert second.test_event_id == event
        kept = get(second, "/rest/v1/orders?select=customer_email&customer_email=eq.kept@x")
    assert kept.json() == [{"customer_email": "kept@x"}]


def test_a_file_that_is_not_a_stand_in_database_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute('CREATE TABLE "events" (id TEXT PRIMARY KEY, name TEXT, date TEXT)')
    conn.execute("INSERT INTO events VALUES ('x', 'y', 'z')")
    conn.commit()
    conn.close()
    with pytest.raises(ValueError, match="has data but is not a dashtui stand-in database"):
        StandIn(StandInConfig(db_path=str(path))).start()


# --- faults on the wire ---------------------------------------------------------------------------


def test_injected_latency_shows_up_in_what_a_client_measures(standin: StandIn) -> None:
    standin.set_faults(latency="uniform(20,40)")
    standin.reset_stats()
    measured = []
    with httpx.Client(base_url=standin.url, headers={"apikey": standin.anon_key}) as client:
        for _ in range(40):
            started = time.perf_counter()
            assert client.get("/rest/v1/events?select=id&limit=1").status_code == 200
            measured.append((time.perf_counter() - started) * 1000)
    injected = standin.stats()["injected_latency_ms"]
    assert injected["count"] == 40
    assert 20 <= injected["p50"] <= 40
    assert min(measured) >= 20
    assert injected["p50"] <= statistics.median(measured) <= injected["p50"] + 15


def test_a_reset_drops_the_connection_and_is_counted(standin: StandIn) -> None:
    standin.set_faults(reset_rate=1.0)
    standin.reset_stats()
    with pytest.raises(httpx.RemoteProtocolError):
        get(standin, "/rest/v1/events?limit=1")
    standin.set_faults(reset_rate=0.0)
    stats = standin.stats()
    assert stats["faults"]["resets"] == 1
    assert stats["by_table"]["events"]["reset"] == 1
    still_serving(standin)


def test_a_slow_body_arrives_whole_but_late(standin: StandIn) -> None:
    expected = get(standin, "/rest/v1/events?select=*").json()
    standin.set_faults(slow_body_rate=1.0, slow_body_ms=200)
    started = time.perf_counter()
    response = get(standin, "/rest/v1/events?select=*")
    elapsed = time.perf_counter() - started
    assert response.json() == expected
    assert elapsed >= 0.14  # three pauses of 50 ms between four parts
    assert standin.stats()["faults"]["slow_bodies"] >= 1


# --- bad clients never stop the server ---------------------------------------------------------------


def _raw(standin: StandIn, data: bytes, read: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def test_garbage_instead_of_http_gets_400_and_the_server_goes_on(standin: StandIn) -> None:
    answer = _raw(standin, b"\x16\x03\x01 this is not http\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400")
    still_serving(standin)


def test_a_client_that_disconnects_mid_response(standin: StandIn) -> None:
    standin.set_faults(slow_body_rate=1.0, slow_body_ms=400)
    request = (
        f"GET /rest/v1/events?select=* HTTP/1.1\r\nHost: x\r\napikey: {standin.anon_key}\r\n\r\n".encode()
    )
    with socket.create_connection(("127.0.0.1", standin.port), timeout=5) as sock:
        sock.sendall(request)
        assert sock.recv(20).startswith(b"HTTP/1.1 200")
    standin.set_faults(slow_body_rate=0.0)
    still_serving(standin)


def test_a_client_that_disconnects_before_the_answer(standin: StandIn) -> None:
    standin.set_faults(latency="300")
    with pytest.raises(httpx.ReadTimeout):
        get(standin, "/rest/v1/events?limit=1", timeout=0.05)
    standin.set_faults(latency="0")
    still_serving(standin)


def test_an_oversized_body_on_a_real_socket_is_413(standin: StandIn) -> None:
    headers = {"apikey": standin.anon_key, "Content-Type": "application/json"}
    response = httpx.post(
        f"{standin.url}/rest/v1/orders", content=b"[" + b" " * 2_000_000 + b"]", headers=headers
    )
    assert response.status_code == 413
    assert response.json()["message"] == "Request body too large"
    still_serving(standin)


def test_a_huge_query_string_gets_a_postgrest_error_and_the_server_goes_on(standin: StandIn) -> None:
    head = f"Host: x\r\napikey: {standin.anon_key}\r\nConnection: close\r\n\r\n".encode()
    answer = _raw(standin, b"GET /rest/v1/events?select=" + b"a," * 40_000 + b"id HTTP/1.1\r\n" + head)
    assert answer.startswith(b"HTTP/1.1 400")
    assert answer.endswith(
        b'{"code":"42703","details":null,"hint":null,"message":"column events.a does not exist"}'
    )
    still_serving(standin)


def test_a_client_that_disconnects_while_sending_a_body(
    standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    standin.reset_stats()
    head = (
        f"POST /rest/v1/orders HTTP/1.1\r\nHost: x\r\napikey: {standin.anon_key}\r\n"
        "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
    )
    _raw(standin, head.encode() + b'{"event_id": ', read=False)
    still_serving(standin)
    assert standin.stats()["by_table"]["orders"] == {"disconnected": 1}
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
