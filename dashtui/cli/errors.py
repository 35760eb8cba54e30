"""Command-line mistakes: one line on stderr (secrets redacted) and k6's exit code."""

from __future__ import annotations

import sys
from collections.abc import Mapping

from ..secrets import redact, secrets_of
from ..session import EXIT_CONFIG

__all__ = ["UsageError", "fail"]


class UsageError(Exception):
    """A command-line mistake: reported in one line, exit 104 as k6 does for invalid config."""


def fail(message: str, env: Mapping[str, str], *, code: int = EXIT_CONFIG) -> int:
    """Print `dashtui: error: …` with every secret of `env` redacted; returns `code`."""
    print(f"dashtui: error: {redact(message, secrets_of(env))}", file=sys.stderr)
    return code
