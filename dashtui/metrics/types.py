"""The vocabulary of measurements: metric kinds, metric definitions, tags and samples."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

__all__ = [
    "HTTP_REQUEST_METRICS",
    "Metric",
    "MetricType",
    "RequestRecord",
    "Sample",
    "Tags",
    "ValueType",
    "make_tags",
]


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


HTTP_REQUEST_METRICS: tuple[str, ...] = (
    "http_reqs",
    "http_req_duration",
    "http_req_blocked",
    "http_req_connecting",
    "http_req_tls_handshaking",
    "http_req_sending",
    "http_req_waiting",
    "http_req_receiving",
    "http_req_failed",
    "data_sent",
    "data_received",
)
"""The eleven metrics one request feeds, in the order its samples have always been emitted."""


class RequestRecord(NamedTuple):
    """One HTTP request as the metrics see it: k6's six phases in ms, bytes each way, and its tags.

    `tags` is an interned tuple (`metrics.tags.TagInterner`), so sinks can cache per-tag-set decisions.
    Immutable and slotted; a named tuple, built positionally, because the engine builds one per request:
    ~0.5 µs, where a frozen dataclass takes ~2 µs (Python 3.11).
    """

    tags: Tags
    time: float
    blocked: float
    connecting: float
    tls_handshaking: float
    sending: float
    waiting: float
    receiving: float
    failed: bool
    sent_bytes: float
    received_bytes: float

    @property
    def duration(self) -> float:
        """k6's http_req_duration: sending + waiting + receiving."""
        return self.sending + self.waiting + self.receiving

    def samples(self) -> tuple[Sample, ...]:
        """The eleven samples this record stands for, in k6's emission order."""
        tags, time = self.tags, self.time
        values = (
            1.0,
            self.duration,
            self.blocked,
            self.connecting,
            self.tls_handshaking,
            self.sending,
            self.waiting,
            self.receiving,
            1.0 if self.failed else 0.0,
            float(self.sent_bytes),
            float(self.received_bytes),
        )
        return tuple(Sample(m, v, tags, time) for m, v in zip(HTTP_REQUEST_METRICS, values, strict=True))
