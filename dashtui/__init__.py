"""dashtui: does the owner dashboard stay fast when many people watch it at once?"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
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

_WHERE = {
    "Clock": ".clock",
    "FakeClock": ".clock",
    "SystemClock": ".clock",
    "RunOutcome": ".run.protocol",
    "Snapshot": ".metrics",
    "Scenario": ".scenario",
    "ScenarioError": ".scenario",
    "load_scenario": ".scenario",
    "Session": ".session",
    "SessionOutputs": ".session",
}
"""Imported on first use, so the command line can handle signals before the heavy imports run."""


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'dashtui' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value
