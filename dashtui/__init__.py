"""dashtui: does the owner dashboard stay fast when many people watch it at once?"""

from __future__ import annotations

from ._version import __version__
from .clock import Clock, FakeClock, SystemClock

__all__ = ["Clock", "FakeClock", "SystemClock", "__version__"]
