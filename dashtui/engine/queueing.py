"""How long responses wait between the socket and their VU's coroutine: the generator's own queueing."""

from __future__ import annotations

from ..metrics.digest import TrendDigest

__all__ = ["QueueingMeter"]


class QueueingMeter:
    """Collects, per request on the fast path, the gap from the last socket read to the VU resuming (ms).

    That gap is latency the generator adds after the response has arrived; it is left out of the k6
    phases (they are stamped at the socket) and reported here instead.
    """

    __slots__ = ("_digest",)

    def __init__(self) -> None:
        self._digest = TrendDigest(exact_limit=4096)

    def add(self, ms: float) -> None:
        self._digest.add(ms)

    def figures(self) -> dict[str, float]:
        """count, avg_ms, p95_ms and max_ms of the gaps seen so far (all 0 before the first)."""
        digest = self._digest
        if not digest.count:
            return {"count": 0, "avg_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
        return {
            "count": digest.count,
            "avg_ms": round(digest.avg, 3),
            "p95_ms": round(digest.percentile(95), 3),
            "max_ms": round(digest.max, 3),
        }
