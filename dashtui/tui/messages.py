"""App-wide messages: the run worker tells the app how the run ended."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ..run.protocol import RunOutcome

__all__ = ["RunCrashed", "RunFinished"]


@dataclass
class RunFinished(Message):
    """The session's `run()` returned: reports are written, `outcome` says how it ended."""

    outcome: RunOutcome


@dataclass
class RunCrashed(Message):
    """The session's `run()` raised instead of returning an outcome."""

    error: BaseException
