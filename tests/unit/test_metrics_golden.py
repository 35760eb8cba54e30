"""A fixed run's k6 JSON, text summary and live tables stay byte for byte what the eleven-sample path gave."""

from __future__ import annotations

import pytest

from .golden_support import (
    GOLDEN_DIR,
    FallbackPath,
    FoldPath,
    RecordPath,
    SamplePath,
    aggregator_outputs,
    engine_outputs,
)


def _assert_golden(outputs: dict[str, str]) -> None:
    for name, text in outputs.items():
        expected = (GOLDEN_DIR / name).read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from tests/golden/{name}"


@pytest.mark.parametrize(
    "path",
    [SamplePath(), RecordPath(), FallbackPath()],
    ids=["eleven-samples", "one-record", "base-sink-fallback"],
)
def test_aggregator_run_matches_golden_files(path: FoldPath) -> None:
    _assert_golden(aggregator_outputs(path))


@pytest.mark.anyio
async def test_engine_run_matches_golden_files() -> None:
    _assert_golden(await engine_outputs())
