"""One execution segment's share of each executor's work, as k6's executor configs compute it."""

from __future__ import annotations

from dataclasses import dataclass

from .model import (
    ConstantArrivalRate,
    ConstantVUs,
    ExecutorConfig,
    PerVUIterations,
    RampingArrivalRate,
    RampingVUs,
    SharedIterations,
)
from .segments import ExecutionTuple

__all__ = ["ExecutorShare", "describe_share", "share_of"]


@dataclass(frozen=True, slots=True)
class ExecutorShare:
    """What a segment runs of one scenario (k6's `GetVUs`, `GetIterations`, `GetPreAllocatedVUs`…).

    - `vus`: the VUs it starts with: constant-vus, per-vu-iterations and shared-iterations `vus`,
      ramping-vus `startVUs`, the arrival rates' `preAllocatedVUs` — each `et.scale(value)`.
    - `max_vus`: the most VUs it may have: ramping-vus' scaled peak, the arrival rates' `maxVUs`.
    - `iterations`: per-vu-iterations' count for each VU (not scaled: k6 scales only the VUs);
      shared-iterations' part of the pool, dealt by the VU shares (`et.for_value(vus)`), so a
      segment without VUs gets no iterations and the shares add up to the pool. 0 otherwise.
    - `starts`: the arrival rates' stripe of iteration starts, dealt by the maxVUs shares
      (`et.for_value(maxVUs)`): start `k` of the whole run is this segment's when `starts.owns(k)`.
      None for other executors and for a segment with no maxVUs (it starts none).
    """

    vus: int
    max_vus: int
    iterations: int = 0
    starts: ExecutionTuple | None = None

    @property
    def has_work(self) -> bool:
        """k6's `HasWork`: a segment with nothing to run skips the scenario."""
        return self.max_vus > 0


def share_of(config: ExecutorConfig, et: ExecutionTuple) -> ExecutorShare:
    """The segment `et`'s share of `config` (the whole of it when `et` is the whole run)."""
    if isinstance(config, ConstantVUs):
        vus = et.scale(config.vus)
        return ExecutorShare(vus=vus, max_vus=vus)
    if isinstance(config, RampingVUs):
        return ExecutorShare(vus=et.scale(config.start_vus), max_vus=et.scale(config.peak_vus()))
    if isinstance(config, PerVUIterations):
        vus = et.scale(config.vus)
        return ExecutorShare(vus=vus, max_vus=vus, iterations=config.iterations if vus else 0)
    if isinstance(config, SharedIterations):
        vus = et.scale(config.vus)
        pool = et.for_value(config.vus)
        return ExecutorShare(vus=vus, max_vus=vus, iterations=pool.scale(config.iterations) if pool else 0)
    if isinstance(config, ConstantArrivalRate | RampingArrivalRate):
        return ExecutorShare(
            vus=et.scale(config.pre_allocated_vus),
            max_vus=et.scale(config.max_vus),
            starts=et.for_value(config.max_vus),
        )
    raise TypeError(f"no share for executor {type(config).__name__}")


def describe_share(config: ExecutorConfig, et: ExecutionTuple) -> str:
    """One line for the dry run: what this segment runs of the scenario."""
    share = share_of(config, et)
    if not share.has_work:
        return "this segment runs none of it"
    if isinstance(config, ConstantVUs):
        return f"this segment: {share.vus} of {config.vus} VUs"
    if isinstance(config, RampingVUs):
        return f"this segment: {share.max_vus} of up to {config.peak_vus()} VUs, each target scaled"
    if isinstance(config, PerVUIterations):
        return f"this segment: {share.vus} of {config.vus} VUs, {config.iterations} iterations each"
    if isinstance(config, SharedIterations):
        return (
            f"this segment: {share.iterations} of {config.iterations} iterations, "
            f"{share.vus} of {config.vus} VUs"
        )
    assert isinstance(config, ConstantArrivalRate | RampingArrivalRate) and share.starts is not None
    starts = share.starts.segment
    return (
        f"this segment: {starts.length} of the iteration starts (striped), {share.vus} of "
        f"{config.pre_allocated_vus} preAllocatedVUs, {share.max_vus} of {config.max_vus} maxVUs"
    )
