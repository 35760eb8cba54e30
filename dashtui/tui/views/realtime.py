"""The realtime panel: subscriptions, their latency and their errors, from the `realtime_*` metrics."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content

from ...metrics.sinks import CounterSink, GaugeSink, RateSink, TrendSink
from ...metrics.snapshot import Snapshot
from ..format import fmt_count, fmt_ms, fmt_percent, fmt_rate

__all__ = ["RealtimeView", "realtime_view", "render_realtime"]


@dataclass(frozen=True, slots=True)
class RealtimeView:
    """What the realtime panel shows; None fields were not measured in this run."""

    active: float
    subscribed_rate: float | None
    connect_p95: float | None
    subscribe_p95: float | None
    messages_per_s: float
    messages: float
    delivery_p95: float | None
    errors: float
    errors_by_reason: tuple[tuple[str, float], ...]


def _trend_p95(snapshot: Snapshot, key: str) -> float | None:
    data = snapshot.metrics.get(key)
    if data is None or not isinstance(data.sink, TrendSink) or data.sink.is_empty():
        return None
    return data.sink.stat("p(95)")


def _count(snapshot: Snapshot, key: str) -> float:
    data = snapshot.metrics.get(key)
    return data.sink.count if data is not None and isinstance(data.sink, CounterSink) else 0.0


def realtime_view(snapshot: Snapshot) -> RealtimeView | None:
    """The realtime figures, or None when the run has no `realtime_*` samples."""
    if not any(key.startswith("realtime_") for key in snapshot.metrics):
        return None
    active = snapshot.metrics.get("realtime_active")
    subscriptions = snapshot.metrics.get("realtime_subscriptions")
    reasons: list[tuple[str, float]] = []
    for data in snapshot.metrics.values():
        if data.parent != "realtime_errors" or not isinstance(data.sink, CounterSink):
            continue
        reason = dict(data.selector).get("reason")
        if reason is not None:
            reasons.append((reason, data.sink.count))
    last = snapshot.windows[-1] if snapshot.windows else None
    return RealtimeView(
        active=active.sink.value if active is not None and isinstance(active.sink, GaugeSink) else 0.0,
        subscribed_rate=(
            subscriptions.sink.rate
            if subscriptions is not None
            and isinstance(subscriptions.sink, RateSink)
            and not subscriptions.sink.is_empty()
            else None
        ),
        connect_p95=_trend_p95(snapshot, "realtime_connecting"),
        subscribe_p95=_trend_p95(snapshot, "realtime_subscribe_duration"),
        messages_per_s=float(last.realtime_messages) if last is not None else 0.0,
        messages=_count(snapshot, "realtime_messages"),
        delivery_p95=_trend_p95(snapshot, "realtime_delivery_latency"),
        errors=_count(snapshot, "realtime_errors"),
        errors_by_reason=tuple(sorted(reasons, key=lambda item: (-item[1], item[0]))),
    )


def _ms_or_dash(value: float | None) -> str:
    return "–" if value is None else fmt_ms(value)


def render_realtime(view: RealtimeView | None) -> Content:
    """Label/value lines; errors by reason underneath, largest first."""
    if view is None:
        return Content.styled("no realtime subscriptions in this run", "$text-muted")
    subscribed = "–" if view.subscribed_rate is None else fmt_percent(view.subscribed_rate)
    rows = [
        ("active", fmt_count(view.active)),
        ("subscribed", subscribed),
        ("connect p95", _ms_or_dash(view.connect_p95)),
        ("subscribe p95", _ms_or_dash(view.subscribe_p95)),
        ("messages/s", f"{fmt_rate(view.messages_per_s)}  ({fmt_count(view.messages)} total)"),
        ("delivery p95", _ms_or_dash(view.delivery_p95)),
        ("errors", fmt_count(view.errors)),
    ]
    lines = [Content.assemble((f"{label:<14}", "$text-muted"), value) for label, value in rows]
    for reason, count in view.errors_by_reason:
        lines.append(Content.assemble("  ", (reason, "$error"), f" {fmt_count(count)}"))
    return Content("\n").join(lines)
