"""From command-line arguments to a checked scenario and Session, errors prefixed with file and line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..report import OutputPathError, check_distinct, check_writable
from ..report.ci import CiOutputs
from ..report.streams import StreamSpec, parse_out, worker_path
from ..run.cluster import cluster_coordinator, cluster_workers
from ..run.coordinator import Coordinator, WorkerLost
from ..run.processes import auto_workers, process_coordinator
from ..scenario import apply_shortcuts, load_scenario
from ..scenario.loader import resolve_ref
from ..scenario.tomllines import TomlLines
from ..session import ConfigError, Session, SessionOutputs
from ..thresholds import ThresholdError
from .errors import UsageError

__all__ = ["Placement", "load", "make_coordinator", "make_session", "outputs_for", "placement"]


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


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the run's workers go: this process, local processes, or a Dask cluster's workers."""

    workers: int
    cluster: str | None = None
    dask_workers: tuple[str, ...] = ()


def placement(args: argparse.Namespace, scenario: Any) -> Placement:
    """`--workers` and `--cluster`: how many workers, and on which Dask workers if any."""
    dask_workers: tuple[str, ...] = ()
    streams = [str(out) for out in args.out or [] if str(out).startswith(("json=", "csv="))]
    if args.cluster and streams:
        raise UsageError(
            f"--out {streams[0]}: per-sample outputs are not written under --cluster: each Dask worker would "
            "write its file on its own machine; use the JSON report (--out FILE), or local --workers"
        )
    if args.cluster:
        try:
            dask_workers = tuple(cluster_workers(args.cluster))
        except ImportError:
            raise UsageError(
                "--cluster needs Dask distributed, the cluster extra: pip install 'dashtui[cluster]'"
            ) from None
        except WorkerLost as exc:
            raise UsageError(f"--cluster {args.cluster}: {exc}") from None
        if not dask_workers:
            raise UsageError(f"--cluster {args.cluster}: the cluster has no workers (expected at least 1)")
        count = len(dask_workers) if args.workers in (None, "auto") else int(args.workers)
    elif args.workers == "auto":
        count = auto_workers(scenario)
    else:
        count = int(args.workers or 1)
    if count > 1 and (args.execution_segment or args.execution_segment_sequence):
        raise UsageError(
            f"--execution-segment with {count} workers: the workers split the whole run into equal segments; "
            "give either --workers/--cluster or --execution-segment, not both"
        )
    for out in streams if count > 1 else ():
        path = Path(out.partition("=")[2])
        if path.exists() and not path.is_file():
            raise UsageError(
                f"--out {out}: under {count} workers each worker writes its own file "
                f"({worker_path(path, 'w1').name}, …); {path} is not a regular file to name them after"
            )
    return Placement(count, args.cluster or None, dask_workers)


def make_coordinator(
    scenario: Any,
    args: argparse.Namespace,
    *,
    place: Placement,
    env: Mapping[str, str],
    target: str,
    outputs: SessionOutputs,
) -> Coordinator:
    """A run over local worker processes or cluster workers, each rebuilding the scenario from the same
    command line (a cluster worker gets the preset file's text too)."""
    preset = resolve_ref(args.preset).resolve()
    spec: dict[str, Any] = {
        "preset": str(preset),
        "vars": dict(args.env),
        "vus": args.vus,
        "duration": args.duration,
        "iterations": args.iterations,
        "stages": [[s.duration, s.target] for s in args.stage or []],
        "seed": args.seed,
        "http1": args.http1,
        "streams": [[s.kind, str(s.path.resolve())] for s in outputs.ci.streams],
    }
    try:
        if place.cluster is not None:
            spec["preset_text"] = preset.read_text(encoding="utf-8")
            return cluster_coordinator(
                scenario,
                address=place.cluster,
                spec=spec,
                workers=place.workers,
                env=env,
                target=target,
                dask_workers=list(place.dask_workers),
                outputs=outputs,
                on_worker_loss=args.on_worker_loss,
            )
        return process_coordinator(
            scenario,
            spec=spec,
            workers=place.workers,
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


def _outs(values: list[str]) -> tuple[Path | None, tuple[StreamSpec, ...]]:
    """`--out` values: the one handleSummary JSON path (at most one) and the per-sample streams."""
    paths: list[Path] = []
    streams: list[StreamSpec] = []
    for value in values:
        try:
            parsed = parse_out(value)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
        if isinstance(parsed, StreamSpec):
            streams.append(parsed)
        else:
            paths.append(parsed)
    if len(paths) > 1:
        raise UsageError(
            f"--out given {len(paths)} report paths ({', '.join(map(str, paths))}); expected one, "
            "or json=FILE / csv=FILE for k6's per-sample outputs"
        )
    return (paths[0] if paths else None), tuple(streams)


def outputs_for(
    args: argparse.Namespace, scenario: Any, color: bool, env: Mapping[str, str] | None = None
) -> SessionOutputs:
    """Where the reports go; an unwritable path is a usage error before the run starts."""
    out_path, streams = _outs(list(args.out or []))
    ci = CiOutputs.from_env(
        env if env is not None else os.environ,
        junit=args.junit,
        markdown=args.summary_markdown,
        html=args.html,
        streams=streams,
    )
    json_path = out_path or (Path(scenario.report.json) if scenario.report.json else None)
    export = args.summary_export or (
        Path(scenario.report.summary_export) if scenario.report.summary_export else None
    )
    named = [("--out", json_path), ("--summary-export", export), *ci.files()]
    for flag, path in named:
        if path is not None:
            try:
                check_writable(path)
            except OutputPathError as exc:
                raise UsageError(f"{flag} {path}: {exc}") from None
    try:
        check_distinct(named)
    except OutputPathError as exc:
        raise UsageError(str(exc)) from None
    return SessionOutputs(
        json_path=json_path,
        summary_export_path=export,
        color=color,
        stdout_tty=sys.stdout.isatty(),
        stderr_tty=sys.stderr.isatty(),
        ci=ci,
    )
