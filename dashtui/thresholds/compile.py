"""Turn k6's `thresholds` option into validated `Threshold`s, failing as k6 does before a run starts."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from ..metrics.builtin import Registry
from ..metrics.selectors import SelectorError, parse_metric_key
from ..metrics.types import Metric, MetricType
from ._duration import parse_duration
from .errors import ThresholdConfigError, ThresholdError
from .parser import ParsedExpression, parse_expression
from .results import Threshold

__all__ = [
    "ALLOWED_AGGREGATIONS",
    "ThresholdConfig",
    "aggregation_allowed",
    "compile_thresholds",
    "submetric_keys",
]

ThresholdConfig = Mapping[str, Sequence[str | Mapping[str, object]]]
"""k6's `thresholds` option: metric key → expressions or `{threshold, abortOnFail, delayAbortEval}`."""

ALLOWED_AGGREGATIONS: Mapping[MetricType, tuple[str, ...]] = MappingProxyType(
    {
        MetricType.COUNTER: ("count", "rate"),
        MetricType.GAUGE: ("value",),
        MetricType.RATE: ("rate",),
        MetricType.TREND: ("avg", "min", "max", "med", "p(N)"),
    }
)
"""Per metric type, the aggregations a threshold may use (k6 `metrics/metric_type.go`)."""

_KEY_FORM = "expected 'metric' or 'metric{tag:value}', e.g. 'http_req_duration{name:events}'"
_OBJECT_KEYS = ("threshold", "abortOnFail", "delayAbortEval")
_OBJECT_FORM = (
    "expected an expression such as 'p(95)<3000' or an object with 'threshold' "
    "and optionally 'abortOnFail' and 'delayAbortEval'"
)


def aggregation_allowed(metric_type: MetricType, parsed: ParsedExpression) -> bool:
    """Whether a metric of `metric_type` has the aggregation `parsed` asks for."""
    method = "p(N)" if parsed.percentile is not None else parsed.aggregation
    return method in ALLOWED_AGGREGATIONS[metric_type]


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, Sequence):
        return "a list"
    return f"a {type(value).__name__}"


def _unknown_metric(key: str, name: str, registry: Registry) -> ThresholdConfigError:
    names = sorted(metric.name for metric in registry)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        hint = "did you mean " + " or ".join(f"'{candidate}'" for candidate in close) + "?"
    else:
        hint = (
            "thresholds apply to k6's built-in metrics (such as http_req_duration, http_req_failed, "
            "checks) and to the scenario's custom metrics"
        )
    return ThresholdConfigError(key, f"no metric named '{name}'; {hint}")


def _entry(key: str, index: int, entry: object) -> tuple[str, bool, float]:
    """The expression, abortOnFail and delayAbortEval (seconds) of one item of a key's list."""
    if isinstance(entry, str):
        return entry, False, 0.0
    if not isinstance(entry, Mapping):
        raise ThresholdConfigError(key, f"item {index} is {_kind(entry)}; {_OBJECT_FORM}")
    for field in entry:
        if field not in _OBJECT_KEYS:
            close = difflib.get_close_matches(str(field), _OBJECT_KEYS, n=1, cutoff=0.5)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ThresholdConfigError(
                key, f"item {index} has unknown key '{field}'{hint}; expected {', '.join(_OBJECT_KEYS)}"
            )
    source = entry.get("threshold")
    if source is None:
        raise ThresholdConfigError(key, f"item {index} has no 'threshold' key; {_OBJECT_FORM}")
    if not isinstance(source, str):
        raise ThresholdConfigError(
            key, f"item {index}: 'threshold' is {_kind(source)}; expected an expression such as 'p(95)<3000'"
        )
    abort = entry.get("abortOnFail", False)
    if not isinstance(abort, bool):
        raise ThresholdConfigError(
            key, f"threshold '{source}': abortOnFail is {_kind(abort)}; expected true or false"
        )
    delay = 0.0
    if "delayAbortEval" in entry:
        try:
            delay = parse_duration(entry["delayAbortEval"])
        except ValueError as error:
            raise ThresholdConfigError(key, f"threshold '{source}': delayAbortEval {error}") from None
    return source, abort, delay


def _compile_key(key: str, entries: object, registry: Registry) -> list[Threshold]:
    try:
        name, _selector = parse_metric_key(key)
    except SelectorError as error:
        raise ThresholdConfigError(key, f"{error}; {_KEY_FORM}") from None
    metric: Metric | None = registry.get(name)
    if metric is None:
        raise _unknown_metric(key, name, registry)
    if isinstance(entries, str | Mapping) or not isinstance(entries, Sequence):
        example = f"['{entries}']" if isinstance(entries, str) else "['p(95)<3000']"
        raise ThresholdConfigError(
            key, f"found {_kind(entries)}; expected a list of expressions, e.g. {example}"
        )
    compiled: list[Threshold] = []
    for index, entry in enumerate(entries, start=1):
        source, abort, delay = _entry(key, index, entry)
        try:
            parsed = parse_expression(source)
        except ThresholdError as error:
            raise ThresholdConfigError(key, str(error)) from None
        if not aggregation_allowed(metric.type, parsed):
            allowed = ", ".join(ALLOWED_AGGREGATIONS[metric.type])
            raise ThresholdConfigError(
                key,
                f"threshold '{source}' on '{key}': aggregation '{parsed.aggregation}' is not available "
                f"for a {metric.type.value} metric; use one of: {allowed}",
            )
        compiled.append(
            Threshold(
                metric_key=key,
                source=source,
                aggregation=parsed.aggregation,
                operator=parsed.operator,
                limit=parsed.limit,
                abort_on_fail=abort,
                delay_abort_eval=delay,
                metric_type=metric.type,
            )
        )
    return compiled


def compile_thresholds(config: ThresholdConfig, registry: Registry) -> tuple[Threshold, ...]:
    """Validate every key and expression as k6 does at start-up and return them in config order.

    Raises `ThresholdConfigError` for an unknown metric, a bad submetric selector, a malformed
    expression or an aggregation the metric's type lacks (k6 exits 104 for all of them).
    """
    if not isinstance(config, Mapping):
        raise ThresholdError(
            f"thresholds: found {_kind(config)}; expected a table of metric key → list of expressions, "
            "e.g. {http_req_duration = ['p(95)<3000']}"
        )
    compiled: list[Threshold] = []
    for key, entries in config.items():
        if not isinstance(key, str):
            raise ThresholdError(f"thresholds: key {key!r} is not a string; expected a metric key")
        compiled.extend(_compile_key(key, entries, registry))
    return tuple(compiled)


def submetric_keys(thresholds: Iterable[Threshold]) -> tuple[str, ...]:
    """The submetric keys among `thresholds`, once each, in order: what the aggregator must `track`."""
    keys: dict[str, None] = {}
    for threshold in thresholds:
        if "{" in threshold.metric_key and parse_metric_key(threshold.metric_key)[1]:
            keys.setdefault(threshold.metric_key, None)
    return tuple(keys)
