"""`dashtui import k6`: a k6 script and the modules it imports → a dashtui preset, and what was left out."""

from __future__ import annotations

from pathlib import Path

from .convert import Preset, convert
from .emit import to_toml
from .errors import EXIT_PARTIAL, ImportNote, K6ImportError

__all__ = ["EXIT_PARTIAL", "ImportNote", "K6ImportError", "Preset", "convert", "import_k6"]


def import_k6(script: Path) -> tuple[str, list[ImportNote]]:
    """The preset's TOML text and the notes of the import; K6ImportError when the script cannot be read."""
    preset = convert(script)
    return to_toml(preset), preset.notes
