"""From command-line arguments to a checked scenario and Session, errors prefixed with file and line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..report import OutputPathError, check_writable
from ..run.coordinator import Coordinator
from ..run.processes import auto_workers, process_coordinator
from ..scenario import apply_shortcuts, load_scenario
from ..scenario.loader import resolve_ref
from ..scenario.tomllines import TomlLines
from ..session import ConfigError, Session, SessionOutputs
from ..thresholds import ThresholdError
from .errors import UsageError

__all__ = ["load", "make_coordinator", "make_session", "outputs_for", "worker_count"]


def _where(scenario: Any, exc: ThresholdError) -> str:
    """Prefix a threshold error with the preset file and the line of its key, as scenario errors are."""
    source = getattr(scenario, "source", "")
    key = getattr(exc, "key", None)
    if not source:
        return str(exc)
    line = None
    path = Path(source)
    if key is not None and path.suffix == ".toml" and path.is_file():
        line = TomlLines(path.read_text(encoding="utf-8")).line_of(("thresholds", key))
    return f"{source}:{line}: {exc}" if line else f"{source}: {exc}"


def make_session(scenario: Any, **kwargs: Any) -> Session:
    """A Session, with threshold and config errors turned into one-line usage errors."""
    try:
        return Session(scenario, **kwargs)
    except ThresholdError as exc:
        raise UsageError(_where(scenario, exc)) from None
    except ConfigError as exc:
        raise UsageError(f"{getattr(scenario, 'source', '') or 'scenario'}: {exc}") from None


def worker_count(args: argparse.Namespace, scenario: Any) -> int:
    """`--workers`: the number given, or what `auto` picks for this scenario on this machine."""
    count = auto_workers(scenario) if args.workers == "auto" else int(args.workers)
    out = str(args.out or "")
    if count > 1 and out.startswith(("json=", "csv=")):
        raise UsageError(
            f"--out {out}: per-sample outputs are not written under several workers yet "
            f"(found --workers {args.workers} = {count}); run with --workers 1"
        )
    return count


def make_coordinator(
    scenario: Any,
    args: argparse.Namespace,
    *,
    workers: int,
    env: Mapping[str, str],
    target: str,
    outputs: SessionOutputs,
) -> Coordinator:
    """A run over `workers` local processes, each rebuilding the scenario from the same command line."""
    spec = {
        "preset": str(resolve_ref(args.preset).resolve()),
        "vars": dict(args.env),
        "vus": args.vus,
        "duration": args.duration,
        "iterations": args.iterations,
        "stages": [[s.duration, s.target] for s in args.stage or []],
        "seed": args.seed,
    }
    try:
        return process_coordinator(
            scenario,
            spec=spec,
            workers=workers,
            env=env,
            target=target,
            outputs=outputs,
            on_worker_loss=args.on_worker_loss,
        )
    except ThresholdError as exc:
        raise UsageError(_where(scenario, exc)) from None
    except ConfigError as exc:
        raise UsageError(f"{getattr(scenario, 'source', '') or 'scenario'}: {exc}") from None


def load(args: argparse.Namespace, env: Mapping[str, str]) -> Any:
    """The preset named on the command line, with k6's shortcut options applied."""
    scenario = load_scenario(args.preset, env=env, extra_vars=dict(args.env))
    if any(v is not None for v in (args.duration, args.iterations, args.stage)) or args.vus is not None:
        scenario = apply_shortcuts(
            scenario, vus=args.vus, duration=args.duration, iterations=args.iterations, stages=args.stage
        )
    return scenario


def outputs_for(args: argparse.Namespace, scenario: Any, color: bool) -> SessionOutputs:
    """Where the reports go; an unwritable path is a usage error before the run starts."""
    json_path = args.out or (Path(scenario.report.json) if scenario.report.json else None)
    export = args.summary_export or (
        Path(scenario.report.summary_export) if scenario.report.summary_export else None
    )
    for flag, path in (("--out", json_path), ("--summary-export", export)):
        if path is not None:
            try:
                check_writable(path)
            except OutputPathError as exc:
                raise UsageError(f"{flag} {path}: {exc}") from None
    return SessionOutputs(
        json_path=json_path,
        summary_export_path=export,
        color=color,
        stdout_tty=sys.stdout.isatty(),
        stderr_tty=sys.stderr.isatty(),
    )
