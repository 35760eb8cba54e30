"""A finished request handed to the metrics sink as one `RequestRecord` with interned tags."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..metrics.aggregator import SampleSink
from ..metrics.types import RequestRecord, Tags

if TYPE_CHECKING:
    from .http import PreparedRequest, Timings

__all__ = ["record_request"]


def record_request(
    sink: SampleSink,
    request: PreparedRequest,
    *,
    vu_tags: Tags,
    timings: Timings,
    status: int,
    expected: bool,
    error: str,
    error_code: int,
    sent_bytes: int,
    received_bytes: int,
    time: float,
    proto: str = "HTTP/1.1",
) -> None:
    """Build the request's record (k6's tags: the VU's, the request's, then name, method, url, status,
    expected_response, proto, error and error_code) and fold it into `sink` in one call."""
    tags = sink.interner.request(
        vu_tags,
        request.tags,
        name=request.name,
        method=request.method,
        url=request.url,
        status=status,
        expected=expected,
        proto=proto,
        error=error,
        error_code=error_code,
    )
    sink.add_request(
        RequestRecord(
            tags,
            time,
            timings.blocked,
            timings.connecting,
            timings.tls_handshaking,
            timings.sending,
            timings.waiting,
            timings.receiving,
            not expected,
            sent_bytes,
            received_bytes,
        )
    )
