"""`python -m dashtui` runs the command line (signals handled before the heavy imports)."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
