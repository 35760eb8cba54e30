"""`dashtui import k6 SCRIPT.js [-o PRESET.toml]`: a k6 script → a preset; what was left out on stderr."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..session import EXIT_CONFIG
from .errors import fail

__all__ = ["import_command"]


def import_command(argv: Sequence[str]) -> int:
    """Exit 0 when everything was translated, 3 for a partial import, 104 for a script that cannot be read."""
    parser = argparse.ArgumentParser(
        prog="dashtui import",
        description="Write a dashtui preset that does what a k6 script does.",
        epilog="Exit codes: 0 imported, 3 imported with constructs left out (listed on stderr and as "
        "comments in the preset), 104 the script cannot be read or parsed.",
    )
    parser.add_argument("kind", choices=["k6"], help="the kind of script (k6)")
    parser.add_argument("script", type=Path, help="the k6 script (.js)")
    parser.add_argument("-o", "--output", type=Path, help="the preset to write (default: stdout)")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_CONFIG if exc.code not in (0, None) else 0
    from ..importer import EXIT_PARTIAL, K6ImportError, import_k6

    env = dict(os.environ)
    try:
        text, notes = import_k6(args.script)
    except K6ImportError as exc:
        return fail(str(exc), env)
    if args.output is not None:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(text, encoding="utf-8")
        except OSError as exc:
            return fail(f"{args.output}: cannot write: {exc.strerror or type(exc).__name__}", env)
    else:
        sys.stdout.write(text)
    for note in notes:
        print(f"dashtui: {note}", file=sys.stderr)
    partial = [n for n in notes if n.partial]
    if args.output is not None:
        print(f"dashtui: wrote {args.output}", file=sys.stderr)
    if partial:
        print(
            f"dashtui: partial import: {len(partial)} construct(s) not translated (exit {EXIT_PARTIAL})",
            file=sys.stderr,
        )
        return EXIT_PARTIAL
    return 0
