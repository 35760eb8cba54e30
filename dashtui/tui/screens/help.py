"""The help screen: every key the console answers to, grouped by what it acts on."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["KEYS", "HelpScreen", "render_help"]

KEYS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "Run",
        (
            ("q, ctrl+c", "abort: interrupt iterations, write reports, exit 105"),
            ("s", "stop gracefully: iterations finish within gracefulStop"),
            ("p", "pause / resume (VUs finish their step, then wait)"),
            ("+ / -", "add / remove a VU (constant-vus, ramping-vus)"),
        ),
    ),
    (
        "Panels",
        (
            ("tab, shift+tab", "focus the next / previous panel"),
            ("1 … 6", "show that tab of the lower panels (when tabbed)"),
            ("m", "maximise the focused panel; escape restores it"),
            ("o / O", "endpoints: sort by the next column / reverse it"),
            ("↑ ↓ pgup pgdn", "scroll the focused panel"),
        ),
    ),
    (
        "Console",
        (
            ("ctrl+p", "command palette: the same actions by name"),
            ("?", "this help (escape, q or ? closes it)"),
            ("q / enter", "results screen: leave the console"),
        ),
    ),
)
"""(section, ((keys, what they do), …)) for every key binding of the console."""


def render_help() -> Content:
    """The sections with aligned keys: `  q, ctrl+c  abort now: …`."""
    width = max(len(key) for _, keys in KEYS for key, _ in keys)
    lines: list[Content] = []
    for section, keys in KEYS:
        if lines:
            lines.append(Content(""))
        lines.append(Content.styled(section, "bold $text-muted"))
        lines.extend(
            Content.assemble((f"  {key:<{width}}", "bold $accent"), "  ", text) for key, text in keys
        )
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box") as box:
            box.border_title = "dashtui keys"
            box.border_subtitle = "escape closes"
            yield Static(render_help(), id="help-keys", markup=False)
