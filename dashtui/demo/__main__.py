"""`python -m dashtui.demo [ARGS]`: the same as `dashtui serve [ARGS]`."""

from __future__ import annotations

import sys

from .cli import serve_main

if __name__ == "__main__":
    sys.exit(serve_main(sys.argv[1:]))
