"""The command line: `dashtui [PRESET]`, `dashtui --headless`, `dashtui serve`, `dashtui validate`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    print(f"dashtui: not wired yet ({args})", file=sys.stderr)
    return 2
