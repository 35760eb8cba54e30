"""The latency chart (p50/p95/p99 over time) and the latency histogram, drawn by plotext."""

from __future__ import annotations

from textual.app import RenderResult
from textual_plotext import PlotextPlot

from ..format import fmt_ms
from ..views.series import Histogram, LatencySeries

__all__ = ["LatencyChart", "LatencyHistogram"]

_LINES = (("p50", "green"), ("p95", "orange"), ("p99", "red"))
_HISTOGRAM_TICKS = 4


def _whole_ticks(top: int, most: int = 4) -> list[float]:
    """At most `most` whole-number y ticks from 0 to `top`: counts are whole samples."""
    step = max(1, -(-top // most))
    return [float(tick) for tick in range(0, top + 1, step)]


class _CachedPlot(PlotextPlot):
    """A plot that rebuilds its drawing only when its data, size or theme changed.

    PlotextPlot builds the whole chart on every render, and a screen repaint renders every widget;
    with the cache a repaint of an unchanged chart costs nothing.
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._version = 0
        self._cache_key: tuple[object, ...] | None = None
        self._cached: RenderResult | None = None

    def _changed(self) -> None:
        self._version += 1
        self.refresh()

    def render(self) -> RenderResult:
        key = (self._version, self.size, self.app.theme, self.theme)
        if self._cached is None or key != self._cache_key:
            self._cached = super().render()
            self._cache_key = key
        return self._cached


class LatencyChart(_CachedPlot, can_focus=True):
    """p50, p95 and p99 of each closed second; the theme's colours come from textual-plotext."""

    def show(self, series: LatencySeries) -> None:
        plt = self.plt
        plt.clear_data()
        plt.xlabel("seconds into the run")
        plt.ylabel("ms")
        plt.xlim(*series.x_range())
        if series.seconds:
            xs = list(series.seconds)
            for (label, color), values in zip(_LINES, (series.p50, series.p95, series.p99), strict=True):
                plt.plot(xs, list(values), label=label, color=color)
        self._changed()


class LatencyHistogram(_CachedPlot, can_focus=True):
    """How http_req_duration is distributed: bars over equal-width latency bins."""

    def show(self, histogram: Histogram) -> None:
        plt = self.plt
        plt.clear_data()
        plt.xlabel("http_req_duration")
        if histogram.counts:
            positions = [float(i) for i in range(len(histogram.counts))]
            plt.bar(positions, list(histogram.counts), width=0.8, color="cyan")
            plt.yticks(_whole_ticks(max(histogram.counts)))
            step = max(1, len(positions) // _HISTOGRAM_TICKS)
            ticks = positions[::step]
            plt.xticks(ticks, [fmt_ms(histogram.low + t * histogram.width) for t in ticks])
        self._changed()
