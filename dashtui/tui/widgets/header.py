"""The run header: state, target, progress, VUs, iterations and the generator's health."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ...run.protocol import Progress, RunInfo
from ..views.header import is_overloaded, render_header
from ..views.workers import render_workers

__all__ = ["RunHeader"]


class RunHeader(Static):
    """Three lines at the top of the main screen (a fourth for several workers); redrawn on change.

    Carries the `-overloaded` class while the generator is overloaded (dashtui.tcss turns it red).
    """

    DEFAULT_CSS = """
    RunHeader {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._shown: Content | None = None

    def show(self, info: RunInfo, progress: Progress, *, stop_left: float | None = None) -> None:
        self.set_class(is_overloaded(progress), "-overloaded")
        content = render_header(info, progress, stop_left=stop_left)
        workers = render_workers(progress.workers)
        if workers is not None:
            content = Content("\n").join([content, workers])
        if self._shown is not None and self._shown.is_same(content):
            return
        resized = self._shown is None or len(self._shown.split("\n")) != len(content.split("\n"))
        self._shown = content
        self.update(content, layout=resized)
