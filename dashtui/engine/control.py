"""Moved to `dashtui.run.protocol`; re-exported here until every caller imports it from there."""

from __future__ import annotations

from ..run.protocol import (
    Progress,
    RunControl,
    RunInfo,
    RunOutcome,
    RunSession,
    RunStatus,
    ScenarioProgress,
    WorkerStatus,
)

__all__ = [
    "Progress",
    "RunControl",
    "RunInfo",
    "RunOutcome",
    "RunSession",
    "RunStatus",
    "ScenarioProgress",
    "WorkerStatus",
]
