"""Helpers for the Realtime integration tests: a recording sink, scenario builders, REST inserts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import httpx

from dashtui.demo import StandIn
from dashtui.metrics.aggregator import SampleSink
from dashtui.metrics.snapshot import FailureRecord
from dashtui.metrics.types import Sample
from dashtui.scenario.model import Scenario


class Recorder(SampleSink):
    """Keeps every sample and failure the engine writes."""

    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.failures: list[FailureRecord] = []

    def add(self, sample: Sample) -> None:
        self.samples.append(sample)

    def add_failure(self, record: FailureRecord) -> None:
        self.failures.append(record)

    def of(self, metric: str, **tags: str) -> list[Sample]:
        return [s for s in self.samples if s.metric == metric and all(s.tag(k) == v for k, v in tags.items())]

    def values(self, metric: str, **tags: str) -> list[float]:
        return [s.value for s in self.of(metric, **tags)]

    def reasons(self) -> Counter[str]:
        return Counter(s.tag("reason") for s in self.of("realtime_errors"))


def env_for(standin: StandIn, **overrides: str) -> dict[str, str]:
    return {
        "SUPABASE_URL": standin.url,
        "SUPABASE_ANON_KEY": standin.anon_key,
        "SUPABASE_SERVICE_ROLE_KEY": standin.service_role_key,
        **overrides,
    }


def realtime_step(event_id: str, **spec: Any) -> dict[str, Any]:
    """The dashboard's subscription: orders and scan_logs of one event."""
    changes = [
        {"event": "*", "schema": "public", "table": table, "filter": f"event_id=eq.{event_id}"}
        for table in ("orders", "scan_logs")
    ]
    return {"realtime": {"channel": "dashboard", "changes": changes, **spec}}


def scenario(
    scenarios: Mapping[str, Mapping[str, Any]],
    flows: Mapping[str, list[dict[str, Any]]],
    thresholds: Mapping[str, list[str]] | None = None,
) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "realtime-test",
            "scenarios": dict(scenarios),
            "flows": dict(flows),
            "thresholds": dict(thresholds or {}),
        }
    )


def service_headers(standin: StandIn) -> dict[str, str]:
    key = standin.service_role_key
    return {"apikey": key, "Authorization": f"Bearer {key}", "Prefer": "return=representation"}


async def insert(standin: StandIn, table: str, rows: list[dict[str, Any]]) -> list[str]:
    """Insert rows through the stand-in's REST API; returns their ids."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"{standin.url}/rest/v1/{table}", json=rows, headers=service_headers(standin)
        )
    assert response.status_code == 201, response.text
    return [row["id"] for row in response.json()]


async def other_event_id(standin: StandIn) -> str:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(
            f"{standin.url}/rest/v1/events?select=id&id=neq.{standin.test_event_id}&limit=1",
            headers=service_headers(standin),
        )
    assert response.status_code == 200, response.text
    return str(response.json()[0]["id"])
