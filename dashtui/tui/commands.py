"""The command palette's run actions: the same controls as the keys, found by name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.command import DiscoveryHit, Hit, Hits, Provider

__all__ = ["RUN_COMMANDS", "RunCommands"]

RUN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Pause / resume load", "toggle_pause", "VUs finish their step, then wait (key: p)"),
    ("Add a VU", "add_vu", "constant-vus and ramping-vus only (key: +)"),
    ("Remove a VU", "remove_vu", "constant-vus and ramping-vus only (key: -)"),
    ("Stop gracefully", "stop", "running iterations finish, then results (key: s)"),
    ("Quit", "quit", "stop, write the reports and show the results (key: q)"),
    ("Help: keys", "help", "every key the console answers to (key: ?)"),
)
"""(name, app action, help) for every command."""


class RunCommands(Provider):
    """Offers the run controls in Textual's command palette."""

    def _command(self, action: str) -> Callable[[], Awaitable[None]]:
        app = self.app

        async def run() -> None:
            await app.run_action(action)

        return run

    async def discover(self) -> Hits:
        for name, action, help_text in RUN_COMMANDS:
            yield DiscoveryHit(name, self._command(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, action, help_text in RUN_COMMANDS:
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), self._command(action), text=name, help=help_text)
