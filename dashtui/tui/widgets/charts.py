"""The latency chart (p50/p95/p99 over time) and the latency histogram, drawn by plotext."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from ..format import fmt_ms
from ..views.series import Histogram, LatencySeries

__all__ = ["LatencyChart", "LatencyHistogram"]

_LINES = (("p50", "green"), ("p95", "orange"), ("p99", "red"))
_HISTOGRAM_TICKS = 4


class LatencyChart(PlotextPlot, can_focus=True):
    """p50, p95 and p99 of each closed second; the theme's colours come from textual-plotext."""

    def show(self, series: LatencySeries) -> None:
        plt = self.plt
        plt.clear_data()
        plt.xlabel("seconds into the run")
        plt.ylabel("ms")
        if series.seconds:
            xs = list(series.seconds)
            for (label, color), values in zip(_LINES, (series.p50, series.p95, series.p99), strict=True):
                plt.plot(xs, list(values), label=label, color=color)
        self.refresh()


class LatencyHistogram(PlotextPlot, can_focus=True):
    """How http_req_duration is distributed: bars over equal-width latency bins."""

    def show(self, histogram: Histogram) -> None:
        plt = self.plt
        plt.clear_data()
        plt.xlabel("http_req_duration")
        if histogram.counts:
            positions = [float(i) for i in range(len(histogram.counts))]
            plt.bar(positions, list(histogram.counts), width=0.8, color="cyan")
            step = max(1, len(positions) // _HISTOGRAM_TICKS)
            ticks = positions[::step]
            plt.xticks(ticks, [fmt_ms(histogram.low + t * histogram.width) for t in ticks])
        self.refresh()
