"""dashtui: does the owner dashboard stay fast when many people watch it at once?"""

from __future__ import annotations

from ._version import __version__
from .clock import Clock, FakeClock, SystemClock
from .metrics import Snapshot
from .run.protocol import RunOutcome
from .scenario import Scenario, ScenarioError, load_scenario
from .session import Session, SessionOutputs

__all__ = [
    "Clock",
    "FakeClock",
    "RunOutcome",
    "Scenario",
    "ScenarioError",
    "Session",
    "SessionOutputs",
    "Snapshot",
    "SystemClock",
    "__version__",
    "load_scenario",
]
