"""The command line: `dashtui [PRESET]` runs a test; serve, validate, presets, import, init,
compare: subcommands.

This module stays light: `main` installs the signal handlers before anything heavy is imported.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import stopping

if TYPE_CHECKING:
    import argparse

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The run's argument parser (see `options.build_parser`)."""
    from .options import build_parser as build

    return build()


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to a subcommand's module, or run a test; returns the process exit code."""
    stopping.install()
    stopping.checkpoint("imports")
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] == "serve":
        from .serve import serve

        return serve(args[1:])
    if args and args[0] == "validate":
        from .validate import validate

        return validate(args[1:])
    if args and args[0] == "import":
        from .import_k6 import import_command

        return import_command(args[1:])
    if args and args[0] == "init":
        from .init import init

        return init(args[1:])
    if args and args[0] == "compare":
        from .compare import compare_command

        return compare_command(args[1:])
    if args and args[0] == "presets":
        from .presets import presets

        return presets(args[1:])
    parser = build_parser()
    try:
        parsed = parser.parse_args(args)
    except SystemExit as exc:
        from ..session import EXIT_CONFIG

        return EXIT_CONFIG if exc.code not in (0, None) else 0
    from .run import run

    return run(parsed)
