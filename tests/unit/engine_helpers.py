"""Shared builders for engine unit tests: scenarios from dicts and a run over httpx.MockTransport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from dashtui.clock import SystemClock
from dashtui.engine.runner import Engine
from dashtui.metrics import Aggregator, FailureRecord, Sample, SampleSink, Snapshot
from dashtui.scenario.model import Scenario
from dashtui.session import registry_for

Handler = Callable[[httpx.Request], Any]


class SampleList(SampleSink, list[Sample]):
    """A sink that only knows `add`: it keeps the samples the base class's fallbacks give it."""

    def add(self, sample: Sample) -> None:
        self.append(sample)

    def add_failure(self, record: FailureRecord) -> None:
        pass


def scenario(
    flow: list[dict[str, Any]],
    *,
    executor: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
    thresholds: dict[str, Any] | None = None,
) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "test",
            "scenarios": {
                "default": executor or {"executor": "shared-iterations", "vus": 1, "iterations": 1}
            },
            "flows": {"default": flow},
            "metrics": metrics or {},
            "options": options or {},
            "thresholds": thresholds or {},
        }
    )


async def run(
    sc: Scenario, handler: Handler, *, env: dict[str, str] | None = None
) -> tuple[Engine, Snapshot]:
    clock = SystemClock()
    aggregator = Aggregator(registry_for(sc), clock=clock)
    engine = Engine(
        sc,
        sink=aggregator,
        clock=clock,
        env=env or {},
        transport_factory=lambda: httpx.MockTransport(handler),
    )
    await engine.run()
    return engine, aggregator.snapshot()
