"""Headless mode's error feed: distinct failures once, a limit, step exceptions once, secrets redacted."""

from __future__ import annotations

import anyio
import pytest

from dashtui.cli.errorfeed import ErrorFeed, feed_errors
from dashtui.metrics.snapshot import FailureRecord


def failure(
    name: str, status: int = 0, error: str = "", excerpt: str = "", error_code: int = 0
) -> FailureRecord:
    return FailureRecord(
        elapsed=1.0, name=name, status=status, error=error, body_excerpt=excerpt, error_code=error_code
    )


def test_each_distinct_request_error_is_printed_once_in_order_then_only_counted() -> None:
    feed = ErrorFeed(limit=2)
    refused = failure("events", error="dial: connection refused")
    first = feed.update([failure("events", error="dial: connection refused"), refused][::-1])
    assert first == ["dashtui: request error: events · no response · dial: connection refused"]
    newer = [failure("orders", 503, excerpt='{"message": "down"}'), failure("tickets", 500)]
    lines = feed.update([*newer[::-1], refused])
    assert lines == ['dashtui: request error: orders · status 503 · {"message": "down"}']
    assert feed.closing_line() == (
        "dashtui: 2 more failures not shown, 1 of them distinct errors (the summary counts every one)"
    )


def test_a_request_error_line_carries_k6s_error_code() -> None:
    feed = ErrorFeed()
    lines = feed.update([failure("events", error="dial: connection refused", error_code=1212)])
    assert lines == [
        "dashtui: request error: events · no response · error_code 1212 · dial: connection refused"
    ]


def test_a_step_exception_is_printed_once_whatever_the_vu() -> None:
    feed = ErrorFeed()
    lines = feed.update(
        [
            failure("VU 2 iteration", error="ValueError: no event (event-drilldown.py:41)"),
            failure("VU 1 iteration", error="ValueError: no event (event-drilldown.py:41)"),
        ]
    )
    assert lines == ["dashtui: step error (VU 1 iteration): ValueError: no event (event-drilldown.py:41)"]


def test_lines_are_redacted_and_fit_100_columns() -> None:
    feed = ErrorFeed(secrets=("sekret-value",))
    (line,) = feed.update([failure("events", 401, excerpt="bad key sekret-value " + "x" * 200)])
    assert "sekret-value" not in line and "[redacted]" in line
    assert len(line) <= 100


@pytest.mark.anyio
async def test_the_feed_prints_above_progress_and_counts_at_the_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    records = tuple(failure("events", 503) for _ in range(3))

    class Run:
        def failures(self) -> tuple[FailureRecord, ...]:
            return records

    ticks = 0

    async def sleep(_: float) -> None:
        nonlocal ticks
        ticks += 1
        if ticks > 2:
            raise anyio.get_cancelled_exc_class()()
        await anyio.lowlevel.checkpoint()

    with pytest.raises(anyio.get_cancelled_exc_class()):
        await feed_errors(Run(), False, (), sleep)  # type: ignore[arg-type]
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "dashtui: request error: events · status 503"
    assert err[-1].startswith("dashtui: 2 more failures not shown")
