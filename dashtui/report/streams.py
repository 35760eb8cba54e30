"""k6's per-sample outputs: `--out json=FILE` (NDJSON `Metric` and `Point` lines) and `--out csv=FILE`.

Lines are written as samples arrive, through a buffered file (gzip when the name ends in `.gz`), so memory
stays flat however long the run. The engine's clock is monotonic; times are placed on the wall clock with one
(wall, monotonic) pair read together when the writer is made. Tag values pass through `redact` once per tag
set (tag sets are interned, so the cache stays small; past its cap values are redacted per sample).

Stream files are opened and written in place, as k6 does, so a FIFO or `/dev/stdout` works and a reader can
follow the file during the run; they are not end-of-run reports written in one step.
"""

from __future__ import annotations

import gzip
import io
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO
from urllib.parse import quote

from ..clock import Clock
from ..metrics.builtin import Registry
from ..metrics.types import Metric, Tags
from ..secrets import redact

__all__ = [
    "CSV_COLUMNS",
    "STREAM_KINDS",
    "CsvWriter",
    "MetricInfo",
    "NdjsonWriter",
    "StreamSpec",
    "WallTime",
    "open_stream",
    "parse_out",
]

STREAM_KINDS = ("json", "csv")
CSV_COLUMNS = (
    "metric_name",
    "timestamp",
    "metric_value",
    "check",
    "error",
    "error_code",
    "expected_response",
    "group",
    "method",
    "name",
    "proto",
    "scenario",
    "service",
    "status",
    "subproto",
    "tls_version",
    "url",
    "extra_tags",
    "metadata",
)
_CSV_TAGS = CSV_COLUMNS[3:17]
_CACHE_LIMIT = 4096
_BUFFER = 1 << 16


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """One `--out TYPE=PATH` of a per-sample kind."""

    kind: str
    path: Path


def parse_out(value: str) -> StreamSpec | Path:
    """`json=FILE` / `csv=FILE` → a stream; anything else is a path (the handleSummary JSON, as before)."""
    kind, sep, rest = value.partition("=")
    if sep and kind in STREAM_KINDS:
        if not rest:
            raise ValueError(f"--out {value!r}: expected {kind}=FILE, with a file name after '='")
        return StreamSpec(kind, Path(rest))
    return Path(value)


def worker_path(path: Path, worker: str) -> Path:
    """Where one worker of several writes a per-sample output named `path`: the worker's name before the
    first suffix, so each file keeps its kind and compression (`samples.json.gz` → `samples.w1.json.gz`)."""
    name = path.name
    dot = name.find(".", 1)
    stem, suffixes = (name, "") if dot < 0 else (name[:dot], name[dot:])
    return path.with_name(f"{stem}.{worker}{suffixes}")


@dataclass(frozen=True, slots=True)
class WallTime:
    """Monotonic seconds → wall-clock seconds, from one pair of readings taken together."""

    wall: float
    mono: float

    @classmethod
    def now(cls, clock: Clock) -> WallTime:
        return cls(clock.wall(), clock.now())

    def __call__(self, mono: float) -> float:
        return self.wall + (mono - self.mono)


@dataclass(frozen=True, slots=True)
class MetricInfo:
    """What a `Metric` line says besides the metric: threshold sources and tracked submetric keys."""

    thresholds: Mapping[str, Sequence[str]] = field(default_factory=dict)
    submetrics: Mapping[str, Sequence[str]] = field(default_factory=dict)


def open_stream(path: Path) -> TextIO:
    """The file a stream is written to: gzip-compressed when its name ends in `.gz`."""
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        return io.TextIOWrapper(
            gzip.GzipFile(filename=os.fspath(path), mode="wb", compresslevel=6),
            encoding="utf-8",
            newline="\n",
            write_through=False,
        )
    return open(path, "w", encoding="utf-8", newline="\n", buffering=_BUFFER)  # noqa: SIM115


class _TagCache:
    """Per tag set, something derived from its redacted values; bounded, recomputed past the cap."""

    def __init__(self, secrets: Iterable[str], build: Callable[[dict[str, str]], str]) -> None:
        self._secrets = tuple(secrets)
        self._build = build
        self._cache: dict[Tags, str] = {}

    def get(self, tags: Tags) -> str:
        found = self._cache.get(tags)
        if found is None:
            found = self._build({k: redact(v, self._secrets) for k, v in tags})
            if len(self._cache) < _CACHE_LIMIT:
                self._cache[tags] = found
        return found


class _StreamBase:
    def __init__(self, path: Path, *, clock: Clock, secrets: Iterable[str]) -> None:
        self.path = path
        self.to_wall = WallTime.now(clock)
        self.secrets = tuple(secrets)
        self.handle = open_stream(path)
        self.lines = 0
        self._closed = False

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.handle.close()


def _go_float(value: float) -> str:
    """A JSON number as Go's encoding/json writes a float64: integers without `.0`."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


class NdjsonWriter(_StreamBase):
    """k6's `--out json`: a `Metric` line when a metric is first seen, then one `Point` line per sample."""

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock,
        registry: Registry,
        info: MetricInfo = MetricInfo(),
        secrets: Iterable[str] = (),
    ) -> None:
        super().__init__(path, clock=clock, secrets=secrets)
        self.registry = registry
        self.info = info
        self._seen: set[str] = set()
        self._tags = _TagCache(self.secrets, lambda d: json.dumps(d, ensure_ascii=False, sort_keys=True))
        self._second = -1
        self._prefix = ""

    def _metric_line(self, metric: Metric) -> str:
        subs = self.info.submetrics.get(metric.name) or ()
        submetrics = [
            {
                "name": key,
                "suffix": key[key.index("{") + 1 : -1],
                "tags": dict(
                    pair.split(":", 1) for pair in key[key.index("{") + 1 : -1].split(",") if ":" in pair
                ),
            }
            for key in subs
        ]
        line = {
            "type": "Metric",
            "data": {
                "name": metric.name,
                "type": metric.type.value,
                "contains": metric.contains.value,
                "thresholds": list(self.info.thresholds.get(metric.name, ())),
                "submetrics": submetrics or None,
            },
            "metric": metric.name,
        }
        return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"

    def _time(self, mono: float) -> str:
        """RFC 3339 with nanoseconds, trailing zeros trimmed, as Go's time.RFC3339Nano."""
        wall = self.to_wall(mono)
        ns = round(wall * 1e9)
        second, frac = divmod(ns, 1_000_000_000)
        if second != self._second:
            self._second = second
            self._prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        if frac:
            return f"{self._prefix}.{frac:09d}".rstrip("0") + "Z"
        return self._prefix + "Z"

    def write(self, metric: str, value: float, tags: Tags, time: float) -> None:
        if metric not in self._seen:
            known = self.registry.get(metric)
            if known is not None:
                self.handle.write(self._metric_line(known))
            self._seen.add(metric)
        self.handle.write(
            f'{{"metric":{json.dumps(metric)},"type":"Point","data":{{"time":"{self._time(time)}",'
            f'"value":{_go_float(value)},"tags":{self._tags.get(tags)}}}}}\n'
        )
        self.lines += 1


def _csv_field(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_tags(values: dict[str, str]) -> str:
    fixed = ",".join(_csv_field(values.get(key, "")) for key in _CSV_TAGS)
    extra = "&".join(
        f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in sorted(values.items()) if k not in _CSV_TAGS
    )
    return f"{fixed},{_csv_field(extra)},"


class CsvWriter(_StreamBase):
    """k6's `--out csv`: its header, then one row per sample (unix seconds, value with 6 decimals)."""

    def __init__(self, path: Path, *, clock: Clock, secrets: Iterable[str] = ()) -> None:
        super().__init__(path, clock=clock, secrets=secrets)
        self._tags = _TagCache(self.secrets, _csv_tags)
        self.handle.write(",".join(CSV_COLUMNS) + "\n")

    def write(self, metric: str, value: float, tags: Tags, time: float) -> None:
        self.handle.write(f"{metric},{int(self.to_wall(time))},{value:.6f},{self._tags.get(tags)}\n")
        self.lines += 1
