"""Running `python -m dashtui` as a real process for the CLI's integration tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

__all__ = ["run_dashtui"]


def run_dashtui(
    args: list[str], env: dict[str, str], cwd: Path, *, timeout: float = 90
) -> subprocess.CompletedProcess[str]:
    """`dashtui ARGS` with no terminal (CI=true), none of the caller's SUPABASE_* variables, and `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SUPABASE")} | env | {"CI": "true"}
    return subprocess.run(
        [sys.executable, "-m", "dashtui", *args],
        env=full_env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
