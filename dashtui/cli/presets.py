"""`dashtui presets`: the bundled presets, one name per line."""

from __future__ import annotations

from collections.abc import Sequence

from ..scenario import list_presets

__all__ = ["presets"]


def presets(argv: Sequence[str]) -> int:
    for name in list_presets():
        print(name)
    return 0
