"""Sparklines of the last minutes, each labelled with its current value."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label, Sparkline

from ..format import fmt_ms, fmt_percent, fmt_rate
from ..views.endpoints import RATE_SECONDS
from ..views.live import Headline
from ..views.series import SparkSeries

__all__ = ["MetricSpark", "SparkStrip"]


class MetricSpark(Vertical):
    """A label (`req/s 123`) over a sparkline."""

    DEFAULT_CSS = """
    MetricSpark {
        height: 3;
        width: 1fr;
    }
    MetricSpark > Label {
        width: 1fr;
    }
    MetricSpark > Sparkline {
        height: 2;
    }
    """

    def __init__(self, title: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="spark")
        self._title = title
        self._label = Label(title, markup=False)
        self._spark = Sparkline([])
        self._shown: tuple[str, tuple[float, ...]] | None = None

    def compose(self) -> ComposeResult:
        yield self._label
        yield self._spark

    def show(self, current: str, data: Sequence[float]) -> None:
        """Show `data` (a new sequence each time: Sparkline.data only repaints on reassignment)."""
        key = (current, tuple(data))
        if key == self._shown:
            return
        self._shown = key
        self._label.update(f"{self._title} {current}", layout=False)
        self._spark.data = list(data)


class SparkStrip(Horizontal):
    """requests/s, p95, error rate and active VUs side by side."""

    DEFAULT_CSS = """
    SparkStrip {
        height: 3;
    }
    """

    def compose(self) -> ComposeResult:
        yield MetricSpark(f"req/s ({RATE_SECONDS}s)", id="spark-rps")
        yield MetricSpark("p95 (run)", id="spark-p95")
        yield MetricSpark(f"errors ({RATE_SECONDS}s)", id="spark-errors")
        yield MetricSpark("VUs", id="spark-vus")

    def show(self, series: SparkSeries, vus_now: int, figures: Headline) -> None:
        """The labels carry `figures` (the table's windows); the lines underneath, one point per second."""
        p95 = "–" if figures.p95 is None else fmt_ms(figures.p95)
        self.query_one("#spark-rps", MetricSpark).show(fmt_rate(figures.rps), series.rps)
        self.query_one("#spark-p95", MetricSpark).show(p95, series.p95)
        self.query_one("#spark-errors", MetricSpark).show(fmt_percent(figures.error_rate), series.error_rate)
        self.query_one("#spark-vus", MetricSpark).show(str(vus_now), series.vus)
