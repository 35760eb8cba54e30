"""`dashtui serve`: the embedded Supabase stand-in on its own."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["serve"]


def serve(argv: Sequence[str]) -> int:
    from ..demo import serve_main

    return serve_main(list(argv))
