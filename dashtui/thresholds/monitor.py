"""Live threshold evaluation on k6's 2 s cadence, and the abortOnFail decision."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..metrics.snapshot import Snapshot
from .evaluate import evaluate
from .results import Threshold, ThresholdResult

__all__ = ["DEFAULT_INTERVAL", "ThresholdMonitor"]

DEFAULT_INTERVAL = 2.0
"""k6 evaluates thresholds every 2 s during a run (`metrics/engine/engine.go` thresholdsRate)."""


class ThresholdMonitor:
    """Says when thresholds are due, evaluates them, and decides whether a failure aborts the run.

    It reads no clock: callers pass the run's elapsed seconds. The first evaluation is due one
    `interval` into the run, as with k6's ticker; a late check does not cause a burst of catch-up checks.
    """

    def __init__(self, thresholds: Iterable[Threshold], *, interval: float = DEFAULT_INTERVAL) -> None:
        if not interval > 0:
            raise ValueError(f"interval must be positive, got {interval!r}")
        self.thresholds: tuple[Threshold, ...] = tuple(thresholds)
        self.interval = interval
        self.latest: tuple[ThresholdResult, ...] = tuple(
            ThresholdResult(threshold, ok=None, observed=None) for threshold in self.thresholds
        )
        """The last results, pending until the first check."""
        self._next_due = interval

    @property
    def next_due(self) -> float:
        """Elapsed seconds at which the next live check is due."""
        return self._next_due

    def due(self, now_elapsed: float) -> bool:
        """True when a live check is due (never, when there are no thresholds, as in k6)."""
        return bool(self.thresholds) and now_elapsed >= self._next_due

    def check(self, snapshot: Snapshot) -> tuple[ThresholdResult, ...]:
        """Evaluate live (metrics without samples stay pending), keep the results in `latest`."""
        self.latest = evaluate(self.thresholds, snapshot)
        self._next_due = (math.floor(snapshot.elapsed / self.interval) + 1) * self.interval
        return self.latest

    def final(self, snapshot: Snapshot) -> tuple[ThresholdResult, ...]:
        """The end-of-run evaluation: every threshold gets a verdict; also kept in `latest`."""
        self.latest = evaluate(self.thresholds, snapshot, final=True)
        return self.latest

    @staticmethod
    def abort_reason(results: Iterable[ThresholdResult], elapsed: float) -> str | None:
        """Why the run must stop now, or None: the first failed abortOnFail threshold past its delay.

        As k6 (`Thresholds.runAll`): a failing abortOnFail threshold aborts at once without
        delayAbortEval, and with one only once the run has lasted longer than the delay.
        """
        for result in results:
            threshold = result.threshold
            if not (result.failed and threshold.abort_on_fail):
                continue
            if threshold.delay_abort_eval <= 0 or elapsed > threshold.delay_abort_eval:
                return f"{threshold.metric_key}: {threshold.source.strip()} (abortOnFail)"
        return None
