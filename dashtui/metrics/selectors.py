"""Submetric keys as k6 writes them: `name{tag:value,tag2:value2}`."""

from __future__ import annotations

from .types import Tags, make_tags

__all__ = ["SelectorError", "parse_metric_key"]


class SelectorError(ValueError):
    """A metric key that k6 would not parse."""


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def parse_metric_key(key: str) -> tuple[str, Tags]:
    """Split `http_req_duration{group:::initial_load}` into the metric name and its selector tags.

    Each `k:v` pair is split on its first colon, so `group:::initial_load` is the tag
    group=`::initial_load` (k6 `metrics/metric.go` ParseMetricName). Quotes around keys and values
    are stripped.
    """
    key = key.strip()
    brace = key.find("{")
    if brace == -1:
        if "}" in key:
            raise SelectorError(f"metric key {key!r} has '}}' without '{{'")
        if not key:
            raise SelectorError("metric key is empty")
        return key, ()
    name = key[:brace].strip()
    if not name:
        raise SelectorError(f"metric key {key!r} has no metric name before '{{'")
    if not key.endswith("}"):
        raise SelectorError(f"metric key {key!r} must end with '}}'")
    body = key[brace + 1 : -1]
    if not body.strip():
        raise SelectorError(f"metric key {key!r} has an empty tag selector '{{}}'")
    pairs: list[tuple[str, str]] = []
    for part in body.split(","):
        tag, sep, value = part.partition(":")
        if not sep:
            raise SelectorError(f"metric key {key!r}: tag selector {part.strip()!r} is not 'tag:value'")
        tag = _unquote(tag)
        if not tag:
            raise SelectorError(f"metric key {key!r}: tag selector {part.strip()!r} has no tag name")
        pairs.append((tag, _unquote(value)))
    return name, make_tags(pairs)
