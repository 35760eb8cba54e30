"""k6's threshold expression grammar (k6 `metrics/thresholds_parser.go`), with specific error messages.

Grammar::

    expression  ::= ws* aggregation ws* operator ws* number ws*
    aggregation ::= "avg" | "min" | "max" | "med" | "count" | "rate" | "value" | percentile
    percentile  ::= "p(" number ")"                 (0 <= number <= 100)
    operator    ::= "<=" | "<" | ">=" | ">" | "===" | "==" | "!="
    number      ::= sign? (digits ("." digits?)? | "." digits) (("e" | "E") sign? digits)?
    sign        ::= "+" | "-"
    digits      ::= ("0" | "1" | ... | "9")+
    ws          ::= any whitespace character

As in k6, the operator is found by trying each operator in the order listed above and splitting the
expression at its first occurrence, so `p(95)<<3000` splits at the first `<` and its right side
`<3000` is not a number. What k6 rejects, this rejects, with a message naming the part that is wrong
(`p(95)=<3000`: `'=<' is not an operator`). Aggregation names are case-sensitive. k6 also takes `inf`
and `nan` as numbers; dashtui rejects them, since no threshold means to compare against them.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from .errors import ThresholdError

__all__ = [
    "AGGREGATIONS",
    "OPERATORS",
    "ParsedExpression",
    "format_percentile",
    "parse_expression",
]

OPERATORS: tuple[str, ...] = ("<=", "<", ">=", ">", "===", "==", "!=")
"""Scanned in this order, as k6 does: longer tokens before their prefixes."""

AGGREGATIONS: tuple[str, ...] = ("avg", "min", "med", "max", "p(N)", "count", "rate", "value")
"""Every aggregation the grammar knows, for messages; `p(N)` stands for any percentile."""

_KEYWORDS = frozenset({"avg", "min", "med", "max", "count", "rate", "value"})
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_LOOSE_PERCENTILE = re.compile(r"[pP]\s*\(?\s*([^()\s]+)\s*\)?")
_EXPECTED = "expected '<aggregation> <operator> <number>', e.g. 'p(95)<3000'"


@dataclass(frozen=True, slots=True)
class ParsedExpression:
    """One parsed threshold expression: `p(99.9) < 200` → aggregation `p(99.9)`, percentile 99.9."""

    aggregation: str
    """`avg`, `min`, `max`, `med`, `count`, `rate`, `value`, or a normalised `p(N)` such as `p(95)`."""
    percentile: float | None
    """N of `p(N)`, or None for the other aggregations."""
    operator: str
    limit: float


def format_percentile(percentile: float) -> str:
    """`p(N)` with N written as k6 writes its sink key (`%g`): `p(95)`, `p(99.9)`."""
    text = str(int(percentile)) if percentile.is_integer() else repr(percentile)
    return f"p({text})"


def _fail(source: str, detail: str) -> ThresholdError:
    return ThresholdError(f"threshold '{source}': {detail}")


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def _suggest_aggregation(text: str) -> str:
    loose = _LOOSE_PERCENTILE.fullmatch(text)
    if loose and _number(loose.group(1)) is not None:
        return f" (did you mean 'p({loose.group(1)})'?)"
    lowered = text.lower().replace(" ", "")
    if lowered in _KEYWORDS:
        return f" (did you mean '{lowered}'? aggregations are lower-case)"
    close = difflib.get_close_matches(lowered, sorted(_KEYWORDS), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _parse_aggregation(source: str, text: str) -> tuple[str, float | None]:
    if text in _KEYWORDS:
        return text, None
    if text.startswith("p(") and text.endswith(")"):
        inner = text[2:-1]
        value = _number(inner)
        if value is None:
            raise _fail(source, f"percentile '{inner}' in '{text}' is not a number; expected e.g. 'p(95)'")
        if not 0 <= value <= 100:
            raise _fail(source, f"percentile {inner} in '{text}' must be between 0 and 100")
        return format_percentile(value), value
    raise _fail(
        source,
        f"unknown aggregation '{text}'{_suggest_aggregation(text)}; "
        f"expected one of: {', '.join(AGGREGATIONS)}",
    )


def _scan(source: str) -> tuple[str, str, str] | None:
    for operator in OPERATORS:
        left, found, right = source.partition(operator)
        if found:
            return left.strip(), operator, right.strip()
    return None


def parse_expression(source: str) -> ParsedExpression:
    """Parse `<aggregation> <operator> <number>`; raise `ThresholdError` saying what is wrong."""
    if not source.strip():
        raise _fail(source, f"the expression is empty; {_EXPECTED}")
    scanned = _scan(source)
    if scanned is None:
        found = "a single '=' is not an operator" if "=" in source else "no comparison operator found"
        raise _fail(source, f"{found}; use one of: {', '.join(OPERATORS)}; {_EXPECTED}")
    left, operator, right = scanned
    if not left:
        raise _fail(source, f"nothing before '{operator}', where the aggregation goes; {_EXPECTED}")
    bare = left.rstrip("=!<> ")
    if bare != left and (bare in _KEYWORDS or (bare.startswith("p(") and bare.endswith(")"))):
        written = left[len(bare) :].strip() + operator
        raise _fail(source, f"'{written}' is not an operator; expected one of: {', '.join(OPERATORS)}")
    aggregation, percentile = _parse_aggregation(source, left)
    if not right:
        raise _fail(source, f"nothing after '{operator}', where the number goes; {_EXPECTED}")
    limit = _number(right)
    if limit is None:
        raise _fail(source, f"'{right}' is not a number; {_EXPECTED}")
    return ParsedExpression(aggregation, percentile, operator, limit)
