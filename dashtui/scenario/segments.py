"""k6's execution segments: split one scenario's VUs, iterations and arrivals exactly between workers.

A segment `(from, to]` of `[0, 1]` is one worker's share of the whole run; a sequence lists every
worker's segment, end to end. With the sequence known, each worker works out its share alone
(k6 `lib/execution_segment.go`): integers are dealt out by *striping* — within every block of
`lcd` consecutive items (the least common denominator of the segment lengths), a segment of length
`n/lcd` owns `n` fixed positions — so the shares of all segments always add up to the whole, and
item `k` (an iteration start, a VU id) belongs to exactly one segment.
"""

from __future__ import annotations

import heapq
import math
import re
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from itertools import accumulate

__all__ = [
    "ExecutionSegment",
    "ExecutionSegmentSequence",
    "MAX_LCD",
    "ExecutionTuple",
    "SegmentError",
    "SegmentedIndex",
    "StripedSequence",
    "parse_ratio",
    "striped",
]

_ZERO = Fraction(0)
_ONE = Fraction(1)
_RATIO = re.compile(r"[+-]?(\d+/\d+|\d+(\.\d*)?([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?)")
_PERCENT = re.compile(r"[+-]?\d+%")
_EXPECTED_POINT = "a fraction (1/4), a decimal (0.25) or a whole percentage (25%)"


class SegmentError(ValueError):
    """A segment or sequence that k6 would refuse: `subject` is the text read (when known), `reason`
    what is wrong with it."""

    def __init__(self, reason: str, *, subject: str = "") -> None:
        super().__init__(f"{subject}: {reason}" if subject else reason)
        self.reason = reason
        self.subject = subject


def parse_ratio(text: str) -> Fraction:
    """One point as k6 reads it: `1/4`, `0.25`, `2.5e-1` or a whole percentage `25%`."""
    if _PERCENT.fullmatch(text):
        return Fraction(int(text[:-1]), 100)
    if _RATIO.fullmatch(text):
        try:
            return Fraction(text)
        except ZeroDivisionError:
            pass
    raise SegmentError(f"{text!r} is not {_EXPECTED_POINT}")


def _rat(value: Fraction) -> str:
    """k6's RatString: `1/4`, or `1` when the denominator is 1."""
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _round_half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


@dataclass(frozen=True, slots=True)
class ExecutionSegment:
    """k6's `(from, to]` share of a run, with `0 <= start < end <= 1` as exact fractions.

    `start` and `end` are k6's `from` and `to`. `str()` gives k6's form (`1/4:1/2`), which `parse`
    reads back.
    """

    start: Fraction = _ZERO
    end: Fraction = _ONE

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", Fraction(self.start))
        object.__setattr__(self, "end", Fraction(self.end))
        if self.start < 0:
            raise SegmentError(f"segment start must be at least 0, found {_rat(self.start)}")
        if self.end > 1:
            raise SegmentError(f"segment end can't be more than 1, found {_rat(self.end)}")
        if self.start >= self.end:
            raise SegmentError(
                f"segment start ({_rat(self.start)}) must be less than its end ({_rat(self.end)})"
            )

    @classmethod
    def parse(cls, text: str) -> ExecutionSegment:
        """k6's forms `1/4:2/4`, `0.25:0.5`, `25%:50%`, `2/4:75%`; one value `v` is `0:v`; `""` is `0:1`."""
        text = text.strip()
        if not text:
            return cls()
        start_text, sep, end_text = text.partition(":")
        try:
            if not sep:
                return cls(_ZERO, parse_ratio(start_text))
            return cls(parse_ratio(start_text), parse_ratio(end_text))
        except SegmentError as exc:
            raise SegmentError(exc.reason, subject=f"execution segment {text!r}") from None

    @property
    def length(self) -> Fraction:
        return self.end - self.start

    @property
    def is_full(self) -> bool:
        return self.start == 0 and self.end == 1

    def __str__(self) -> str:
        return f"{_rat(self.start)}:{_rat(self.end)}"

    def scale(self, value: int) -> int:
        """k6's `Segment.Scale`: `round(value·to − round(value·from))`, rounding halves up.

        Alone, without a sequence, it splits a value so that consecutive segments' shares add up;
        the striped `ExecutionTuple.scale` is the one executors use (it never shrinks as value grows).
        """
        if self.is_full:
            return value
        return _round_half_up(value * self.end - _round_half_up(value * self.start))

    def scale_fraction(self, value: Fraction) -> Fraction:
        """k6's `CopyScaleRat`: `value · length`."""
        return value * self.length

    def split(self, parts: int) -> list[ExecutionSegment]:
        """This segment cut into `parts` equal consecutive segments (k6's `Split`)."""
        if parts < 1:
            raise SegmentError(f"the number of parts must be at least 1, found {parts}")
        step = self.length / parts
        return [ExecutionSegment(self.start + i * step, self.start + (i + 1) * step) for i in range(parts)]

    def sub_segment(self, child: ExecutionSegment) -> ExecutionSegment:
        """`child` taken within this segment: (1/2:1).sub_segment(0:1/2) is 1/2:3/4 (k6's `SubSegment`)."""
        start = self.start + child.start * self.length
        return ExecutionSegment(start, start + child.length * self.length)


FULL = ExecutionSegment()
"""The whole run, `0:1`: what a single process runs."""


@dataclass(frozen=True, slots=True)
class ExecutionSegmentSequence:
    """Segments laid end to end without gaps or overlaps (k6's `ExecutionSegmentSequence`).

    `str()` gives k6's list of points, `0,1/4,1/2,1`. A sequence need not start at 0 or end at 1;
    `filled()` adds the missing ends.
    """

    segments: tuple[ExecutionSegment, ...]

    def __post_init__(self) -> None:
        for number, (before, after) in enumerate(zip(self.segments, self.segments[1:], strict=False), 2):
            if after.start != before.end:
                raise SegmentError(
                    f"segment #{number} ({after}) must start where the one before it ends "
                    f"({_rat(before.end)})"
                )

    @classmethod
    def parse(cls, text: str) -> ExecutionSegmentSequence:
        """k6's `r1,r2,…,rn` (points in any form `parse_ratio` reads); `""` is the whole run `0,1`."""
        text = text.strip()
        if not text:
            return cls((FULL,))
        points = [point.strip() for point in text.split(",")]
        if len(points) < 2:
            raise SegmentError(
                "at least 2 points are needed, such as 0,1/2,1",
                subject=f"execution segment sequence {text!r}",
            )
        try:
            values = [parse_ratio(point) for point in points]
            return cls.from_points(values)
        except SegmentError as exc:
            raise SegmentError(exc.reason, subject=f"execution segment sequence {text!r}") from None

    @classmethod
    def from_points(cls, points: Sequence[Fraction]) -> ExecutionSegmentSequence:
        return cls(tuple(ExecutionSegment(a, b) for a, b in zip(points, points[1:], strict=False)))

    @classmethod
    def equal(cls, parts: int) -> ExecutionSegmentSequence:
        """The whole run cut into `parts` equal segments: `equal(3)` is `0,1/3,2/3,1`."""
        return cls(tuple(FULL.split(parts)))

    def __str__(self) -> str:
        if not self.segments:
            return ""
        return ",".join(_rat(p) for p in (self.segments[0].start, *(s.end for s in self.segments)))

    def __len__(self) -> int:
        return len(self.segments)

    def __iter__(self) -> Iterator[ExecutionSegment]:
        return iter(self.segments)

    def __getitem__(self, index: int) -> ExecutionSegment:
        return self.segments[index]

    @property
    def is_full(self) -> bool:
        return bool(self.segments) and self.segments[0].start == 0 and self.segments[-1].end == 1

    def lcd(self) -> int:
        """The least common denominator of the segments' lengths: the striping's block size."""
        return math.lcm(*(s.length.denominator for s in self.segments))

    def filled(self) -> ExecutionSegmentSequence:
        """The sequence with `0:first` and `last:1` added where it does not reach 0 or 1."""
        if self.is_full:
            return self
        segments = list(self.segments)
        if not segments:
            return ExecutionSegmentSequence((FULL,))
        if segments[0].start != 0:
            segments.insert(0, ExecutionSegment(_ZERO, segments[0].start))
        if segments[-1].end != 1:
            segments.append(ExecutionSegment(segments[-1].end, _ONE))
        return ExecutionSegmentSequence(tuple(segments))

    def index(self, segment: ExecutionSegment) -> int:
        """Where `segment` sits in the sequence; SegmentError when it is not one of its segments."""
        try:
            return self.segments.index(segment)
        except ValueError:
            raise SegmentError(f"segment {segment} is not one of the sequence {self}") from None


MAX_LCD = 1_000_000
"""The largest common denominator of a sequence's lengths accepted: striping walks that many positions."""


def _stripe(lengths: Sequence[Fraction], lcd: int) -> list[list[int]]:
    """k6's striping: the positions in `[0, lcd)` each segment owns, spread as evenly as possible.

    Segments are ranked biggest first (stable); position `i` goes to the best-ranked segment that is
    due, i.e. whose `taken · lcd / share` does not exceed `i` (`share`: its length in `lcd`ths).
    k6 scans every segment for every position; a heap of due times and one of ranks gives the same
    result in O(lcd · log n).
    """
    shares = [int(length * lcd) for length in lengths]
    order = sorted(range(len(shares)), key=lambda i: -shares[i])
    positions: list[list[int]] = [[] for _ in shares]
    waiting = [(0, rank) for rank in range(len(order))]
    ready: list[int] = []
    for i in range(lcd):
        while waiting and waiting[0][0] <= i:
            heapq.heappush(ready, heapq.heappop(waiting)[1])
        rank = heapq.heappop(ready)
        index = order[rank]
        positions[index].append(i)
        due = -(-len(positions[index]) * lcd // shares[index])
        if len(positions[index]) < shares[index]:
            heapq.heappush(waiting, (due, rank))
    return positions


@dataclass(frozen=True, slots=True)
class StripedSequence:
    """A full sequence with its striping computed once (k6's `ExecutionSegmentSequenceWrapper`)."""

    sequence: ExecutionSegmentSequence
    lcd: int = field(init=False)
    positions: tuple[tuple[int, ...], ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.sequence.is_full:
            raise SegmentError(f"sequence {self.sequence} must run from 0 to 1 to be striped")
        lcd = self.sequence.lcd()
        if lcd > MAX_LCD:
            raise SegmentError(
                f"the segments' lengths have a common denominator of {lcd}; at most {MAX_LCD:,} is "
                "supported (use simpler fractions such as 1/3)",
                subject=f"sequence {self.sequence}",
            )
        positions = _stripe([s.length for s in self.sequence], lcd)
        object.__setattr__(self, "lcd", lcd)
        object.__setattr__(self, "positions", tuple(tuple(p) for p in positions))

    def scale(self, index: int, value: int) -> int:
        """Segment `index`'s share of `value` items: how many of items `0…value−1` it owns."""
        owned = self.positions[index]
        whole, rest = divmod(value, self.lcd)
        return whole * len(owned) + bisect_left(owned, rest)

    def striped_offsets(self, index: int) -> tuple[int, tuple[int, ...], int]:
        """k6's `GetStripedOffsets`: (first owned position, gaps to each next one around the block, lcd)."""
        owned = self.positions[index]
        gaps = [b - a for a, b in zip(owned, owned[1:], strict=False)]
        gaps.append(owned[0] + self.lcd - owned[-1])
        return owned[0], tuple(gaps), self.lcd

    def resegment(self, value: int, index: int) -> tuple[StripedSequence, int] | None:
        """k6's `GetNewExecutionSegmentSequenceFromValue`: a new sequence whose segments have the
        lengths `scale(i, value) / value` (empty ones dropped), and where segment `index` went.

        None when `value` < 1 or segment `index` gets nothing of `value`.
        """
        if value < 1:
            return None
        if value % self.lcd == 0:
            return self, index
        counts = [self.scale(i, value) for i in range(len(self.sequence))]
        if counts[index] == 0:
            return None
        kept = [c for c in counts if c]
        points = [Fraction(p, value) for p in accumulate(kept, initial=0)]
        return striped(ExecutionSegmentSequence.from_points(points)), sum(1 for c in counts[:index] if c)


@lru_cache(maxsize=64)
def striped(sequence: ExecutionSegmentSequence) -> StripedSequence:
    """The striping of a full sequence, computed once per sequence (workers and re-segmentings share it)."""
    return StripedSequence(sequence)


@dataclass(frozen=True, slots=True)
class ExecutionTuple:
    """One worker's segment within its run's sequence: what executors scale with (k6's `ExecutionTuple`).

    The whole run (`ExecutionTuple.whole()`) is the single-process case; every scaled value is then
    the value itself.
    """

    striped: StripedSequence
    index: int

    @classmethod
    def of(
        cls, segment: ExecutionSegment | None = None, sequence: ExecutionSegmentSequence | None = None
    ) -> ExecutionTuple:
        """The segment within the sequence (k6's `NewExecutionTuple`).

        Without a sequence, the segment is filled around (`1/4:1/2` → `0,1/4,1/2,1`); without a
        segment, it is the whole run `0:1`, which then must be in the sequence. SegmentError when
        the segment is not one of the sequence's.
        """
        segment = segment or FULL
        if sequence is None or not sequence.segments:
            sequence = ExecutionSegmentSequence((segment,))
        filled = sequence.filled()
        return cls(striped(filled), filled.index(segment))

    @classmethod
    def every(cls, sequence: ExecutionSegmentSequence) -> list[ExecutionTuple]:
        """One tuple per segment of the sequence, in order: what N workers run
        (`ExecutionTuple.every(ExecutionSegmentSequence.equal(n))`)."""
        filled = sequence.filled()
        stripes = striped(filled)
        where = {segment: index for index, segment in enumerate(filled)}
        return [cls(stripes, where[segment]) for segment in sequence]

    @classmethod
    def parse(cls, segment: str = "", sequence: str = "") -> ExecutionTuple:
        """From k6's flag texts, `--execution-segment` and `--execution-segment-sequence`.

        As k6 validates its options, a given sequence must contain the segment (the whole run `0:1`
        when no segment is given).
        """
        parsed = ExecutionSegment.parse(segment)
        if not sequence.strip():
            return cls.of(parsed)
        seq = ExecutionSegmentSequence.parse(sequence)
        if parsed not in seq.segments:
            raise SegmentError(f"execution segment {parsed} is not one of the sequence {seq}")
        return cls.of(parsed, seq)

    @classmethod
    def whole(cls) -> ExecutionTuple:
        return cls.of()

    @property
    def segment(self) -> ExecutionSegment:
        return self.striped.sequence[self.index]

    @property
    def sequence(self) -> ExecutionSegmentSequence:
        return self.striped.sequence

    @property
    def is_whole(self) -> bool:
        return self.segment.is_full

    def __str__(self) -> str:
        return f"{self.segment} in {self.sequence}"

    def scale(self, value: int) -> int:
        """This segment's share of `value` (k6's `ExecutionTuple.ScaleInt64`); shares sum to `value`."""
        if len(self.striped.sequence) == 1:
            return value
        return self.striped.scale(self.index, value)

    def striped_offsets(self) -> tuple[int, tuple[int, ...], int]:
        return self.striped.striped_offsets(self.index)

    def for_value(self, value: int) -> ExecutionTuple | None:
        """The tuple re-segmented by `value` (k6's `GetNewExecutionTupleFromValue`).

        k6 deals a shared-iterations pool by the VU shares, and arrival-rate starts by the maxVUs
        shares: a segment with no VUs gets no iterations, and the others cover all of them. None
        when this segment gets nothing of `value`.
        """
        found = self.striped.resegment(value, self.index)
        if found is None:
            return None
        striped, index = found
        return ExecutionTuple(striped, index)

    def owns(self, item: int) -> bool:
        """Whether item `item` (0-based: an iteration start, a VU) is this segment's."""
        if len(self.striped.sequence) == 1:
            return True
        owned = self.striped.positions[self.index]
        rest = item % self.striped.lcd
        at = bisect_left(owned, rest)
        return at < len(owned) and owned[at] == rest

    def items(self) -> Iterator[int]:
        """This segment's items in order, 0-based and without end: its stripe of `0, 1, 2, …`."""
        owned = self.striped.positions[self.index]
        lcd = self.striped.lcd
        block = 0
        while True:
            for position in owned:
                yield block + position
            block += lcd


class SegmentedIndex:
    """Walks a segment's stripe: `scaled` counts its items so far, `unscaled` is the 1-based run-wide
    number of the last one (k6's `SegmentedIndex`; k6 numbers VUs with it, `__VU`/`idInTest`)."""

    __slots__ = ("_lcd", "_owned", "scaled", "unscaled")

    def __init__(self, owned: Sequence[int], lcd: int) -> None:
        self._owned = tuple(owned)
        self._lcd = lcd
        self.scaled = 0
        self.unscaled = 0

    @classmethod
    def of(cls, et: ExecutionTuple) -> SegmentedIndex:
        return cls(et.striped.positions[et.index], et.striped.lcd)

    @classmethod
    def from_offsets(cls, start: int, offsets: Sequence[int], lcd: int) -> SegmentedIndex:
        """From k6's striped offsets (`ExecutionTuple.striped_offsets()`)."""
        return cls(list(accumulate(offsets[:-1], initial=start)), lcd)

    def _unscaled_of(self, scaled: int) -> int:
        if scaled <= 0:
            return 0
        block, at = divmod(scaled - 1, len(self._owned))
        return block * self._lcd + self._owned[at] + 1

    def next(self) -> tuple[int, int]:
        self.scaled += 1
        self.unscaled = self._unscaled_of(self.scaled)
        return self.scaled, self.unscaled

    def prev(self) -> tuple[int, int]:
        self.scaled -= 1
        self.unscaled = self._unscaled_of(self.scaled)
        return self.scaled, self.unscaled

    def go_to(self, value: int) -> tuple[int, int]:
        """Move to the last item whose run-wide number is at most `value`."""
        whole, rest = divmod(value, self._lcd)
        self.scaled = whole * len(self._owned) + bisect_left(self._owned, rest)
        self.unscaled = self._unscaled_of(self.scaled)
        return self.scaled, self.unscaled
