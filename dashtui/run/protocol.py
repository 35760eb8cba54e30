"""The run as its consumers see it (console, headless CLI): progress, per-worker health, controls, outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from ..engine.selfmon import GeneratorHealth
from ..metrics.snapshot import FailureRecord, Snapshot
from ..thresholds.results import ThresholdResult

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


@dataclass(frozen=True, slots=True)
class ScenarioProgress:
    """One scenario's state, as k6's progress bar shows it."""

    name: str
    executor: str
    vus: int
    vus_max: int
    complete: int
    interrupted: int
    elapsed: float
    planned: float
    """Planned seconds including the scenario's startTime; 0 when unbounded."""
    done: bool = False


@dataclass(frozen=True, slots=True)
class RunStatus:
    """Why a run ended or where it stands."""

    running: bool
    paused: bool = False
    stopping: bool = False
    aborted_by_threshold: str | None = None
    """The threshold (`metric: expr`) whose abortOnFail stopped the run."""
    interrupted_by_signal: bool = False


@dataclass(frozen=True, slots=True)
class WorkerStatus:
    """One worker's health as the coordinator last heard it."""

    name: str
    segment: str
    """k6's form of the worker's execution segment (`0:1/2`)."""
    state: str
    """`starting`, `running`, `done` or `lost`."""
    vus: int = 0
    loop_lag_ms: float = 0.0
    cpu_percent: float = 0.0
    last_contact_s: float = 0.0
    """Seconds since the coordinator last heard from the worker."""
    clock_offset_ms: float = 0.0
    """The worker's wall clock minus the coordinator's, measured at start."""
    requests: int = 0
    iterations: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True)
class Progress:
    """A cheap, immutable summary for progress lines and the console header."""

    elapsed: float
    planned: float
    vus: int
    vus_max: int
    complete: int
    interrupted: int
    scenarios: tuple[ScenarioProgress, ...]
    status: RunStatus
    loop_lag_ms: float = 0.0
    cpu_percent: float = 0.0
    vu_changes: tuple[tuple[float, int], ...] = field(default_factory=tuple)
    """(elapsed, delta) for every live VU change a person made."""
    health: GeneratorHealth | None = None
    """The generator's own health: `overloaded` turns the console header red and prints headless warnings.
    Over several workers, the worst worker's."""
    workers: tuple[WorkerStatus, ...] = ()
    """Every worker of the run; one entry for a single-process run."""


class RunControl(Protocol):
    """What a consumer (headless CLI, console) may ask of a running test."""

    def snapshot(self) -> Snapshot: ...

    def failures(self) -> tuple[FailureRecord, ...]:
        """The latest failed requests, newest first: `snapshot().failures` without copying every sink."""
        ...

    def progress(self) -> Progress: ...

    def threshold_results(self) -> tuple[ThresholdResult, ...]: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def add_vus(self, delta: int) -> int:
        """Add VUs (remove them with a negative delta) where the executor allows; returns the new target."""
        ...

    def stop(self, *, graceful: bool = True) -> None: ...


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """How a run ended, after its reports were written."""

    exit_code: int
    """k6's exit codes: 0 passed, 99 thresholds failed, 103 a worker lost, 104 bad config, 105 signal,
    107 scenario error."""
    reason: str
    """`finished`, `thresholds failed`, `aborted by threshold …`, `stopped`, `interrupted by signal`…"""
    snapshot: Snapshot
    results: tuple[ThresholdResult, ...]
    summary_text: str
    """The end-of-test summary as headless mode prints it, without colour."""
    report_paths: tuple[str, ...] = ()
    report_errors: tuple[str, ...] = ()
    """One line per report that could not be written (the run then ends with exit 103)."""


@dataclass(frozen=True, slots=True)
class RunInfo:
    """What a console header shows about the run before it starts. Never holds a key."""

    preset: str
    scenarios: tuple[str, ...]
    executors: tuple[str, ...]
    target: str
    """Base URL of the target, with any credentials removed."""
    planned: float
    """Planned seconds for the whole run (0 when unbounded)."""


class RunSession(RunControl, Protocol):
    """A run a consumer drives: start it, watch it through RunControl, get its outcome."""

    @property
    def info(self) -> RunInfo: ...

    async def run(self) -> RunOutcome:
        """Run the test to its end (or until stopped), write the reports and return the outcome."""
        ...
