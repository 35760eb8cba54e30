"""`dashtui validate PRESET`: a dry run — parse, interpolate, resolve thresholds, print the plan."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..scenario import ScenarioError, ScriptError, describe_plan, load_scenario
from ..session import EXIT_CONFIG, EXIT_SCRIPT_ERROR
from ..thresholds import ThresholdError
from .errors import UsageError, fail
from .load import make_session
from .options import DEFAULT_PRESET, add_segment_flags, env_pair, execution_segment

__all__ = ["validate"]


def validate(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="dashtui validate", description="Dry run: parse and plan, send nothing."
    )
    parser.add_argument("preset", nargs="?", default=DEFAULT_PRESET)
    parser.add_argument("-e", "--env", type=env_pair, action="append", default=[])
    add_segment_flags(parser)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_CONFIG if exc.code not in (0, None) else 0
    env = dict(os.environ)
    env.setdefault("SUPABASE_URL", "http://127.0.0.1:54321")
    try:
        segment = execution_segment(args)
        scenario = load_scenario(args.preset, env=env, extra_vars=dict(args.env))
        make_session(scenario, env=env, target=env["SUPABASE_URL"], segment=segment)
    except (ScenarioError, ThresholdError, UsageError) as exc:
        return fail(str(exc), env, code=EXIT_SCRIPT_ERROR if isinstance(exc, ScriptError) else EXIT_CONFIG)
    print(describe_plan(scenario, segment=segment))
    return 0
