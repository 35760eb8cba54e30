"""The stand-in in a process of its own (`dashtui serve --port 0`), for benchmarks and timing tests.

A stand-in in the same process shares the GIL with the load generator, so each side's timings include the
other's work; a separate process (optionally pinned to its own core) keeps both honest.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["StandInProcess", "standin_process"]

_EXPORTS = ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "TEST_EVENT_ID")


@dataclass(frozen=True)
class StandInProcess:
    """A running `dashtui serve`: its address and keys, and its admin API."""

    pid: int
    url: str
    anon_key: str
    service_role_key: str
    test_event_id: str

    def env(self) -> dict[str, str]:
        """The variables a run needs to target this stand-in (as `dashtui serve` prints them)."""
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

    def set_faults(self, **changes: object) -> dict[str, Any]:
        """Change some faults (`latency="uniform(20,40)"`, `error_rate=0.05`…) through the admin API."""
        result: dict[str, Any] = self._admin("PUT", "faults", changes)
        return result

    def stats(self) -> dict[str, Any]:
        """What the stand-in served (requests per table and status, faults, Realtime traffic)."""
        result: dict[str, Any] = self._admin("GET", "stats")
        return result

    def reset_stats(self) -> None:
        self._admin("POST", "stats/reset")


@contextmanager
def standin_process(args: Sequence[str] = (), *, core: int | None = None) -> Iterator[StandInProcess]:
    """Start `dashtui serve --port 0` on 127.0.0.1 with `args`; yield it once it has printed its exports.

    `core` pins the server to one CPU core (Linux). The process is stopped on exit, killed if it lingers.
    """
    command = [sys.executable, "-m", "dashtui", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        exports: dict[str, str] = {}
        assert process.stdout is not None
        while not all(name in exports for name in _EXPORTS):
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("dashtui serve exited before printing its address and keys")
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value.strip("'")
        if core is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(process.pid, {core})
        yield StandInProcess(
            pid=process.pid,
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
