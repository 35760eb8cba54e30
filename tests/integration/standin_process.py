"""A stand-in in its own process (`dashtui serve --port 0`), so timing tests do not share a GIL with it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class StandInProcess:
    url: str
    anon_key: str
    service_role_key: str
    test_event_id: str

    def env(self) -> dict[str, str]:
        return {
            "SUPABASE_URL": self.url,
            "SUPABASE_ANON_KEY": self.anon_key,
            "SUPABASE_SERVICE_ROLE_KEY": self.service_role_key,
            "TEST_EVENT_ID": self.test_event_id,
        }

    def _admin(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"apikey": self.service_role_key, "Authorization": f"Bearer {self.service_role_key}"}
        response = httpx.request(
            method, f"{self.url}/admin/v1/{path}", json=body, headers=headers, timeout=10
        )
        response.raise_for_status()
        return response.json()

    def set_faults(self, **changes: object) -> Any:
        return self._admin("PUT", "faults", changes)

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._admin("GET", "stats")
        return result

    def reset_stats(self) -> None:
        self._admin("POST", "stats/reset")


@contextmanager
def standin_process(*args: str) -> Iterator[StandInProcess]:
    """Start `dashtui serve` on 127.0.0.1 with an ephemeral port; stop it on exit."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dashtui",
            "serve",
            "--port",
            "0",
            "--scale",
            "small",
            "--box-office-rate",
            "0",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        while len(exports) < 4:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("dashtui serve exited before printing its URL and keys")
            if line.startswith("export "):
                key, _, value = line[len("export ") :].strip().partition("=")
                exports[key] = value
        yield StandInProcess(
            url=exports["SUPABASE_URL"],
            anon_key=exports["SUPABASE_ANON_KEY"],
            service_role_key=exports["SUPABASE_SERVICE_ROLE_KEY"],
            test_event_id=exports["TEST_EVENT_ID"],
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
