"""k6's built-in metrics (k6 `metrics/builtin.go`) plus dashtui's realtime metrics, and a registry."""

from __future__ import annotations

from collections.abc import Iterator

from .types import Metric, MetricType, ValueType

__all__ = ["BUILTIN_METRICS", "Registry"]

_C, _G, _R, _T = MetricType.COUNTER, MetricType.GAUGE, MetricType.RATE, MetricType.TREND
_TIME, _DATA = ValueType.TIME, ValueType.DATA

BUILTIN_METRICS: tuple[Metric, ...] = (
    Metric("vus", _G),
    Metric("vus_max", _G),
    Metric("iterations", _C),
    Metric("iteration_duration", _T, _TIME),
    Metric("dropped_iterations", _C),
    Metric("checks", _R),
    Metric("group_duration", _T, _TIME),
    Metric("http_reqs", _C),
    Metric("http_req_failed", _R),
    Metric("http_req_duration", _T, _TIME),
    Metric("http_req_blocked", _T, _TIME),
    Metric("http_req_connecting", _T, _TIME),
    Metric("http_req_tls_handshaking", _T, _TIME),
    Metric("http_req_sending", _T, _TIME),
    Metric("http_req_waiting", _T, _TIME),
    Metric("http_req_receiving", _T, _TIME),
    Metric("data_sent", _C, _DATA),
    Metric("data_received", _C, _DATA),
    Metric("realtime_connecting", _T, _TIME),
    Metric("realtime_subscribe_duration", _T, _TIME),
    Metric("realtime_subscriptions", _R),
    Metric("realtime_messages", _C),
    Metric("realtime_errors", _C),
    Metric("realtime_active", _G),
    Metric("realtime_delivery_latency", _T, _TIME),
)


class Registry:
    """The metrics a run knows: the built-ins and the scenario's custom metrics."""

    def __init__(self, custom: tuple[Metric, ...] = ()) -> None:
        self._metrics: dict[str, Metric] = {m.name: m for m in BUILTIN_METRICS}
        for metric in custom:
            self.define(metric)

    def define(self, metric: Metric) -> Metric:
        """Add a custom metric; redefining a name with another type is an error, as in k6."""
        known = self._metrics.get(metric.name)
        if known is not None and known != metric:
            raise ValueError(
                f"metric {metric.name!r} is already a {known.type.value}/{known.contains.value}, "
                f"cannot redefine it as {metric.type.value}/{metric.contains.value}"
            )
        self._metrics[metric.name] = metric
        return metric

    def get(self, name: str) -> Metric | None:
        return self._metrics.get(name)

    def __getitem__(self, name: str) -> Metric:
        return self._metrics[name]

    def __contains__(self, name: object) -> bool:
        return name in self._metrics

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._metrics.values())
