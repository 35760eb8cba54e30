"""k6's threshold expression grammar: every form it accepts and a specific message for what it rejects."""

from __future__ import annotations

import pytest

from dashtui.thresholds import OPERATORS, ThresholdError, format_percentile, parse_expression

VALID = [
    # source, aggregation, percentile, operator, limit
    ("avg<200", "avg", None, "<", 200.0),
    ("min<=10", "min", None, "<=", 10.0),
    ("max>5", "max", None, ">", 5.0),
    ("med>=1.5", "med", None, ">=", 1.5),
    ("count==3", "count", None, "==", 3.0),
    ("count===3", "count", None, "===", 3.0),
    ("value!=0", "value", None, "!=", 0.0),
    ("rate<0.01", "rate", None, "<", 0.01),
    ("p(95)<3000", "p(95)", 95.0, "<", 3000.0),
    ("p(99.9)<200", "p(99.9)", 99.9, "<", 200.0),
    ("p(0)>=0", "p(0)", 0.0, ">=", 0.0),
    ("p(100)<1", "p(100)", 100.0, "<", 1.0),
    ("p(95.0)<1", "p(95)", 95.0, "<", 1.0),
    ("p(.5)<1", "p(0.5)", 0.5, "<", 1.0),
    ("  p(95)   <   3000  ", "p(95)", 95.0, "<", 3000.0),
    ("p(90) <= 2.5", "p(90)", 90.0, "<=", 2.5),
    ("rate\t>\t0.99", "rate", None, ">", 0.99),
    ("count>=1e3", "count", None, ">=", 1000.0),
    ("avg>-5", "avg", None, ">", -5.0),
    ("value==+7.", "value", None, "==", 7.0),
]


@pytest.mark.parametrize(("source", "aggregation", "percentile", "operator", "limit"), VALID)
def test_valid_expressions_parse_into_their_parts(
    source: str, aggregation: str, percentile: float | None, operator: str, limit: float
) -> None:
    parsed = parse_expression(source)
    assert (parsed.aggregation, parsed.percentile, parsed.operator, parsed.limit) == (
        aggregation,
        percentile,
        operator,
        limit,
    )


def test_every_operator_is_covered_by_the_valid_table() -> None:
    assert {row[3] for row in VALID} == set(OPERATORS)


def test_operators_are_scanned_in_k6_order() -> None:
    assert OPERATORS == ("<=", "<", ">=", ">", "===", "==", "!=")


EXPECTED = "expected '<aggregation> <operator> <number>', e.g. 'p(95)<3000'"

INVALID = [
    # source, fragments the message must contain (what was found, what is expected)
    ("p(95)<<3000", ["threshold 'p(95)<<3000'", "'<3000' is not a number", EXPECTED]),
    ("p(95)<abc", ["'abc' is not a number", EXPECTED]),
    ("p(95)<3 000", ["'3 000' is not a number"]),
    ("p(95)<inf", ["'inf' is not a number"]),
    ("", ["threshold ''", "the expression is empty", EXPECTED]),
    ("   ", ["the expression is empty"]),
    ("p(95) 3000", ["no comparison operator found", "use one of: <=, <, >=, >, ===, ==, !=", EXPECTED]),
    ("avg=3", ["a single '=' is not an operator", "use one of: <=, <, >=, >, ===, ==, !="]),
    ("p(95)=<3000", ["'=<' is not an operator", "expected one of: <=, <, >=, >, ===, ==, !="]),
    ("avg=>3", ["'=>' is not an operator"]),
    ("<3000", ["nothing before '<', where the aggregation goes", EXPECTED]),
    ("p(95)<", ["nothing after '<', where the number goes", EXPECTED]),
    (
        "mean<3",
        ["unknown aggregation 'mean'", "expected one of: avg, min, med, max, p(N), count, rate, value"],
    ),
    ("p95<3000", ["unknown aggregation 'p95'", "did you mean 'p(95)'?"]),
    ("P(95)<3000", ["unknown aggregation 'P(95)'", "did you mean 'p(95)'?"]),
    ("AVG<3", ["unknown aggregation 'AVG'", "did you mean 'avg'?", "lower-case"]),
    ("avgg<3", ["unknown aggregation 'avgg'", "did you mean 'avg'?"]),
    ("p( 95)<3", ["percentile ' 95' in 'p( 95)' is not a number", "expected e.g. 'p(95)'"]),
    ("p(120)<3000", ["percentile 120 in 'p(120)' must be between 0 and 100"]),
    ("p(-1)<3000", ["percentile -1 in 'p(-1)' must be between 0 and 100"]),
    ("p(100.5)<3000", ["percentile 100.5 in 'p(100.5)' must be between 0 and 100"]),
    ("p()<3000", ["percentile '' in 'p()' is not a number"]),
    ("p(abc)<3000", ["percentile 'abc' in 'p(abc)' is not a number"]),
]


@pytest.mark.parametrize(("source", "fragments"), INVALID)
def test_invalid_expressions_say_what_is_wrong(source: str, fragments: list[str]) -> None:
    with pytest.raises(ThresholdError) as caught:
        parse_expression(source)
    message = str(caught.value)
    assert message.startswith(f"threshold '{source}': ")
    for fragment in fragments:
        assert fragment in message


def test_double_less_than_message_is_exactly_as_documented() -> None:
    with pytest.raises(ThresholdError) as caught:
        parse_expression("p(95)<<3000")
    assert str(caught.value) == (
        "threshold 'p(95)<<3000': '<3000' is not a number; "
        "expected '<aggregation> <operator> <number>', e.g. 'p(95)<3000'"
    )


def test_threshold_error_is_a_value_error() -> None:
    assert issubclass(ThresholdError, ValueError)


@pytest.mark.parametrize(
    ("percentile", "text"),
    [(95.0, "p(95)"), (99.9, "p(99.9)"), (0.0, "p(0)"), (100.0, "p(100)"), (99.99, "p(99.99)")],
)
def test_percentile_names_match_k6_sink_keys(percentile: float, text: str) -> None:
    assert format_percentile(percentile) == text
