"""Panels: titled, focusable, maximisable frames around the console's tables, charts and text."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

__all__ = ["Panel", "TextPanel"]


def _shape(content: Content) -> int:
    """Lines are not wrapped, so a layout pass is needed only when the number of lines changes."""
    return content.plain.count("\n")


class Panel(Vertical):
    """A titled frame around one focusable widget; maximising the widget maximises the frame."""

    ALLOW_MAXIMIZE: ClassVar[bool | None] = True

    def __init__(self, *children: Widget, title: str, id: str | None = None) -> None:
        super().__init__(*children, id=id, classes="panel")
        self.border_title = title


class TextPanel(VerticalScroll):
    """A titled, scrollable, focusable frame holding styled text that changes only when its content does."""

    DEFAULT_CSS = """
    TextPanel > Static {
        width: 1fr;
        height: auto;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, title: str, id: str | None = None) -> None:
        super().__init__(id=id, classes="panel", can_maximize=True)
        self.border_title = title
        self._content: Content | None = None
        self._body = Static("", markup=False)

    def compose(self) -> ComposeResult:
        yield self._body

    @property
    def content(self) -> Content | None:
        """What the panel shows (None before the first frame)."""
        return self._content

    def set_content(self, content: Content) -> None:
        """Show `content`; a no-op when it equals what is shown, so idle panels cost no repaint."""
        previous = self._content
        if previous is not None and previous.is_same(content):
            return
        self._content = content
        self._body.update(content, layout=previous is None or _shape(previous) != _shape(content))
