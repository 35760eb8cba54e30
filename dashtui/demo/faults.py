"""Fault and latency injection: what to inject (`Faults`), latency distributions, and seeded decisions.

A latency spec is text, in milliseconds:

    50            fixed 50 ms (also `50ms`, `fixed(50)`)
    jitter(50,10) uniform between 40 and 60 ms
    uniform(10,50)
    normal(30,5)  mean 30, standard deviation 5 (clamped at 0)
    lognormal(20,0.5)  median 20 ms, sigma 0.5 of the underlying normal
    choice(10:0.9,200:0.1)  10 ms with weight 0.9, 200 ms with weight 0.1
"""

from __future__ import annotations

import bisect
import math
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

__all__ = ["Decision", "FaultError", "Faults", "Injector", "LatencySpec", "NO_LATENCY"]

LatencyKind = Literal["none", "fixed", "uniform", "normal", "lognormal", "choice"]

_SPEC_HELP = (
    "expected milliseconds like 50, 50ms, jitter(50,10), uniform(10,50), normal(30,5), "
    "lognormal(20,0.5) or choice(10:0.9,200:0.1)"
)
_CALL = re.compile(r"^([a-z]+)\((.*)\)$")
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms)?\s*$")


class FaultError(ValueError):
    """A fault setting that cannot be used; the message names the key, the value and what is expected."""


def _number(text: str, spec: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultError(f"latency {spec!r}: {text.strip()!r} is not a number; {_SPEC_HELP}") from None
    if not math.isfinite(value) or value < 0:
        raise FaultError(f"latency {spec!r}: {text.strip()!r} must be a finite number >= 0")
    return value


@dataclass(frozen=True)
class LatencySpec:
    """A latency distribution in milliseconds; `sample` draws from it with the caller's RNG."""

    kind: LatencyKind = "none"
    params: tuple[float, ...] = ()
    weights: tuple[float, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> LatencySpec:
        text = spec.strip().lower().replace(" ", "")
        if text in ("", "0", "none", "off"):
            return NO_LATENCY
        plain = _NUMBER.match(text)
        if plain:
            value = float(plain.group(1))
            return NO_LATENCY if value == 0 else cls("fixed", (value,))
        call = _CALL.match(text)
        if call is None:
            raise FaultError(f"latency {spec!r} is not a latency spec; {_SPEC_HELP}")
        name, inner = call.groups()
        args = inner.split(",") if inner else []
        if name == "choice":
            return cls._parse_choice(spec, args)
        arity = {"fixed": 1, "jitter": 2, "uniform": 2, "normal": 2, "lognormal": 2}
        if name not in arity:
            raise FaultError(f"latency {spec!r}: unknown distribution {name!r}; {_SPEC_HELP}")
        if len(args) != arity[name]:
            raise FaultError(f"latency {spec!r}: {name} takes {arity[name]} number(s), got {len(args)}")
        values = tuple(_number(a, spec) for a in args)
        if name == "fixed":
            return cls("fixed", values)
        if name == "jitter":
            base, spread = values
            return cls("uniform", (max(0.0, base - spread), base + spread))
        if name == "uniform" and values[0] > values[1]:
            raise FaultError(f"latency {spec!r}: uniform(a,b) needs a <= b")
        if name == "lognormal" and values[0] == 0:
            raise FaultError(f"latency {spec!r}: lognormal needs a median > 0")
        return cls(name, values)  # type: ignore[arg-type]

    @classmethod
    def _parse_choice(cls, spec: str, args: list[str]) -> LatencySpec:
        if not args:
            raise FaultError(f"latency {spec!r}: choice needs at least one value:weight pair")
        values, weights = [], []
        for arg in args:
            value, sep, weight = arg.partition(":")
            if not sep:
                raise FaultError(f"latency {spec!r}: {arg!r} is not value:weight (e.g. 200:0.1)")
            values.append(_number(value, spec))
            weights.append(_number(weight, spec))
        if sum(weights) <= 0:
            raise FaultError(f"latency {spec!r}: the weights must add up to more than 0")
        return cls("choice", tuple(values), tuple(weights))

    def sample(self, rng: random.Random) -> float:
        """One draw, in milliseconds. Every kind consumes RNG draws the same way for a given spec."""
        kind, p = self.kind, self.params
        if kind == "none":
            return 0.0
        if kind == "fixed":
            return p[0]
        if kind == "uniform":
            return p[0] + (p[1] - p[0]) * rng.random()
        if kind == "normal":
            return max(0.0, rng.gauss(p[0], p[1]))
        if kind == "lognormal":
            return math.exp(rng.gauss(math.log(p[0]), p[1]))
        cumulative = list(_accumulate(self.weights))
        return p[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

    def __str__(self) -> str:
        def fmt(x: float) -> str:
            return f"{x:g}"

        if self.kind == "none":
            return "0"
        if self.kind == "fixed":
            return fmt(self.params[0])
        if self.kind == "choice":
            pairs = ",".join(f"{fmt(v)}:{fmt(w)}" for v, w in zip(self.params, self.weights, strict=True))
            return f"choice({pairs})"
        return f"{self.kind}({','.join(fmt(x) for x in self.params)})"


def _accumulate(weights: tuple[float, ...]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


NO_LATENCY = LatencySpec()


def _rate(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise FaultError(f"{key}: {value!r} is not a rate; expected a number from 0 to 1")
    return float(value)


def _seconds(key: str, value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1e6:
        raise FaultError(f"{key}: {value!r} is not a duration; expected seconds > 0, or null for off")
    return float(value)


def _latency(key: str, value: object) -> LatencySpec:
    if isinstance(value, LatencySpec):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return LatencySpec.parse(str(value))
    if isinstance(value, str):
        try:
            return LatencySpec.parse(value)
        except FaultError as exc:
            raise FaultError(f"{key}: {exc}") from None
    raise FaultError(f"{key}: {value!r} is not a latency spec; {_SPEC_HELP}")


@dataclass(frozen=True)
class Faults:
    """Everything the stand-in can inject. Rates are probabilities per REST request."""

    latency: LatencySpec = NO_LATENCY
    """Added before every REST request is answered."""
    latency_by_table: Mapping[str, LatencySpec] = field(default_factory=dict)
    """Per-table latency that replaces `latency` for that table."""
    error_rate: float = 0.0
    """Share of REST requests answered 503 with a PostgREST-shaped body."""
    reset_rate: float = 0.0
    """Share of REST requests whose connection is dropped after the response headers."""
    slow_body_rate: float = 0.0
    """Share of REST responses whose body is sent in four parts spread over `slow_body_ms`."""
    slow_body_ms: float = 200.0
    realtime_refuse_joins: bool = False
    """Answer every phx_join with an error, as Realtime does when a client joins too fast."""
    realtime_never_subscribe: bool = False
    """Answer phx_join ok but never send the "Subscribed to PostgreSQL" system push."""
    realtime_drop_after: float | None = None
    """Close every WebSocket this many seconds after it opened."""
    realtime_delay: LatencySpec = NO_LATENCY
    """Delay before each Realtime change is delivered."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "latency": str(self.latency),
            "latency_by_table": {k: str(v) for k, v in sorted(self.latency_by_table.items())},
            "error_rate": self.error_rate,
            "reset_rate": self.reset_rate,
            "slow_body_rate": self.slow_body_rate,
            "slow_body_ms": self.slow_body_ms,
            "realtime_refuse_joins": self.realtime_refuse_joins,
            "realtime_never_subscribe": self.realtime_never_subscribe,
            "realtime_drop_after": self.realtime_drop_after,
            "realtime_delay": str(self.realtime_delay),
        }

    def updated(self, changes: Mapping[str, object]) -> Faults:
        """A copy with `changes` applied; values as in `to_dict` (text specs, numbers, booleans)."""
        known = {f.name for f in fields(self)}
        values: dict[str, Any] = {}
        for key, value in changes.items():
            if key not in known:
                raise FaultError(f"unknown fault {key!r}; known: {', '.join(sorted(known))}")
            if key in ("latency", "realtime_delay"):
                values[key] = _latency(key, value)
            elif key == "latency_by_table":
                if not isinstance(value, Mapping):
                    raise FaultError(f"latency_by_table: expected an object of table: spec, got {value!r}")
                values[key] = {str(t): _latency(f"latency_by_table.{t}", v) for t, v in value.items()}
            elif key in ("error_rate", "reset_rate", "slow_body_rate"):
                values[key] = _rate(key, value)
            elif key == "slow_body_ms":
                if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600_000:
                    raise FaultError(f"slow_body_ms: {value!r} is not milliseconds from 0 to 600000")
                values[key] = float(value)
            elif key == "realtime_drop_after":
                values[key] = _seconds(key, value)
            else:
                if not isinstance(value, bool):
                    raise FaultError(f"{key}: {value!r} is not true or false")
                values[key] = value
        return replace(self, **values)


@dataclass(frozen=True)
class Decision:
    """What to do to one REST request."""

    delay_ms: float = 0.0
    error: bool = False
    reset: bool = False
    slow_body: bool = False


_CLEAN = Decision()


class Injector:
    """Seeded decisions: the same seed and the same sequence of requests give the same faults."""

    def __init__(self, faults: Faults, seed: int) -> None:
        self.seed = seed
        self.faults = faults
        self._rng = random.Random(seed)
        self._rt_rng = random.Random(seed + 1)

    def set(self, faults: Faults) -> None:
        """Replace the faults and restart the random sequence, so a test's run is reproducible."""
        self.faults = faults
        self._rng = random.Random(self.seed)
        self._rt_rng = random.Random(self.seed + 1)

    def decide(self, table: str) -> Decision:
        f = self.faults
        spec = f.latency_by_table.get(table, f.latency)
        if spec.kind == "none" and not (f.error_rate or f.reset_rate or f.slow_body_rate):
            return _CLEAN
        rng = self._rng
        delay = spec.sample(rng)
        error = rng.random() < f.error_rate
        reset = rng.random() < f.reset_rate
        slow = rng.random() < f.slow_body_rate
        return Decision(delay, error, reset and not error, slow and not error and not reset)

    def realtime_delay_ms(self) -> float:
        return self.faults.realtime_delay.sample(self._rt_rng)
