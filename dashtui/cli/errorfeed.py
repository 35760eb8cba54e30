"""Headless mode's live error feed: the first few distinct failures as they happen, then a count."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence

import anyio

from ..metrics.snapshot import FailureRecord
from ..run.protocol import RunControl
from ..secrets import Redactor

__all__ = ["FEED_LIMIT", "ErrorFeed", "feed_errors"]

FEED_LIMIT = 5
"""Distinct request errors printed before the feed only counts; step exceptions are printed once each."""
LINE_WIDTH = 100


def _fit(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LINE_WIDTH else flat[: LINE_WIDTH - 1] + "…"


def _is_step_error(record: FailureRecord) -> bool:
    return record.status == 0 and record.name.startswith("VU ") and record.name.endswith(" iteration")


class ErrorFeed:
    """Turns the failures seen so far into the lines to print: never a flood, never a secret."""

    def __init__(self, secrets: Iterable[str] = (), limit: int = FEED_LIMIT) -> None:
        self.redact = Redactor(secrets)
        self.limit = limit
        self._seen: set[tuple[str, int, str]] = set()
        self._steps: set[str] = set()
        self._newest: FailureRecord | None = None
        self.hidden = 0
        """Failures seen but not printed (repeats, or distinct ones past the limit)."""
        self.hidden_distinct = 0

    def update(self, failures: Sequence[FailureRecord]) -> list[str]:
        """Lines for the failures newer than the last call (`failures` is newest first)."""
        fresh: list[FailureRecord] = []
        for record in failures:
            if record is self._newest:
                break
            fresh.append(record)
        if failures:
            self._newest = failures[0]
        lines: list[str] = []
        for record in reversed(fresh):
            line = self._line(record)
            if line is not None:
                lines.append(_fit(self.redact(line)))
        return lines

    def _line(self, record: FailureRecord) -> str | None:
        if _is_step_error(record):
            if record.error in self._steps:
                self.hidden += 1
                return None
            self._steps.add(record.error)
            return f"dashtui: step error ({record.name}): {record.error}"
        key = (record.name, record.status, record.error)
        if key in self._seen:
            self.hidden += 1
            return None
        self._seen.add(key)
        if len(self._seen) > self.limit:
            self.hidden += 1
            self.hidden_distinct += 1
            return None
        status = f"status {record.status}" if record.status else "no response"
        parts = [f"dashtui: request error: {record.name} · {status}"]
        if record.error_code:
            parts.append(f"error_code {record.error_code}")
        if record.error:
            parts.append(record.error)
        if record.body_excerpt:
            parts.append(record.body_excerpt)
        return " · ".join(parts)

    def closing_line(self) -> str | None:
        """The count of what was not printed, for the end of the run."""
        if not self.hidden:
            return None
        distinct = f", {self.hidden_distinct} of them distinct errors" if self.hidden_distinct else ""
        return f"dashtui: {self.hidden} more failures not shown{distinct} (the summary counts every one)"


async def feed_errors(
    run: RunControl,
    tty: bool,
    secrets: Iterable[str] = (),
    sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
) -> None:
    """Once a second, print the new distinct failures above the progress lines; the count when cancelled."""
    feed = ErrorFeed(secrets)
    try:
        while True:
            await sleep(1.0)
            for line in feed.update(run.failures()):
                sys.stderr.write(("\r\x1b[J" if tty else "") + line + "\n")
            sys.stderr.flush()
    finally:
        closing = feed.closing_line()
        if closing:
            sys.stderr.write(("\r\x1b[J" if tty else "") + closing + "\n")
            sys.stderr.flush()
