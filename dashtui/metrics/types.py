"""The vocabulary of measurements: metric kinds, metric definitions, tags and samples."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Metric", "MetricType", "Sample", "Tags", "ValueType", "make_tags"]


class MetricType(StrEnum):
    """k6's four metric kinds; the value is the name k6 writes in its JSON."""

    COUNTER = "counter"
    GAUGE = "gauge"
    RATE = "rate"
    TREND = "trend"


class ValueType(StrEnum):
    """What a metric's values are (k6's `contains`)."""

    DEFAULT = "default"
    TIME = "time"
    DATA = "data"


@dataclass(frozen=True, slots=True)
class Metric:
    """A named metric with its kind and unit."""

    name: str
    type: MetricType
    contains: ValueType = ValueType.DEFAULT


Tags = tuple[tuple[str, str], ...]
"""Tags as a sorted tuple of (key, value) pairs: hashable, cheap to compare and to use as a dict key."""


def make_tags(tags: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> Tags:
    """Normalise tags into the sorted-tuple form, dropping empty keys."""
    items = tags.items() if isinstance(tags, Mapping) else tags
    return tuple(sorted((str(k), str(v)) for k, v in items if k))


@dataclass(frozen=True, slots=True)
class Sample:
    """One measurement: `value` of `metric` at monotonic `time`, with `tags`.

    Time metrics are in milliseconds, data metrics in bytes, rates are 0 or 1, as in k6.
    """

    metric: str
    value: float
    tags: Tags
    time: float

    def tag(self, key: str, default: str = "") -> str:
        for k, v in self.tags:
            if k == key:
                return v
        return default
