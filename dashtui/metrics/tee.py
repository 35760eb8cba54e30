"""A sink that folds into the aggregator and also hands every sample to per-sample writers (`--out json=…`).

Only built when a per-sample output was asked for: without one the engine writes straight into the aggregator.
k6 emits `data_sent`/`data_received` once per iteration with the VU's tags; dashtui measures them per request,
so here they are written per request with the VU's tags only (the same sums, the same tag sets as k6).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from .aggregator import SampleSink
from .snapshot import FailureRecord
from .tags import TagInterner
from .types import HTTP_REQUEST_METRICS, RequestRecord, Sample, Tags

__all__ = ["SampleWriter", "TeeSink"]

_REQUEST_TAGS = frozenset(
    ("name", "method", "url", "status", "expected_response", "proto", "error", "error_code", "tls_version")
)
_CACHE_LIMIT = 4096


class SampleWriter(Protocol):
    """Somewhere one sample at a time goes: k6's NDJSON or CSV output."""

    def write(self, metric: str, value: float, tags: Tags, time: float) -> None:
        """One sample of `metric` at monotonic `time`."""
        ...

    def close(self) -> None:
        """Flush and close; called once at the end of the run."""
        ...


class TeeSink(SampleSink):
    """Folds everything into `primary` and writes each sample to every writer, in k6's emission order."""

    def __init__(
        self,
        primary: SampleSink,
        writers: Sequence[SampleWriter],
        *,
        on_error: Callable[[SampleWriter, OSError], None] | None = None,
    ) -> None:
        """`on_error`: told once when a writer fails (a full disk); that writer is closed and dropped, the run
        and the other writers go on."""
        self.primary = primary
        self.writers = tuple(writers)
        self.on_error = on_error
        self._data_tags: dict[Tags, Tags] = {}

    def _drop(self, writer: SampleWriter, error: OSError) -> None:
        self.writers = tuple(w for w in self.writers if w is not writer)
        try:
            writer.close()
        except OSError:
            pass
        if self.on_error is not None:
            self.on_error(writer, error)

    def _without_request(self, tags: Tags) -> Tags:
        """The VU's own tags of a request's tag set (k6 tags data_sent/data_received so)."""
        found = self._data_tags.get(tags)
        if found is None:
            found = tuple(pair for pair in tags if pair[0] not in _REQUEST_TAGS)
            if len(self._data_tags) < _CACHE_LIMIT:
                self._data_tags[tags] = found
        return found

    @property
    def interner(self) -> TagInterner:
        return self.primary.interner

    def add(self, sample: Sample) -> None:
        self.primary.add(sample)
        for writer in self.writers:
            try:
                writer.write(sample.metric, sample.value, sample.tags, sample.time)
            except OSError as error:
                self._drop(writer, error)

    def add_request(self, record: RequestRecord) -> None:
        self.primary.add_request(record)
        tags, time = record.tags, record.time
        values = (
            1.0,
            record.sending + record.waiting + record.receiving,
            record.blocked,
            record.connecting,
            record.tls_handshaking,
            record.sending,
            record.waiting,
            record.receiving,
            1.0 if record.failed else 0.0,
            float(record.sent_bytes),
            float(record.received_bytes),
        )
        data_tags = self._without_request(tags)
        for writer in self.writers:
            write = writer.write
            try:
                for metric, value in zip(HTTP_REQUEST_METRICS[:9], values, strict=False):
                    write(metric, value, tags, time)
                write("data_sent", values[9], data_tags, time)
                write("data_received", values[10], data_tags, time)
            except OSError as error:
                self._drop(writer, error)

    def add_check(self, tags: Tags, name: str, ok: bool, time: float) -> None:
        self.primary.add_check(tags, name, ok, time)
        check_tags = self.interner.with_tag(tags, "check", name)
        for writer in self.writers:
            try:
                writer.write("checks", 1.0 if ok else 0.0, check_tags, time)
            except OSError as error:
                self._drop(writer, error)

    def add_failure(self, record: FailureRecord) -> None:
        self.primary.add_failure(record)

    def close(self) -> None:
        """Close every writer (each once), even when one fails; the first error is raised after."""
        error: BaseException | None = None
        for writer in self.writers:
            try:
                writer.close()
            except Exception as exc:
                error = error or exc
        if error is not None:
            raise error
