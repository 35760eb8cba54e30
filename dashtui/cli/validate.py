"""`dashtui validate PRESET`: a dry run — parse, interpolate, resolve thresholds, print the plan."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from ..scenario import ScenarioError, ScriptError, describe_plan, load_scenario, redact_url
from ..session import EXIT_CONFIG, EXIT_SCRIPT_ERROR
from ..thresholds import ThresholdError
from .banner import STANDIN_TARGET
from .errors import UsageError, fail
from .load import make_session
from .options import DEFAULT_PRESET, add_segment_flags, env_pair, execution_segment

__all__ = ["MISSING_KEY_PLACEHOLDERS", "STANDIN_PLACEHOLDERS", "validate"]

MISSING_KEY_PLACEHOLDERS = ("SUPABASE_ANON_KEY", "SUPABASE_SERVICE_ROLE_KEY", "TEST_EVENT_ID")
"""A dry run sends nothing, so it needs no key: a missing one is a placeholder, never printed."""
STANDIN_PLACEHOLDERS = {
    "SUPABASE_URL": "http://127.0.0.1:54321",
    "SUPABASE_ANON_KEY": "placeholder",
    "SUPABASE_SERVICE_ROLE_KEY": "placeholder",
    "TEST_EVENT_ID": "placeholder",
}
"""No SUPABASE_URL: a run starts the stand-in (its own keys, its event id); the plan is checked with these."""


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
    url = env.get("SUPABASE_URL") or None
    if url is None:
        env.update(STANDIN_PLACEHOLDERS)
    else:
        for name in MISSING_KEY_PLACEHOLDERS:
            env.setdefault(name, "placeholder")
    try:
        segment = execution_segment(args)
        scenario = load_scenario(args.preset, env=env, extra_vars=dict(args.env))
        make_session(scenario, env=env, target=env["SUPABASE_URL"], segment=segment)
    except (ScenarioError, ThresholdError, UsageError) as exc:
        return fail(str(exc), env, code=EXIT_SCRIPT_ERROR if isinstance(exc, ScriptError) else EXIT_CONFIG)
    target = STANDIN_TARGET if url is None else redact_url(url, scenario)
    print(f"target: {target}")
    plan = describe_plan(scenario, segment=segment)
    if url is None:
        plan = plan.replace(STANDIN_PLACEHOLDERS["SUPABASE_URL"], "<the stand-in's URL>")
    print(plan)
    return 0
