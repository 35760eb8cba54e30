"""`dashtui compare BASE.json NEW.json [--fail-on RULE ...] [--format text|markdown] [--strict]`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ..report.compare import CompareError, compare, load_summary, parse_rule, render_comparison
from ..secrets import redact
from ..session import EXIT_CONFIG, EXIT_OK, EXIT_THRESHOLDS

__all__ = ["compare_command"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dashtui compare",
        description="Compare two runs' handleSummary JSON (dashtui's --out or k6's): values side by side "
        "with deltas; exit 99 when a --fail-on rule fails, 104 for unreadable input.",
    )
    parser.add_argument("base", type=Path, help="the baseline run's JSON")
    parser.add_argument("new", type=Path, help="the new run's JSON")
    parser.add_argument(
        "--fail-on",
        action="append",
        default=[],
        metavar="RULE",
        help="METRIC=STAT+N%% or METRIC=STAT+X (e.g. http_req_duration=p(95)+10%%, "
        "http_req_failed=rate+0.005, 'http_req_duration{group:::refresh}=med+20%%'); STAT-N%% for a floor",
    )
    parser.add_argument("--format", choices=("text", "markdown"), default="text", help="output format")
    parser.add_argument(
        "--strict", action="store_true", help="a stat a rule names that either file lacks is an error (104)"
    )
    return parser


def compare_command(argv: Sequence[str]) -> int:
    """Run `dashtui compare`; returns 0, 99 (a rule failed) or 104 (bad input or options)."""
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exc:
        return EXIT_CONFIG if exc.code not in (0, None) else EXIT_OK
    try:
        rules = tuple(parse_rule(text) for text in args.fail_on)
        base = load_summary(args.base)
        new = load_summary(args.new)
    except CompareError as exc:
        print(redact(f"dashtui compare: {exc}"), file=sys.stderr)
        return EXIT_CONFIG
    result = compare(base, new, rules, base_name=str(args.base), new_name=str(args.new))
    sys.stdout.write(redact(render_comparison(result, markdown=args.format == "markdown")))
    for skipped in result.missing:
        print(redact(f"dashtui compare: {skipped.rule.text}: {skipped.missing}"), file=sys.stderr)
    if args.strict and result.missing:
        return EXIT_CONFIG
    return EXIT_THRESHOLDS if result.failed else EXIT_OK
