"""The help screen: every key the console answers to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

__all__ = ["KEYS", "HelpScreen", "render_help"]

KEYS: tuple[tuple[str, str], ...] = (
    ("p", "pause / resume the load (VUs finish their step, then wait)"),
    ("+ / -", "add / remove a VU (constant-vus and ramping-vus)"),
    ("s", "stop gracefully: running iterations finish, then results"),
    ("q, ctrl+c", "quit: stop, write the reports, show the results (twice: stop now)"),
    ("tab / shift+tab", "focus the next / previous panel"),
    ("m", "maximise the focused panel; escape restores it"),
    ("o / O", "endpoint table: sort by the next column / reverse (or click a header)"),
    ("ctrl+p", "command palette: the same actions by name"),
    ("?", "this help"),
)


def render_help() -> Content:
    width = max(len(key) for key, _ in KEYS)
    return Content("\n").join(
        Content.assemble((f"{key:>{width}}", "bold $accent"), "  ", text) for key, text in KEYS
    )


class HelpScreen(ModalScreen[None]):
    """A modal list of keys; escape, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box") as box:
            box.border_title = "dashtui keys"
            yield Static(render_help(), markup=False)
            yield Static(Content.styled("escape closes", "$text-muted"), id="help-hint", markup=False)
