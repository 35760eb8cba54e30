"""A Trend's sample store: exact (k6's numbers to the digit) for short runs, log buckets after that.

k6 keeps every Trend sample and sorts them to answer a percentile (grafana/k6#763, #1068: a 12 h run used
64 GB). `TrendDigest` keeps samples exactly in a packed `array('d')` up to `exact_limit`; past it, it folds
them into logarithmic buckets whose representative value is within `relative_accuracy` of every sample in
the bucket (DDSketch's mapping). Memory is then bounded by the number of occupied buckets (a few thousand
for latencies from microseconds to hours), not by run length.

Percentiles use k6's method in both modes: rank `p·(n−1)`, linear interpolation between the values at the
neighbouring ranks. In bucket mode each of those values is off by at most `relative_accuracy`, so the
interpolated result is too.

hdrhistogram and ddsketch were considered; neither exposes the value at an exact rank, which k6's
interpolation needs, and neither keeps exact samples for the short runs where k6 users compare digits.
"""

from __future__ import annotations

import math
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["DEFAULT_EXACT_LIMIT", "DEFAULT_RELATIVE_ACCURACY", "DigestState", "TrendDigest"]

DEFAULT_EXACT_LIMIT = 50_000
DEFAULT_RELATIVE_ACCURACY = 0.0005


@dataclass(frozen=True, slots=True)
class DigestState:
    """A digest's stored cells as plain values, for encodings of dashtui's own (`run/wire.py`)."""

    count: int
    total: float
    min: float
    max: float
    exact_limit: int
    relative_accuracy: float
    exact: Sequence[float] | None
    """Every sample while the digest is exact, else None (a tuple, or an `array('d')` straight off a wire)."""
    buckets: tuple[tuple[int, int], ...]
    """(bucket key, weight) pairs once folded."""
    zeros: int


class TrendDigest:
    """Mergeable store of Trend samples with count, sum, min, max and k6-method percentiles."""

    __slots__ = (
        "_buckets",
        "_exact",
        "_gamma_log",
        "_sorted",
        "count",
        "exact_limit",
        "max",
        "min",
        "relative_accuracy",
        "total",
        "_zeros",
    )

    def __init__(
        self,
        *,
        exact_limit: int = DEFAULT_EXACT_LIMIT,
        relative_accuracy: float = DEFAULT_RELATIVE_ACCURACY,
    ) -> None:
        if not 0 < relative_accuracy < 1:
            raise ValueError("relative_accuracy must be between 0 and 1")
        self.exact_limit = exact_limit
        self.relative_accuracy = relative_accuracy
        self._gamma_log = math.log((1 + relative_accuracy) / (1 - relative_accuracy))
        self._exact: array[float] | None = array("d")
        self._sorted = True
        self._buckets: dict[int, int] = {}
        self._zeros = 0
        self.count = 0
        self.total = 0.0
        self.min = math.inf
        self.max = -math.inf

    @property
    def is_exact(self) -> bool:
        """True while every sample is kept as it was measured."""
        return self._exact is not None

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        exact = self._exact
        if exact is not None:
            if self._sorted and exact and value < exact[-1]:
                self._sorted = False
            exact.append(value)
            if len(exact) > self.exact_limit:
                self._fold()
        else:
            self._bucket(value, 1)

    def extend(self, values: Iterable[float]) -> None:
        for value in values:
            self.add(value)

    def _key(self, value: float) -> int:
        return math.ceil(math.log(value) / self._gamma_log)

    def _representative(self, key: int) -> float:
        gamma = math.exp(self._gamma_log)
        return 2.0 * math.exp(key * self._gamma_log) / (gamma + 1.0)

    def _bucket(self, value: float, weight: int) -> None:
        if value <= 0.0:
            self._zeros += weight
            return
        key = self._key(value)
        self._buckets[key] = self._buckets.get(key, 0) + weight

    def _bucket_all(self, values: Iterable[float]) -> None:
        """`_bucket(value, 1)` for each value, with the lookups hoisted: folding and merging exact samples
        into buckets is the bulk of a coordinator's merge work."""
        log, ceil, gamma_log = math.log, math.ceil, self._gamma_log
        buckets, get = self._buckets, self._buckets.get
        zeros = 0
        for value in values:
            if value <= 0.0:
                zeros += 1
            else:
                key = ceil(log(value) / gamma_log)
                buckets[key] = get(key, 0) + 1
        self._zeros += zeros

    def fold(self) -> None:
        """Keep the samples as buckets from now on, whatever the count (no-op once folded)."""
        self._fold()

    def _fold(self) -> None:
        exact = self._exact
        if exact is None:
            return
        self._exact = None
        self._bucket_all(exact)

    def _value_at_rank(self, rank: int, keys: list[int], cumulative: list[int]) -> float:
        if rank < self._zeros:
            return 0.0
        index = bisect_left(cumulative, rank + 1 - self._zeros)
        value = self._representative(keys[index])
        return min(max(value, self.min), self.max)

    def percentile(self, p: float) -> float:
        """The p-th percentile (0–100) by k6's method; 0 for an empty digest, as k6 reports."""
        if self.count == 0:
            return 0.0
        if p <= 0:
            return self.min
        if p >= 100:
            return self.max
        rank = (p / 100.0) * (self.count - 1)
        lower = math.floor(rank)
        upper = math.ceil(rank)
        exact = self._exact
        if exact is not None:
            self._sort()
            exact = self._exact
            assert exact is not None
            low_value, high_value = exact[lower], exact[upper]
        else:
            keys = sorted(self._buckets)
            cumulative: list[int] = []
            running = 0
            for key in keys:
                running += self._buckets[key]
                cumulative.append(running)
            low_value = self._value_at_rank(lower, keys, cumulative)
            high_value = self._value_at_rank(upper, keys, cumulative)
        return low_value + (high_value - low_value) * (rank - lower)

    def exact_values(self) -> tuple[float, ...] | None:
        """Every sample, sorted, while the digest is exact; None once it has folded into buckets."""
        if self._exact is None:
            return None
        self._sort()
        return tuple(self._exact)

    @property
    def avg(self) -> float:
        return self.total / self.count if self.count else 0.0

    def _sort(self) -> None:
        if self._exact is not None and not self._sorted:
            self._exact = array("d", sorted(self._exact))
            self._sorted = True

    def copy(self) -> TrendDigest:
        """A copy; sorts this digest first so that live snapshots re-sort only what came since."""
        self._sort()
        clone = TrendDigest(exact_limit=self.exact_limit, relative_accuracy=self.relative_accuracy)
        clone._exact = array("d", self._exact) if self._exact is not None else None
        clone._sorted = self._sorted
        clone._buckets = dict(self._buckets)
        clone._zeros = self._zeros
        clone.count = self.count
        clone.total = self.total
        clone.min = self.min
        clone.max = self.max
        return clone

    def merge(self, other: TrendDigest) -> TrendDigest:
        """A new digest holding the samples of both; neither input changes."""
        merged = self.copy()
        merged.merge_in(other)
        return merged

    def merge_in(self, other: TrendDigest) -> None:
        """Add every sample of `other` to this digest."""
        if other.count == 0:
            return
        if self.relative_accuracy != other.relative_accuracy:
            raise ValueError("cannot merge digests of different accuracy")
        self.count += other.count
        self.total += other.total
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        if self._exact is not None and other._exact is not None:
            self._exact.extend(other._exact)
            self._sorted = False
            if len(self._exact) > self.exact_limit:
                self._fold()
            return
        self._fold()
        if other._exact is not None:
            self._bucket_all(other._exact)
        else:
            for key, weight in other._buckets.items():
                self._buckets[key] = self._buckets.get(key, 0) + weight
            self._zeros += other._zeros

    def state(self) -> DigestState:
        """Everything the digest holds, as plain values; `from_state` rebuilds an equal digest."""
        return DigestState(
            count=self.count,
            total=self.total,
            min=self.min,
            max=self.max,
            exact_limit=self.exact_limit,
            relative_accuracy=self.relative_accuracy,
            exact=array("d", self._exact) if self._exact is not None else None,
            buckets=tuple(self._buckets.items()),
            zeros=self._zeros,
        )

    @classmethod
    def from_state(cls, state: DigestState) -> TrendDigest:
        digest = cls(exact_limit=state.exact_limit, relative_accuracy=state.relative_accuracy)
        if state.exact is None:
            digest._exact = None
            digest._buckets = dict(state.buckets)
            digest._zeros = state.zeros
        else:
            digest._exact = array("d", state.exact)
            digest._sorted = len(digest._exact) < 2
        digest.count = state.count
        digest.total = state.total
        digest.min = state.min
        digest.max = state.max
        return digest

    def memory_cells(self) -> int:
        """How many stored cells the digest holds: exact samples or occupied buckets."""
        return len(self._exact) if self._exact is not None else len(self._buckets) + 1
