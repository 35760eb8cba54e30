"""dashtui's wire format: versioned, compact, JSON-able encodings of deltas and snapshots (never pickles).

Every message is a JSON object with `"v": WIRE_VERSION`; a message of another version is refused with
`WireError`. Trend digests travel as their stored cells (exact samples, or bucket keys and weights), so
a merge on the coordinator equals the merge in one process. Exact samples travel as base64 of
little-endian float64 (~60% of their JSON size, encoded ~15x faster); other floats survive JSON
exactly (shortest repr); infinities (an empty min/max) travel as null.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from types import MappingProxyType
from typing import Any, cast

from ..engine.selfmon import GeneratorHealth, LoadFigures
from ..metrics.digest import DigestState, TrendDigest
from ..metrics.sinks import CounterSink, GaugeSink, RateSink, Sink, TrendSink
from ..metrics.snapshot import CheckStats, EndpointStats, FailureRecord, MetricData, Snapshot, WindowStats
from ..metrics.types import Metric, MetricType, Tags, ValueType
from .protocol import Progress, RunStatus, ScenarioProgress
from .worker import Delta

__all__ = [
    "WIRE_VERSION",
    "WireError",
    "decode_delta",
    "decode_progress",
    "decode_snapshot",
    "dumps",
    "encode_delta",
    "encode_progress",
    "encode_snapshot",
    "loads",
]

WIRE_VERSION = 2

Json = dict[str, Any]


class WireError(ValueError):
    """A message this dashtui cannot read: another wire version, or not a dashtui message at all."""


def dumps(message: Mapping[str, Any]) -> bytes:
    """One message as one line of compact JSON, stamped with the wire version."""
    return json.dumps({"v": WIRE_VERSION, **message}, separators=(",", ":"), allow_nan=False).encode() + b"\n"


def loads(line: bytes | str) -> Json:
    """One message, checked for the wire version."""
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise WireError(f"not a dashtui wire message: {exc}") from None
    if not isinstance(message, dict):
        raise WireError(f"not a dashtui wire message: expected an object, found {type(message).__name__}")
    version = message.get("v")
    if version != WIRE_VERSION:
        raise WireError(
            f"wire format version {version!r}, this dashtui reads version {WIRE_VERSION}: "
            "run the same dashtui version on the coordinator and every worker"
        )
    return message


def _num(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _float(value: float | None, empty: float) -> float:
    return empty if value is None else float(value)


def _pack(values: Sequence[float]) -> str:
    """Exact samples as base64 of little-endian float64: 10.7 characters a sample, at C speed."""
    packed = array("d", values)
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(text: str) -> array[float]:
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise WireError(f"malformed exact samples: {exc}") from None
    if len(raw) % 8:
        raise WireError(f"malformed exact samples: {len(raw)} bytes is not a whole number of float64")
    values = array("d", raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _digest(d: TrendDigest) -> Json:
    s = d.state()
    out: Json = {
        "n": s.count,
        "sum": s.total,
        "min": _num(s.min),
        "max": _num(s.max),
        "lim": s.exact_limit,
        "acc": s.relative_accuracy,
    }
    if s.exact is not None:
        out["x"] = _pack(s.exact)
    else:
        out["k"] = [k for k, _ in s.buckets]
        out["w"] = [w for _, w in s.buckets]
        out["z"] = s.zeros
    return out


def _undigest(o: Json) -> TrendDigest:
    exact = o.get("x")
    return TrendDigest.from_state(
        DigestState(
            count=int(o["n"]),
            total=float(o["sum"]),
            min=_float(o["min"], math.inf),
            max=_float(o["max"], -math.inf),
            exact_limit=int(o["lim"]),
            relative_accuracy=float(o["acc"]),
            exact=_unpack(str(exact)) if exact is not None else None,
            buckets=tuple(
                zip((int(k) for k in o.get("k", ())), (int(w) for w in o.get("w", ())), strict=True)
            ),
            zeros=int(o.get("z", 0)),
        )
    )


def _sink(sink: Sink) -> list[Any]:
    if isinstance(sink, CounterSink):
        return ["counter", sink.count, sink.first]
    if isinstance(sink, GaugeSink):
        return ["gauge", sink.value, _num(sink.min), _num(sink.max), sink.empty]
    if isinstance(sink, RateSink):
        return ["rate", sink.passes, sink.total]
    if isinstance(sink, TrendSink):
        return ["trend", _digest(sink.digest)]
    raise WireError(f"no wire encoding for sink {type(sink).__name__}")


def _unsink(o: list[Any]) -> Sink:
    kind = o[0]
    if kind == "counter":
        counter = CounterSink()
        counter.count, counter.first = float(o[1]), bool(o[2])
        return counter
    if kind == "gauge":
        gauge = GaugeSink()
        gauge.value, gauge.min, gauge.max, gauge.empty = (
            float(o[1]),
            _float(o[2], math.inf),
            _float(o[3], -math.inf),
            bool(o[4]),
        )
        return gauge
    if kind == "rate":
        rate = RateSink()
        rate.passes, rate.total = int(o[1]), int(o[2])
        return rate
    if kind == "trend":
        return TrendSink(_undigest(o[1]))
    raise WireError(f"unknown sink kind {kind!r}: expected counter, gauge, rate or trend")


def _tags(tags: Tags) -> list[list[str]]:
    return [[k, v] for k, v in tags]


def _untags(o: list[list[str]]) -> Tags:
    return tuple((str(k), str(v)) for k, v in o)


def encode_snapshot(snapshot: Snapshot) -> Json:
    """A snapshot (or a worker's delta) as plain data."""
    return {
        "elapsed": snapshot.elapsed,
        "metrics": [
            [key, d.metric.name, d.metric.type.value, d.metric.contains.value, d.parent, _tags(d.selector)]
            + [_sink(d.sink)]
            for key, d in snapshot.metrics.items()
        ],
        "endpoints": [
            [
                e.name,
                e.method,
                e.requests,
                e.failed,
                dict(e.status_classes),
                _digest(e.duration.digest),
                e.last_status,
                e.last_error,
            ]
            for e in snapshot.endpoints.values()
        ],
        "checks": [[c.group, c.name, c.passes, c.fails] for c in snapshot.checks.values()],
        "groups": [[path, _digest(sink.digest)] for path, sink in snapshot.groups.items()],
        "windows": [
            [
                w.index,
                w.requests,
                w.failed,
                w.p50,
                w.p95,
                w.p99,
                w.max,
                w.vus,
                w.iterations,
                dict(w.endpoint_requests),
                w.realtime_messages,
            ]
            for w in snapshot.windows
        ],
        "failures": [
            [f.elapsed, f.name, f.status, f.error, f.body_excerpt, f.error_code] for f in snapshot.failures
        ],
    }


def decode_snapshot(o: Json) -> Snapshot:
    try:
        metrics = {
            m[0]: MetricData(
                Metric(str(m[1]), MetricType(m[2]), ValueType(m[3])),
                _unsink(m[6]),
                m[4],
                _untags(m[5]),
            )
            for m in o["metrics"]
        }
        endpoints = {
            e[0]: EndpointStats(
                name=e[0],
                method=e[1],
                requests=int(e[2]),
                failed=int(e[3]),
                status_classes=MappingProxyType({str(k): int(v) for k, v in e[4].items()}),
                duration=TrendSink(_undigest(e[5])),
                last_status=int(e[6]),
                last_error=str(e[7]),
            )
            for e in o["endpoints"]
        }
        checks = {(c[0], c[1]): CheckStats(c[0], c[1], int(c[2]), int(c[3])) for c in o["checks"]}
        windows = tuple(
            WindowStats(
                index=int(w[0]),
                requests=int(w[1]),
                failed=int(w[2]),
                p50=float(w[3]),
                p95=float(w[4]),
                p99=float(w[5]),
                max=float(w[6]),
                vus=float(w[7]),
                iterations=int(w[8]),
                endpoint_requests=MappingProxyType({str(k): int(v) for k, v in w[9].items()}),
                realtime_messages=int(w[10]),
            )
            for w in o["windows"]
        )
        return Snapshot(
            elapsed=float(o["elapsed"]),
            metrics=MappingProxyType(metrics),
            endpoints=MappingProxyType(endpoints),
            checks=MappingProxyType(checks),
            groups=MappingProxyType({g[0]: TrendSink(_undigest(g[1])) for g in o["groups"]}),
            windows=windows,
            failures=tuple(
                FailureRecord(float(f[0]), f[1], int(f[2]), f[3], f[4], int(f[5])) for f in o["failures"]
            ),
        )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        if isinstance(exc, WireError):
            raise
        raise WireError(f"malformed snapshot: {type(exc).__name__}: {exc}") from None


def encode_progress(progress: Progress) -> Json:
    """A worker's progress; its `workers` list is the coordinator's business and does not travel."""
    out = asdict(progress)
    out.pop("workers", None)
    return out


def _health(o: Json | None) -> GeneratorHealth | None:
    if o is None:
        return None
    fields: dict[str, Any] = dict(o)
    for key in ("window", "whole_run", "peak"):
        if key in fields:
            fields[key] = LoadFigures(**fields[key])
    try:
        return GeneratorHealth(**fields)
    except TypeError as exc:
        raise WireError(f"malformed generator health: {exc}") from None


def decode_progress(o: Json) -> Progress:
    try:
        return Progress(
            elapsed=float(o["elapsed"]),
            planned=float(o["planned"]),
            vus=int(o["vus"]),
            vus_max=int(o["vus_max"]),
            complete=int(o["complete"]),
            interrupted=int(o["interrupted"]),
            scenarios=tuple(ScenarioProgress(**s) for s in o["scenarios"]),
            status=RunStatus(**o["status"]),
            loop_lag_ms=float(o["loop_lag_ms"]),
            cpu_percent=float(o["cpu_percent"]),
            vu_changes=tuple((float(t), int(d)) for t, d in o["vu_changes"]),
            health=_health(o.get("health")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WireError(f"malformed progress: {type(exc).__name__}: {exc}") from None


def encode_delta(delta: Delta) -> Json:
    """A worker's delta as one message body (`dumps` adds the version)."""
    return {
        "type": "delta",
        "worker": delta.worker,
        "seq": delta.seq,
        "elapsed": delta.elapsed,
        "final": delta.final,
        "snapshot": encode_snapshot(delta.snapshot),
        "progress": encode_progress(delta.progress),
        "health": dict(delta.health),
    }


def decode_delta(o: Json) -> Delta:
    if o.get("type") != "delta":
        raise WireError(f"expected a delta message, found type {o.get('type')!r}")
    return Delta(
        worker=str(o["worker"]),
        seq=int(o["seq"]),
        elapsed=float(o["elapsed"]),
        snapshot=decode_snapshot(cast(Json, o["snapshot"])),
        progress=decode_progress(cast(Json, o["progress"])),
        health=MappingProxyType(dict(o.get("health") or {})),
        final=bool(o["final"]),
    )
