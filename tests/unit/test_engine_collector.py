"""The collector's thresholds during a run: tuned while load runs, the caller's back afterwards."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dashtui.engine.collector import LOAD_THRESHOLDS, tuned_for_load
from dashtui.scenario.model import PythonStep

from .engine_helpers import run, scenario

pytestmark = pytest.mark.anyio


@pytest.fixture
def thresholds() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield (700, 10, 10)
    gc.set_threshold(*before)


def test_thresholds_are_tuned_inside_and_restored_after(thresholds: tuple[int, int, int]) -> None:
    with tuned_for_load():
        assert gc.get_threshold() == LOAD_THRESHOLDS
    assert gc.get_threshold() == thresholds


def test_nested_blocks_keep_the_tuning_until_the_outer_one_ends(thresholds: tuple[int, int, int]) -> None:
    with tuned_for_load():
        with tuned_for_load():
            pass
        assert gc.get_threshold() == LOAD_THRESHOLDS
    assert gc.get_threshold() == thresholds


def test_thresholds_come_back_when_the_block_raises(thresholds: tuple[int, int, int]) -> None:
    with pytest.raises(RuntimeError), tuned_for_load():
        raise RuntimeError("step failed")
    assert gc.get_threshold() == thresholds


async def test_a_run_uses_the_load_thresholds(thresholds: tuple[int, int, int]) -> None:
    seen: list[tuple[int, int, int]] = []

    async def note(vu: Any) -> None:
        seen.append(gc.get_threshold())

    sc = scenario([{"sleep": 0}])
    sc = sc.model_copy(update={"flows": {"default": [PythonStep(call=note, name="note")]}})
    await run(sc, lambda request: httpx.Response(200))
    assert seen == [LOAD_THRESHOLDS]
    assert gc.get_threshold() == thresholds
