"""The cyclic garbage collector's thresholds during a run: rare collections for a heap of long-lived VUs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["LOAD_THRESHOLDS", "tuned_for_load"]

LOAD_THRESHOLDS = (50_000, 20, 100)
"""gc thresholds during a run. A request's objects are freed by reference counting (it leaves no cycles),
but with Python's defaults (700, 10, 10) everything a request holds for its 50 ms in flight is promoted and
full collections rescan the VUs' whole heap: at 1,000 VUs 11 of them in 20 s, up to 0.5 s each, ~40% of
the run's CPU. With these, young collections are rare and see mostly live objects, and full ones ~never."""

_active = 0
_saved: tuple[int, int, int] = gc.get_threshold()


@contextlib.contextmanager
def tuned_for_load() -> Iterator[None]:
    """Use `LOAD_THRESHOLDS` inside the block; the previous thresholds come back when the last block ends."""
    global _active, _saved
    if _active == 0:
        _saved = gc.get_threshold()
        gc.set_threshold(*LOAD_THRESHOLDS)
    _active += 1
    try:
        yield
    finally:
        _active -= 1
        if _active == 0:
            gc.set_threshold(*_saved)
