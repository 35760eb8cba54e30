"""dashtui: does the owner dashboard stay fast when many people watch it at once?"""

from __future__ import annotations

from .clock import Clock, FakeClock, SystemClock

__version__ = "0.1.0"

__all__ = ["Clock", "FakeClock", "SystemClock", "__version__"]
