"""k6 durations: parsing to seconds (and ms for limits), Go-style formatting, and the error for bad input."""

from __future__ import annotations

import math

import pytest

from dashtui.scenario import SpecError, format_duration, parse_duration, parse_duration_ms


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3m", 180.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("2h", 7200.0),
        ("1.5s", 1.5),
        ("90s", 90.0),
        ("1h2m3.5s", 3723.5),
        ("1d", 86400.0),
        ("250us", 0.00025),
        ("250µs", 0.00025),
        ("0", 0.0),
        ("0s", 0.0),
        ("90", 90.0),
        (" 30s ", 30.0),
        (90, 90.0),
        (1.5, 1.5),
        (0, 0.0),
    ],
)
def test_parse_duration_accepts_k6_strings_and_seconds(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "bad",
    ["3 minutes", "", "-1s", "3x", "m", "1.5.5s", "1m 30s", "s30", True, None, [1], -5, math.nan, math.inf],
)
def test_parse_duration_rejects_everything_else(bad: object) -> None:
    with pytest.raises(SpecError) as caught:
        parse_duration(bad)
    assert "is not a duration" in str(caught.value)


def test_bad_duration_message_is_the_documented_one() -> None:
    with pytest.raises(SpecError) as caught:
        parse_duration("3 minutes")
    assert str(caught.value) == (
        "'3 minutes' is not a duration; expected a number of seconds or a k6 duration "
        "such as '3m', '90s', '1m30s', '500ms'"
    )
    assert caught.value.found == "'3 minutes'"


@pytest.mark.parametrize(
    ("value", "ms"),
    [(3000, 3000.0), (1.5, 1.5), ("3s", 3000.0), ("500ms", 500.0), ("250", 250.0), ("1m", 60000.0)],
)
def test_parse_duration_ms_reads_bare_numbers_as_milliseconds(value: object, ms: float) -> None:
    assert parse_duration_ms(value) == pytest.approx(ms)


@pytest.mark.parametrize("bad", [-1, "soon", True])
def test_parse_duration_ms_rejects_bad_values(bad: object) -> None:
    with pytest.raises(SpecError):
        parse_duration_ms(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (180, "3m0s"),
        (3600, "1h0m0s"),
        (90, "1m30s"),
        (30, "30s"),
        (1.5, "1.5s"),
        (0.5, "500ms"),
        (0, "0s"),
        (3723.5, "1h2m3.5s"),
        (0.00025, "250µs"),
    ],
)
def test_format_duration_matches_go(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text", ["3m", "1m30s", "500ms", "2h", "1.5s", "1h2m3.5s"])
def test_format_then_parse_round_trips(text: str) -> None:
    assert parse_duration(format_duration(parse_duration(text))) == pytest.approx(parse_duration(text))
