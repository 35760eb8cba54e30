"""The run header: state, target, progress, VUs, iterations and the generator's health."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ...run.protocol import Progress, RunInfo
from ..views.header import is_overloaded, render_header

__all__ = ["RunHeader"]


class RunHeader(Static):
    """Three lines at the top of the main screen; redrawn only when their text changes.

    Carries the `-overloaded` class while the generator is overloaded (dashtui.tcss turns it red).
    """

    DEFAULT_CSS = """
    RunHeader {
        height: 3;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self._shown: Content | None = None

    def show(self, info: RunInfo, progress: Progress) -> None:
        self.set_class(is_overloaded(progress), "-overloaded")
        content = render_header(info, progress)
        if self._shown is not None and self._shown.is_same(content):
            return
        self._shown = content
        self.update(content, layout=False)
