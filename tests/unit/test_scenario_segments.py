"""Execution segments: k6's examples from lib/execution_segment_test.go, with k6's expected values."""

from __future__ import annotations

import random
from fractions import Fraction as F

import pytest

from dashtui.scenario.segments import (
    ExecutionSegment,
    ExecutionSegmentSequence,
    ExecutionTuple,
    SegmentedIndex,
    SegmentError,
    StripedSequence,
)


def seg(text: str) -> ExecutionSegment:
    return ExecutionSegment.parse(text)


def seq(text: str) -> ExecutionSegmentSequence:
    return ExecutionSegmentSequence.parse(text)


def tup(segment: str | None, sequence: str | None = None) -> ExecutionTuple:
    return ExecutionTuple.of(seg(segment) if segment else None, seq(sequence) if sequence else None)


def test_empty_segment_is_the_whole_run_and_equals_0_1() -> None:
    assert seg("") == seg("0:1") == ExecutionSegment()
    assert str(seg("")) == "0:1"
    assert seg("1/2:2/3") == seg("1/2:2/3")


@pytest.mark.parametrize(
    ("start", "end"), [(F(-1), F(1)), (F(0), F(2)), (F(1, 2), F(1, 3)), (F(1, 2), F(1, 2))]
)
def test_new_segment_refuses_what_k6_refuses(start: F, end: F) -> None:
    with pytest.raises(SegmentError):
        ExecutionSegment(start, end)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("0:1", F(0), F(1)),
        ("0.5:0.75", F(1, 2), F(3, 4)),
        ("1/2:3/4", F(1, 2), F(3, 4)),
        ("50%:75%", F(1, 2), F(3, 4)),
        ("2/4:75%", F(1, 2), F(3, 4)),
        ("75%", F(0), F(3, 4)),
    ],
)
def test_unmarshal_text_reads_k6s_forms_and_round_trips(text: str, start: F, end: F) -> None:
    parsed = seg(text)
    assert (parsed.start, parsed.end) == (start, end)
    assert seg(str(parsed)) == parsed


@pytest.mark.parametrize("text", ["125%", "1a5%", "1a5", "1a5%:2/3", "125%:250%", "55%:50%", "1/0"])
def test_unmarshal_text_errors(text: str) -> None:
    with pytest.raises(SegmentError, match="execution segment"):
        seg(text)


def test_split() -> None:
    whole = ExecutionSegment()
    for parts in (-1, 0):
        with pytest.raises(SegmentError):
            whole.split(parts)
    assert [str(s) for s in whole.split(1)] == ["0:1"]
    assert [str(s) for s in whole.split(2)] == ["0:1/2", "1/2:1"]
    assert [str(s) for s in whole.split(3)] == ["0:1/3", "1/3:2/3", "2/3:1"]
    quarter = ExecutionSegment(F(1, 4), F(2, 4))
    assert [str(s) for s in quarter.split(1)] == ["1/4:1/2"]
    assert [str(s) for s in quarter.split(2)] == ["1/4:3/8", "3/8:1/2"]
    assert [str(s) for s in quarter.split(3)] == ["1/4:1/3", "1/3:5/12", "5/12:1/2"]
    assert [str(s) for s in quarter.split(4)] == ["1/4:5/16", "5/16:3/8", "3/8:7/16", "7/16:1/2"]


def test_segment_scale_failures_example() -> None:
    assert (seg("0:0.25").scale(2), seg("0:0.25").scale(3)) == (1, 1)
    assert (seg("0.25:0.5").scale(2), seg("0.25:0.5").scale(3)) == (0, 1)
    assert (seg("0.5:0.75").scale(2), seg("0.5:0.75").scale(3)) == (1, 0)
    assert (seg("0.75:1").scale(2), seg("0.75:1").scale(3)) == (0, 1)


def test_execution_tuple_scale() -> None:
    for sequence in (None, "0,0.5,1"):
        first = tup("0.5", sequence)
        assert (first.scale(2), first.scale(3)) == (1, 2)
        second = tup("0.5:1.0", sequence)
        assert (second.scale(2), second.scale(3)) == (1, 1)


def test_big_scale() -> None:
    assert tup("0:7/20", "0,7/20,7/10,1").scale(50) == 18


def test_copy_scale_rat() -> None:
    for text in ("0.5", "0.5:1.0"):
        assert seg(text).scale_fraction(F(2)) == 1
        assert seg(text).scale_fraction(F(3)) == F(3, 2)
    assert ExecutionSegment().scale_fraction(F(3)) == 3


@pytest.mark.parametrize(
    ("base", "sub", "result"),
    [("0:1", "0.2:0.3", "0.2:0.3"), ("0.2:0.3", "0:1", "0.2:0.3"), ("1/2:1", "0:1/2", "1/2:3/4")],
)
def test_sub_segment(base: str, sub: str, result: str) -> None:
    assert seg(base).sub_segment(seg(sub)) == seg(result)


def test_float_length() -> None:
    assert float(seg("1/2:1").length) == pytest.approx(0.5)
    assert float(seg("1/3:1").length) == pytest.approx(0.66666, rel=1e-3)


def test_sequence_with_a_gap_is_refused() -> None:
    with pytest.raises(SegmentError, match="must start where the one before it ends"):
        ExecutionSegmentSequence((seg("0:1/3"), seg("1/2:1")))


@pytest.mark.parametrize(
    ("text", "expected", "reversible"),
    [
        ("0.5,1", ["1/2:1"], False),
        ("1/2,1", ["1/2:1"], True),
        ("1/3,2/3", ["1/3:2/3"], True),
        ("0,1/3,2/3", ["0:1/3", "1/3:2/3"], True),
        ("0,1/3,2/3,1", ["0:1/3", "1/3:2/3", "2/3:1"], True),
        ("0.5,0.7", ["1/2:7/10"], False),
        ("0.5,0.7,1", ["1/2:7/10", "7/10:1"], False),
        (
            "0,1/13,2/13,1/3,1/2,3/4,1",
            ["0:1/13", "1/13:2/13", "2/13:1/3", "1/3:1/2", "1/2:3/4", "3/4:1"],
            True,
        ),
    ],
)
def test_string_sequences(text: str, expected: list[str], reversible: bool) -> None:
    parsed = seq(text)
    assert [str(s) for s in parsed] == expected
    if reversible:
        assert str(parsed) == text


@pytest.mark.parametrize("text", ["0.5", "1,1", "-0.5,1", "1/2,1/2", "1/2,1/3", "0,1,1/2", "0,x,1"])
def test_string_sequence_errors(text: str) -> None:
    with pytest.raises(SegmentError, match="execution segment sequence"):
        seq(text)


def test_empty_sequence_is_the_whole_run() -> None:
    assert str(seq("")) == "0,1"


def _random_sequence(rng: random.Random, count: int, most: int) -> ExecutionSegmentSequence:
    numerators = [1 + rng.randrange(most) for _ in range(count)]
    total = sum(numerators)
    points = [F(0)]
    for n in numerators:
        points.append(points[-1] + F(n, total))
    return ExecutionSegmentSequence.from_points(points)


@pytest.mark.parametrize("seed", range(10))
def test_segment_scale_consistency(seed: int) -> None:
    rng = random.Random(seed)
    value = rng.randrange(99) + 2
    sequence = _random_sequence(rng, rng.randrange(9) + 2, 100)
    assert sum(s.scale(value) for s in sequence) == value


@pytest.mark.parametrize("seed", range(10))
def test_tuple_scale_consistency(seed: int) -> None:
    rng = random.Random(seed)
    value = rng.randrange(99) + 2
    sequence = _random_sequence(rng, rng.randrange(9) + 2, 200)
    assert sum(ExecutionTuple.of(s, sequence).scale(value) for s in sequence) == value


@pytest.mark.parametrize("seed", range(10))
def test_tuple_scale_never_wobbles(seed: int) -> None:
    rng = random.Random(seed)
    sequence = _random_sequence(rng, rng.randrange(9) + 2, 100)
    et = ExecutionTuple.of(sequence[rng.randrange(len(sequence))], sequence)
    results = [et.scale(i) for i in range(1, 1000)]
    assert results == sorted(results)


@pytest.mark.parametrize(
    ("sequence", "segment", "start", "offsets", "lcd"),
    [
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, (4, 3, 3), 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, (4, 6), 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, (10,), 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, (10,), 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.8:0.9", 8, (10,), 10),
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, (10,), 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, (10,), 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, (4, 6), 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, (10,), 10),
        ("0,0.2,0.5", "0:0.2", 3, (6, 4), 10),
        ("0,0.2,0.5", "0.2:0.5", 1, (4, 2, 4), 10),
        ("0,2/5,4/5", "0:2/5", 0, (3, 2), 5),
        ("0,2/5,4/5", "2/5:4/5", 1, (3, 2), 5),
        (None, "0:0.2", 1, (5,), 5),
        (None, "0:1/5", 1, (5,), 5),
        (None, "0:2/10", 1, (5,), 5),
        (None, "0:0.4", 1, (2, 3), 5),
        (None, "0:2/5", 1, (2, 3), 5),
        (None, "2/5:4/5", 1, (3, 2), 5),
        (None, "0:4/10", 1, (2, 3), 5),
        (None, "1/10:5/10", 1, (2, 2, 4, 2), 10),
    ],
)
def test_get_striped_offsets(
    sequence: str | None, segment: str, start: int, offsets: tuple[int, ...], lcd: int
) -> None:
    assert tup(segment, sequence).striped_offsets() == (start, offsets, lcd)


@pytest.mark.parametrize(
    ("text", "lcd"),
    [
        ("0,0.3,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.1,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,0.2,0.5,0.6,0.7,0.8,0.9,1", 10),
        ("0,1/3,5/6", 6),
        ("0,1/3,4/7", 21),
    ],
)
def test_sequence_lcd(text: str, lcd: int) -> None:
    assert seq(text).lcd() == lcd


def test_new_tuple_from_value() -> None:
    found = tup("0:1/3", "0,1/3,2/3,1").for_value(20)
    assert found is not None
    assert str(found.sequence) == "0,7/20,7/10,1"


NEW_TUPLE_CASES: list[tuple[str | None, str | None, dict[int, int], dict[int, dict[int, int] | None]]] = [
    (None, None, {50: 50, 1: 1, 0: 0}, {50: {50: 50, 1: 1, 0: 0}, 1: {50: 50, 1: 1, 0: 0}, 0: None}),
    ("0:1", None, {50: 50, 1: 1, 0: 0}, {50: {50: 50, 1: 1, 0: 0}, 1: {50: 50, 1: 1, 0: 0}, 0: None}),
    ("0:1", "0,1", {50: 50, 1: 1, 0: 0}, {50: {50: 50, 1: 1, 0: 0}, 1: {50: 50, 1: 1, 0: 0}, 0: None}),
    (
        "0:1/3",
        "0,1/3,2/3,1",
        {50: 17, 3: 1, 2: 1, 1: 1, 0: 0},
        {
            50: {50: 17, 1: 1, 0: 0},
            20: {50: 18, 1: 1, 0: 0},
            3: {50: 17, 1: 1, 0: 0},
            2: {50: 25, 1: 1, 0: 0},
            1: {50: 50, 1: 1, 0: 0},
            0: None,
        },
    ),
    (
        "1/3:2/3",
        "0,1/3,2/3,1",
        {50: 17, 3: 1, 2: 1, 1: 0, 0: 0},
        {
            50: {50: 17, 1: 0, 0: 0},
            20: {50: 17, 1: 0, 0: 0},
            3: {50: 17, 1: 0, 0: 0},
            2: {50: 25, 1: 0, 0: 0},
            1: None,
            0: None,
        },
    ),
    (
        "2/3:1",
        "0,1/3,2/3,1",
        {50: 16, 3: 1, 2: 0, 1: 0, 0: 0},
        {
            50: {50: 16, 1: 0, 0: 0},
            20: {50: 15, 1: 0, 0: 0},
            3: {50: 16, 1: 0, 0: 0},
            2: None,
            1: None,
            0: None,
        },
    ),
]


@pytest.mark.parametrize(("segment", "sequence", "scales", "new_scales"), NEW_TUPLE_CASES)
def test_new_execution_tuple(
    segment: str | None,
    sequence: str | None,
    scales: dict[int, int],
    new_scales: dict[int, dict[int, int] | None],
) -> None:
    et = tup(segment, sequence)
    assert {value: et.scale(value) for value in scales} == scales
    for value, expected in new_scales.items():
        resegmented = et.for_value(value)
        if expected is None:
            assert resegmented is None
            continue
        assert resegmented is not None
        assert {v: resegmented.scale(v) for v in expected} == expected


def _index(start: int, lcd: int, offsets: tuple[int, ...]) -> SegmentedIndex:
    return SegmentedIndex.from_offsets(start, offsets, lcd)


def _walk(index: SegmentedIndex, moves: str) -> list[tuple[int, int]]:
    seen = []
    for move in moves:
        seen.append(index.next() if move == "n" else index.prev())
    return seen


def test_segmented_index_full() -> None:
    index = _index(0, 1, (1,))
    assert _walk(index, "npnnnppn") == [(1, 1), (0, 0), (1, 1), (2, 2), (3, 3), (2, 2), (1, 1), (2, 2)]


def test_segmented_index_half() -> None:
    index = _index(0, 2, (2,))
    assert _walk(index, "npnnnpppn") == [
        (1, 1),
        (0, 0),
        (1, 1),
        (2, 3),
        (3, 5),
        (2, 3),
        (1, 1),
        (0, 0),
        (1, 1),
    ]


def test_segmented_index_the_other_half() -> None:
    index = _index(1, 2, (2,))
    assert _walk(index, "npnnnpppn") == [
        (1, 2),
        (0, 0),
        (1, 2),
        (2, 4),
        (3, 6),
        (2, 4),
        (1, 2),
        (0, 0),
        (1, 2),
    ]


def test_segmented_index_strange() -> None:
    index = _index(1, 7, (4, 3))
    assert _walk(index, "npnnnpppn") == [
        (1, 2),
        (0, 0),
        (1, 2),
        (2, 6),
        (3, 9),
        (2, 6),
        (1, 2),
        (0, 0),
        (1, 2),
    ]
    assert index.go_to(6) == (2, 6)
    assert index.go_to(5) == (1, 2)
    assert index.go_to(7) == (2, 6)
    assert index.go_to(8) == (2, 6)
    assert index.go_to(9) == (3, 9)
    assert _walk(index, "ppp") == [(2, 6), (1, 2), (0, 0)]


def test_the_documented_three_way_split_deals_iterators_and_values_as_k6_says() -> None:
    sequence = seq("0,1/2,3/4,1")
    tuples = [ExecutionTuple.of(s, sequence) for s in sequence]
    firsts = [[next(it) for _ in range(3)] for it in (t.items() for t in tuples)]
    assert firsts == [[0, 2, 4], [1, 5, 9], [3, 7, 11]]
    assert [t.scale(v) for t in tuples for v in (1, 2, 3, 4, 5, 6)] == [
        *[1, 1, 2, 2, 3, 3],
        *[0, 1, 1, 1, 1, 2],
        *[0, 0, 0, 1, 1, 1],
    ]


def test_segmented_index_of_a_tuple_numbers_its_stripe() -> None:
    index = SegmentedIndex.of(tup("1/2:3/4", "0,1/2,3/4,1"))
    assert [index.next() for _ in range(3)] == [(1, 2), (2, 6), (3, 10)]


def test_equal_sequences_and_owned_items() -> None:
    assert str(ExecutionSegmentSequence.equal(4)) == "0,1/4,1/2,3/4,1"
    sequence = seq("0,1/4,1/2,1")
    tuples = [ExecutionTuple.of(s, sequence) for s in sequence]
    for item in range(40):
        assert sum(t.owns(item) for t in tuples) == 1


def test_parse_requires_the_segment_in_the_given_sequence() -> None:
    assert ExecutionTuple.parse("1/3:2/3", "0,1/3,2/3,1").index == 1
    with pytest.raises(SegmentError, match="not one of the sequence 0,1/2,1"):
        ExecutionTuple.parse("0:1/3", "0,1/2,1")
    with pytest.raises(SegmentError, match="0:1 is not one of"):
        ExecutionTuple.parse("", "0,1/2,1")


def _k6_stripe(sequence: ExecutionSegmentSequence) -> list[list[int]]:
    """k6's NewExecutionSegmentSequenceWrapper loop, literally: every position scans the segments."""
    lcd = sequence.lcd()
    shares = [int(s.length * lcd) for s in sequence]
    order = sorted(range(len(shares)), key=lambda i: -shares[i])
    chosen = [0] * len(shares)
    positions: list[list[int]] = [[] for _ in shares]
    for i in range(lcd):
        for rank, index in enumerate(order):
            num, denom = chosen[rank] * lcd, shares[index]
            if i > num // denom or (i == num // denom and num % denom == 0):
                chosen[rank] += 1
                positions[index].append(i)
                break
    return positions


@pytest.mark.parametrize("seed", range(20))
def test_striping_matches_k6s_loop(seed: int) -> None:
    rng = random.Random(seed)
    sequence = _random_sequence(rng, rng.randrange(12) + 1, 60)
    striped = StripedSequence(sequence)
    assert [list(p) for p in striped.positions] == _k6_stripe(sequence)


def test_many_equal_segments_stripe_round_robin() -> None:
    striped = StripedSequence(ExecutionSegmentSequence.equal(1000))
    assert [p for (p,) in striped.positions] == list(range(1000))


def test_a_sequence_too_fine_to_stripe_is_refused() -> None:
    with pytest.raises(SegmentError, match="common denominator of 1000003"):
        ExecutionTuple.parse("0:1/1000003")


def test_a_tuple_travels_as_its_two_texts() -> None:
    for et in ExecutionTuple.every(seq("0,1/5,1/2,1")):
        assert ExecutionTuple.parse(str(et.segment), str(et.sequence)) == et
    assert [str(et.segment) for et in ExecutionTuple.every(ExecutionSegmentSequence.equal(3))] == [
        "0:1/3",
        "1/3:2/3",
        "2/3:1",
    ]
