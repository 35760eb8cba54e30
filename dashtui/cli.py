"""The command line: `dashtui [PRESET]` (console), `--headless`, `serve`, `validate`, `presets`."""

from __future__ import annotations

import argparse
import gc
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anyio

from ._version import __version__
from .engine.control import RunOutcome
from .progress import progress_bar_lines, progress_line
from .report import OutputPathError, check_writable, redact, render_summary
from .scenario import (
    ScenarioError,
    ScriptError,
    Stage,
    apply_shortcuts,
    describe_plan,
    list_presets,
    load_scenario,
)
from .scenario.durations import parse_duration
from .scenario.tomllines import TomlLines
from .session import EXIT_CONFIG, EXIT_SCRIPT_ERROR, ConfigError, Session, SessionOutputs
from .thresholds import ThresholdError

__all__ = ["build_parser", "main"]

DEFAULT_PRESET = "dashboard"
SUBCOMMANDS = ("serve", "validate", "presets")


class UsageError(Exception):
    """A command-line mistake: reported in one line, exit 104 as k6 does for invalid config."""


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except Exception as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _stage(text: str) -> Stage:
    duration, sep, target = text.partition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"--stage {text!r}: expected DURATION:TARGET, e.g. 30s:20")
    try:
        return Stage(duration=parse_duration(duration), target=int(target))
    except Exception as exc:
        raise argparse.ArgumentTypeError(f"--stage {text!r}: {exc}") from None


def _env_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--env {text!r}: expected KEY=VALUE")
    return key, value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dashtui",
        description="Load-test a Supabase-backed dashboard with k6's semantics, live in the terminal.",
        epilog="Subcommands: `dashtui serve` (the stand-in), `dashtui validate PRESET` (dry run), "
        "`dashtui presets` (list).",
    )
    parser.add_argument("preset", nargs="?", default=DEFAULT_PRESET, help="preset name or .toml/.py file")
    parser.add_argument("--headless", action="store_true", help="no console: progress, summary, exit code")
    parser.add_argument("-u", "--vus", type=int, help="k6 --vus")
    parser.add_argument("-d", "--duration", type=_duration, help="k6 --duration, e.g. 30s, 3m")
    parser.add_argument("-i", "--iterations", type=int, help="k6 --iterations")
    parser.add_argument("-s", "--stage", type=_stage, action="append", help="k6 --stage DURATION:TARGET")
    parser.add_argument("-e", "--env", type=_env_pair, action="append", default=[], help="KEY=VALUE")
    parser.add_argument("--url", help="target base URL (else SUPABASE_URL, else the embedded stand-in)")
    parser.add_argument("--out", type=Path, help="k6-shaped JSON report (handleSummary data)")
    parser.add_argument("--summary-export", type=Path, help="k6's --summary-export JSON")
    parser.add_argument("--no-color", action="store_true", help="no ANSI colours")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    parser.add_argument("--fps", type=float, default=4.0, help="console refresh rate (default 4)")
    parser.add_argument("--seed", type=int, help="seed for think-time randomness")
    parser.add_argument("--version", action="version", version=f"dashtui {__version__}")
    return parser


def _secrets(env: Mapping[str, str]) -> list[str]:
    return [v for k, v in env.items() if v and any(w in k.upper() for w in ("KEY", "TOKEN", "SECRET"))]


def _fail(message: str, env: Mapping[str, str], *, code: int = EXIT_CONFIG) -> int:
    print(f"dashtui: error: {redact(message, _secrets(env))}", file=sys.stderr)
    return code


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


def _session(scenario: Any, **kwargs: Any) -> Session:
    try:
        return Session(scenario, **kwargs)
    except ThresholdError as exc:
        raise UsageError(_where(scenario, exc)) from None
    except ConfigError as exc:
        raise UsageError(f"{getattr(scenario, 'source', '') or 'scenario'}: {exc}") from None


def _load(args: argparse.Namespace, env: Mapping[str, str]) -> Any:
    scenario = load_scenario(args.preset, env=env, extra_vars=dict(args.env))
    if any(v is not None for v in (args.duration, args.iterations, args.stage)) or args.vus is not None:
        scenario = apply_shortcuts(
            scenario, vus=args.vus, duration=args.duration, iterations=args.iterations, stages=args.stage
        )
    return scenario


def _outputs(args: argparse.Namespace, scenario: Any, color: bool) -> SessionOutputs:
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


async def _watch_signals(session: Session) -> None:
    with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        count = 0
        async for signum in signals:
            count += 1
            name = signal.Signals(signum).name
            if count == 1:
                print(f"\n{name}: stopping gracefully; press Ctrl-C again to stop at once", file=sys.stderr)
                session.signal(graceful=True)
            else:
                print(f"\n{name}: stopping now", file=sys.stderr)
                session.signal(graceful=False)


async def _print_progress(session: Session, tty: bool) -> None:
    while True:
        await anyio.sleep(1.0)
        progress = session.progress()
        if tty:
            lines = [progress_line(progress), *progress_bar_lines(progress)]
            sys.stderr.write(
                "\r\x1b[K" + "\n\x1b[K".join(lines) + (f"\x1b[{len(lines) - 1}A" if len(lines) > 1 else "")
            )
        else:
            sys.stderr.write(progress_line(progress) + "\n")
        sys.stderr.flush()


async def run_headless(session: Session, quiet: bool = False) -> RunOutcome:
    """Run with progress lines and signal handling; returns after the reports are written."""
    outcome: RunOutcome | None = None
    tty = sys.stderr.isatty()
    # the run's long-lived objects (VUs, clients, presets) need no collector scans: as the console does
    gc.collect()
    gc.freeze()
    async with anyio.create_task_group() as tg:
        tg.start_soon(_watch_signals, session)
        if not quiet:
            tg.start_soon(_print_progress, session, tty)
        outcome = await session.run()
        tg.cancel_scope.cancel()
    if tty and not quiet:
        sys.stderr.write("\r\x1b[K\x1b[J")
    assert outcome is not None
    if not quiet:
        print(progress_line(session.progress()), file=sys.stderr)
    return outcome


def _start_standin(env: dict[str, str]) -> Any:
    from .demo import StandIn, StandInConfig

    standin = StandIn(StandInConfig(box_office_rate=2.0))
    standin.start()
    env.setdefault("SUPABASE_URL", standin.url)
    env.setdefault("SUPABASE_ANON_KEY", standin.anon_key)
    env.setdefault("SUPABASE_SERVICE_ROLE_KEY", standin.service_role_key)
    env.setdefault("TEST_EVENT_ID", standin.test_event_id)
    return standin


def _run(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    if args.url:
        env["SUPABASE_URL"] = args.url
    headless = args.headless
    interactive = sys.stdout.isatty() and sys.stdin.isatty() and not os.environ.get("CI")
    if not headless and not interactive:
        print("dashtui: no terminal (or CI=true): running headless", file=sys.stderr)
        headless = True
    standin = None
    try:
        probe = dict(env)
        if not probe.get("SUPABASE_URL"):
            probe.update(
                SUPABASE_URL="http://127.0.0.1:54321",
                SUPABASE_ANON_KEY="placeholder",
                SUPABASE_SERVICE_ROLE_KEY="placeholder",
                TEST_EVENT_ID="placeholder",
            )
        probed = _load(args, probe)
        _session(probed, env=probe, target=probe["SUPABASE_URL"])
        _outputs(args, probed, color=False)
        if not env.get("SUPABASE_URL"):
            standin = _start_standin(env)
            print(
                f"dashtui: no SUPABASE_URL or --url: started the embedded stand-in at {standin.url}",
                file=sys.stderr,
            )
        scenario = _load(args, env)
        color = not args.no_color and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        outputs = _outputs(args, scenario, color)
        session = _session(scenario, env=env, target=env["SUPABASE_URL"], outputs=outputs, seed=args.seed)
    except (ScenarioError, ThresholdError, UsageError) as exc:
        if standin is not None:
            standin.stop()
        return _fail(str(exc), env, code=EXIT_SCRIPT_ERROR if isinstance(exc, ScriptError) else EXIT_CONFIG)
    try:
        if headless:
            outcome = anyio.run(run_headless, session, args.quiet)
            text = outcome.summary_text
            if color:
                data = session.summary_data(outcome.snapshot, outcome.results)
                text = render_summary(data, color=True)
                if scenario.report.dashboard_block:
                    text += "\n" + session.dashboard_block(data)
            print(text)
            for path in outcome.report_paths:
                print(f"dashtui: wrote {path}", file=sys.stderr)
            if outcome.exit_code:
                print(f"dashtui: {outcome.reason} (exit {outcome.exit_code})", file=sys.stderr)
            return outcome.exit_code
        from .tui import run_console

        return run_console(session, fps=args.fps)
    finally:
        if standin is not None:
            standin.stop()


def _validate(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="dashtui validate", description="Dry run: parse and plan, send nothing."
    )
    parser.add_argument("preset", nargs="?", default=DEFAULT_PRESET)
    parser.add_argument("-e", "--env", type=_env_pair, action="append", default=[])
    args = parser.parse_args(argv)
    env = dict(os.environ)
    env.setdefault("SUPABASE_URL", "http://127.0.0.1:54321")
    try:
        scenario = load_scenario(args.preset, env=env, extra_vars=dict(args.env))
        _session(scenario, env=env, target=env["SUPABASE_URL"])
    except (ScenarioError, ThresholdError, UsageError) as exc:
        return _fail(str(exc), env, code=EXIT_SCRIPT_ERROR if isinstance(exc, ScriptError) else EXIT_CONFIG)
    print(describe_plan(scenario))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        from .demo import serve_main

        return serve_main(args[1:])
    if args and args[0] == "validate":
        return _validate(args[1:])
    if args and args[0] == "presets":
        for name in list_presets():
            print(name)
        return 0
    parser = build_parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit as exc:
        return EXIT_CONFIG if exc.code not in (0, None) else 0
    return _run(parsed)
