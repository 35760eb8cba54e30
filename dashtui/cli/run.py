"""`dashtui [PRESET]`: pick the target (or start the stand-in), build the Session, run it."""

from __future__ import annotations

import argparse
import os
import sys
from functools import partial
from pathlib import Path
from typing import Any

from .. import stopping
from ..run.coordinator import Coordinator
from ..run.protocol import RunOutcome
from ..scenario import ScenarioError, ScriptError, load_scenario
from ..session import EXIT_CONFIG, EXIT_SCRIPT_ERROR, SessionOutputs
from ..thresholds import ThresholdError
from .banner import option_warnings, plan_banner
from .errors import UsageError, fail
from .headless import headless as run_headless
from .headless import run_deadline
from .load import load, make_coordinator, make_session, outputs_for, placement
from .options import execution_segment

__all__ = ["run"]


def _start_standin(env: dict[str, str]) -> Any:
    from ..demo import StandIn, StandInConfig

    standin = StandIn(StandInConfig(box_office_rate=2.0))
    standin.start()
    stopping.checkpoint("standin")
    env.setdefault("SUPABASE_URL", standin.url)
    env.setdefault("SUPABASE_ANON_KEY", standin.anon_key)
    env.setdefault("SUPABASE_SERVICE_ROLE_KEY", standin.service_role_key)
    env.setdefault("TEST_EVENT_ID", standin.test_event_id)
    return standin


def _report_paths(outputs: SessionOutputs) -> tuple[Path | None, Path | None]:
    return (outputs.json_path, outputs.summary_export_path)


def _finish_now(session: Coordinator) -> RunOutcome:
    """The outcome of a run that must end at once (a second signal, or a step holding the event loop)."""
    session.collect_in_process()
    return session.finish()


def run(args: argparse.Namespace) -> int:
    """A whole run from parsed arguments; returns k6's exit code."""
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
        segment = execution_segment(args)
        warnings = option_warnings(load_scenario(args.preset, env=probe, extra_vars=dict(args.env)), args)
        probed = load(args, probe)
        print(
            plan_banner(
                probed,
                target=env.get("SUPABASE_URL") or None,
                thresholds=make_session(
                    probed, env=probe, target=probe["SUPABASE_URL"], segment=segment
                ).thresholds,
                reports=_report_paths(outputs_for(args, probed, color=False)),
                warnings=warnings,
            ),
            file=sys.stderr,
            flush=True,
        )
        if not env.get("SUPABASE_URL"):
            standin = _start_standin(env)
            print(
                f"dashtui: no SUPABASE_URL or --url: started the embedded stand-in at {standin.url}",
                file=sys.stderr,
            )
        scenario = load(args, env)
        color = not args.no_color and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        outputs = outputs_for(args, scenario, color)
        place = placement(args, scenario)
        if place.workers > 1 or place.cluster is not None:
            session = make_coordinator(
                scenario, args, place=place, env=env, target=env["SUPABASE_URL"], outputs=outputs
            )
        else:
            session = make_session(
                scenario,
                env=env,
                target=env["SUPABASE_URL"],
                outputs=outputs,
                seed=args.seed,
                segment=segment,
                http1=args.http1,
            )
    except (ScenarioError, ThresholdError, UsageError) as exc:
        if standin is not None:
            standin.stop()
        return fail(str(exc), env, code=EXIT_SCRIPT_ERROR if isinstance(exc, ScriptError) else EXIT_CONFIG)
    try:
        if headless:
            return run_headless(session, quiet=args.quiet, color=color)
        from ..tui import run_console

        return run_console(
            session,
            fps=args.fps,
            graceful_stop=max((float(c.graceful_stop) for c in scenario.scenarios.values()), default=30.0),
            interrupt=lambda: session.signal(graceful=False),
            finish_now=partial(_finish_now, session),
            notices=warnings,
            deadline=run_deadline(session),
        )
    finally:
        stopping.run_over()
        if standin is not None:
            stopping.checkpoint("shutdown")
            standin.stop()
