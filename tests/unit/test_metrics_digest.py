"""Trend digests: k6's percentile method exactly for short runs, within 0.1% after folding, bounded memory."""

from __future__ import annotations

import math
import random

import pytest

from dashtui.metrics.digest import TrendDigest


def k6_percentile(samples: list[float], p: float) -> float:
    """k6 metrics/sink.go TrendSink.P: sort, then interpolate linearly at p·(n−1)."""
    ordered = sorted(samples)
    rank = p / 100 * (len(ordered) - 1)
    lower = math.floor(rank)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (rank - lower)


def _samples(kind: str, n: int, seed: int = 1) -> list[float]:
    rng = random.Random(seed)
    draw = {
        "lognormal": lambda: rng.lognormvariate(3.0, 0.9),
        "uniform": lambda: rng.uniform(20.0, 40.0),
        "bimodal": lambda: rng.gauss(12.0, 1.0) if rng.random() < 0.9 else rng.gauss(800.0, 50.0),
        "with_zeros": lambda: 0.0 if rng.random() < 0.05 else rng.expovariate(0.05),
    }[kind]
    return [max(0.0, draw()) for _ in range(n)]


PERCENTILES = (0, 1, 25, 50, 90, 95, 99, 99.9, 100)


@pytest.mark.parametrize("kind", ["lognormal", "uniform", "bimodal", "with_zeros"])
def test_exact_mode_equals_k6_to_the_digit(kind: str) -> None:
    samples = _samples(kind, 4_001)
    digest = TrendDigest()
    digest.extend(samples)
    assert digest.is_exact
    for p in PERCENTILES:
        assert digest.percentile(p) == k6_percentile(samples, p)
    assert digest.min == min(samples) and digest.max == max(samples)
    assert digest.avg == pytest.approx(sum(samples) / len(samples))


@pytest.mark.parametrize("kind", ["lognormal", "uniform", "bimodal", "with_zeros"])
def test_folded_mode_stays_within_a_tenth_of_a_percent(kind: str) -> None:
    samples = _samples(kind, 60_000, seed=2)
    digest = TrendDigest(exact_limit=5_000)
    digest.extend(samples)
    assert not digest.is_exact
    for p in PERCENTILES:
        expected = k6_percentile(samples, p)
        assert digest.percentile(p) == pytest.approx(expected, rel=1e-3, abs=1e-9), p


def test_memory_is_bounded_by_buckets_not_run_length() -> None:
    short, long = TrendDigest(exact_limit=1_000), TrendDigest(exact_limit=1_000)
    rng = random.Random(3)
    for _ in range(20_000):
        short.add(rng.lognormvariate(3.0, 0.9))
    for _ in range(200_000):
        long.add(rng.lognormvariate(3.0, 0.9))
    assert long.count == 10 * short.count
    assert long.memory_cells() < 1.5 * short.memory_cells()


def test_merge_equals_one_digest_of_all_samples() -> None:
    a_samples, b_samples = _samples("lognormal", 3_000, 4), _samples("bimodal", 2_000, 5)
    a, b, whole = TrendDigest(), TrendDigest(), TrendDigest()
    a.extend(a_samples)
    b.extend(b_samples)
    whole.extend(a_samples + b_samples)
    merged = a.merge(b)
    assert a.count == 3_000, "merge leaves its inputs alone"
    for p in PERCENTILES:
        assert merged.percentile(p) == whole.percentile(p)


def test_merge_across_modes_keeps_the_accuracy() -> None:
    folded, exact = TrendDigest(exact_limit=1_000), TrendDigest()
    folded_samples, exact_samples = _samples("uniform", 5_000, 6), _samples("lognormal", 500, 7)
    folded.extend(folded_samples)
    exact.extend(exact_samples)
    merged = exact.merge(folded)
    for p in (50, 95, 99):
        assert merged.percentile(p) == pytest.approx(
            k6_percentile(folded_samples + exact_samples, p), rel=1e-3
        )


def test_an_empty_digest_reports_zero_as_k6() -> None:
    digest = TrendDigest()
    assert digest.percentile(95) == 0.0
    assert digest.avg == 0.0
    assert digest.exact_values() == ()
