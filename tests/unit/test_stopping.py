"""The watchdog's decision: a stalled loop is taken over only when the run should be ending."""

from __future__ import annotations

import pytest

from dashtui import stopping


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stopping, "state", stopping.StopState())


def test_a_beating_loop_is_never_taken_over() -> None:
    clock = Clock()
    dog = stopping.Watchdog(lambda why: None, deadline=105.0, clock=clock)
    for _ in range(100):
        clock.now += 0.1
        dog.beat()
        assert dog.reason() is None
    stopping.state.requested_at = clock.now
    clock.now += 5
    dog.beat()
    assert dog.reason() is None


def test_a_stall_before_the_deadline_is_left_alone_and_taken_over_after_it() -> None:
    clock = Clock()
    dog = stopping.Watchdog(lambda why: None, deadline=110.0, clock=clock)
    clock.now = 109.0
    assert dog.reason() is None, "a long step may run until the planned end plus gracefulStop"
    clock.now = 110.0
    assert dog.reason() == "the run's time was up while a step held the event loop (10.0 s)"


def test_a_signal_during_a_stall_is_taken_over_after_the_stall_window() -> None:
    clock = Clock()
    dog = stopping.Watchdog(lambda why: None, deadline=None, clock=clock)
    clock.now = 103.0
    assert dog.reason() is None
    stopping.state.first, stopping.state.requested_at = "SIGTERM", 103.0
    clock.now = 103.5
    assert dog.reason() is None, "the loop gets a moment to act on the signal itself"
    clock.now = 104.0
    assert dog.reason() == "SIGTERM came while a step held the event loop (4.0 s)"
