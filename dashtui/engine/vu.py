"""A virtual user: its own client, and the interpreter of a flow's steps (group, batch, request, sleep…)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import httpx

from ..metrics.snapshot import FailureRecord
from ..metrics.types import Sample, Tags, make_tags
from ..scenario.model import (
    AddStep,
    BatchStep,
    GroupStep,
    PythonStep,
    RealtimeStep,
    RequestSpec,
    RequestStep,
    SleepStep,
)
from ..secrets import redact
from .checks import check_response, emit_check
from .context import RunContext
from .http import HttpResult, PreparedRequest, perform
from .prepare import prepare_request

__all__ = ["VU"]

_Result = tuple[HttpResult, bool]
_Send = Callable[[PreparedRequest], Coroutine[Any, Any, _Result]]

EXCERPT = 160
_SECRET_MARGIN = 4096
"""Bytes past the excerpt that are redacted with it, so a secret cut by the excerpt's end is caught whole."""


class VU:
    """One virtual user. Runs iterations of a flow; its state (`vars`) lives across iterations."""

    def __init__(self, vu_id: int, ctx: RunContext, *, scenario: str, tags: Tags = ()) -> None:
        self.id = vu_id
        self.ctx = ctx
        self.scenario = scenario
        self.tags = make_tags({**dict(tags), "scenario": scenario})
        self.connections = ctx.new_connections()
        self.vars: dict[str, Any] = {}
        self.iteration_index = 0
        self._group = ""

    async def aclose(self) -> None:
        await self.connections.aclose()

    async def reset_connections(self) -> None:
        """Close this VU's connections and start afresh (k6's noVUConnectionReuse, between iterations)."""
        await self.connections.aclose()
        self.connections = self.ctx.new_connections()

    @property
    def client(self) -> httpx.AsyncClient:
        """This VU's `httpx.AsyncClient` (for Python steps), built the first time it is asked for."""
        return self.connections.client

    @property
    def group(self) -> str:
        """The current group path, `::`-joined as k6 writes it (`::initial_load`)."""
        return self._group

    def step_tags(self) -> Tags:
        return self.ctx.sink.interner.with_tag(self.tags, "group", self._group)

    async def iteration(self, flow: Sequence[Any]) -> None:
        """One full pass over `flow`; emits k6's iteration samples only when it completes."""
        clock = self.ctx.clock
        started = clock.now()
        self._group = ""
        await self.run_steps(flow)
        end = clock.now()
        tags = self.step_tags()
        self.ctx.emit(Sample("iterations", 1.0, tags, end))
        self.ctx.emit(Sample("iteration_duration", (end - started) * 1000.0, tags, end))
        self.iteration_index += 1
        if self.ctx.no_vu_connection_reuse:
            await self.reset_connections()

    async def run_steps(self, steps: Sequence[Any]) -> list[bool]:
        """Run steps in order; returns, per response they produced, whether it passed its checks.

        Only the verdicts travel up to the group and flow bindings, not the responses: a VU would
        otherwise hold every body of its iteration through its think time.
        """
        produced: list[bool] = []
        for step in steps:
            await self.ctx.gate.wait()
            produced.extend(await self.run_step(step))
        return produced

    async def run_step(self, step: Any) -> list[bool]:
        if isinstance(step, GroupStep):
            return await self._group_step(step)
        if isinstance(step, BatchStep):
            verdicts = [ok for _, ok in await self.batch(step.batch)]
            self._bind(verdicts, step.error_rate, step.count_requests)
            return verdicts
        if isinstance(step, RequestStep):
            _, ok = await self.request(step.request)
            self._bind([ok], step.error_rate, step.count_requests)
            return [ok]
        if isinstance(step, SleepStep):
            low, high = step.sleep.min, step.sleep.max
            await self.ctx.clock.sleep(low if high <= low else self.ctx.rng.uniform(low, high))
            return []
        if isinstance(step, RealtimeStep):
            if self.ctx.realtime is not None and step.realtime.hold != "vu":
                await self.ctx.realtime(self, step.realtime)
            return []
        if isinstance(step, AddStep):
            now = self.ctx.clock.now()
            self.ctx.emit(Sample(step.add.metric, float(step.add.value), self.step_tags(), now))
            return []
        if isinstance(step, PythonStep):
            await step.call(self)
            return []
        raise TypeError(f"unknown step {type(step).__name__}")

    async def _group_step(self, step: GroupStep) -> list[bool]:
        clock = self.ctx.clock
        parent = self._group
        self._group = f"{parent}::{step.group}"
        started = clock.now()
        try:
            verdicts = await self.run_steps(step.steps)
            end = clock.now()
            elapsed_ms = (end - started) * 1000.0
            tags = self.step_tags()
            if step.duration_trend:
                self.ctx.emit(Sample(step.duration_trend, elapsed_ms, tags, end))
            for check in step.checks:
                emit_check(check.name, elapsed_ms < check.below, tags=tags, time=end, sink=self.ctx.sink)
            self._bind(verdicts, step.error_rate, step.count_requests)
            self.ctx.emit(Sample("group_duration", elapsed_ms, tags, end))
        finally:
            self._group = parent
        return verdicts

    def _bind(self, verdicts: list[bool], error_rate: Any, count_requests: str | None) -> None:
        """Feed the step's custom metrics as the seed does: errorRate.add(!allSuccess), apiCalls.add(n)."""
        now = self.ctx.clock.now()
        tags = self.step_tags()
        if error_rate is not None and verdicts:
            considered = verdicts[:1] if error_rate.responses == "first" else verdicts
            failed = not all(considered)
            self.ctx.emit(Sample(error_rate.metric, 1.0 if failed else 0.0, tags, now))
        if count_requests:
            self.ctx.emit(Sample(count_requests, float(len(verdicts)), tags, now))

    def _prepared(self, spec: RequestSpec) -> PreparedRequest:
        return self.ctx.prepared(spec, prepare_request)

    async def request(self, spec: RequestSpec | PreparedRequest) -> tuple[HttpResult, bool]:
        """Send one request, run its checks, record a failure; returns (result, checks passed)."""
        prepared = spec if isinstance(spec, PreparedRequest) else self._prepared(spec)
        tags = self.step_tags()
        ctx = self.ctx
        transport = self.connections.transport_for(prepared)
        result = await perform(
            None if transport is not None else self.client,
            prepared,
            clock=ctx.clock,
            tags=tags,
            sink=ctx.sink,
            transport=transport,
            user_agent=ctx.user_agent,
            queueing=ctx.queueing.add,
        )
        checks = prepared.spec.checks if prepared.spec is not None else ()
        ok = check_response(result, checks, tags=tags, time=self.ctx.clock.now(), sink=self.ctx.sink)
        if not result.expected:
            self._record_failure(result)
        return result, ok

    async def get(
        self, url: str, *, name: str | None = None, auth: str | None = None, checks: Sequence[Any] = ()
    ) -> HttpResult:
        """A GET from a Python step, measured and checked like any flow request (k6's `http.get`).

        `checks` are check tables as in a preset (`{"name": "200", "status": 200}`).
        """
        spec = RequestSpec.model_validate({"url": url, "name": name, "auth": auth, "checks": list(checks)})
        result, _ = await self.request(spec)
        return result

    async def batch(self, specs: Sequence[RequestSpec | PreparedRequest]) -> list[tuple[HttpResult, bool]]:
        """k6's http.batch: all requests in parallel, at most `batch` at once and `batchPerHost` per host.

        The first request runs in this task and the others in their own tasks; limiters exist only when
        the batch exceeds a limit (a task and a semaphore per request are most of a batch's own cost).
        """
        prepared = [s if isinstance(s, PreparedRequest) else self._prepared(s) for s in specs]
        if len(prepared) <= 1:
            return [await self.request(request) for request in prepared]
        run = self._limited(prepared)
        loop = asyncio.get_running_loop()
        others = [loop.create_task(run(request)) for request in prepared[1:]]
        try:
            first = await run(prepared[0])
            rest = await asyncio.gather(*others)
        except BaseException:
            for task in others:
                task.cancel()
            asyncio.gather(*others, return_exceptions=True)  # retrieves their outcomes: no "never retrieved"
            raise
        return [first, *rest]

    def _limited(self, prepared: Sequence[PreparedRequest]) -> _Send:
        """`self.request`, behind `batch` and `batchPerHost` semaphores when the batch can exceed them."""
        per_host_limit = max(1, self.ctx.batch_per_host)
        hosts = Counter(request.host for request in prepared)
        over_total = len(prepared) > max(1, self.ctx.batch)
        if not over_total and max(hosts.values()) <= per_host_limit:
            return self.request
        overall = asyncio.Semaphore(max(1, self.ctx.batch))
        per_host = {host: asyncio.Semaphore(per_host_limit) for host in hosts}

        async def limited(request: PreparedRequest) -> _Result:
            async with overall, per_host[request.host]:
                return await self.request(request)

        return limited

    def _record_failure(self, result: HttpResult) -> None:
        excerpt = result.body[: EXCERPT + _SECRET_MARGIN].decode("utf-8", "replace")
        self.ctx.sink.add_failure(
            FailureRecord(
                elapsed=max(0.0, self.ctx.clock.now() - self.ctx.start),
                name=redact(result.request.name, self.ctx.secrets),
                status=result.status,
                error=redact(result.error, self.ctx.secrets),
                body_excerpt=redact(excerpt, self.ctx.secrets)[:EXCERPT],
                error_code=result.error_code,
            )
        )
