"""One HTTP request as k6 measures it: phases from dashtui's transport or httpcore's trace, k6's metrics."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..clock import Clock
from ..metrics.aggregator import SampleSink
from ..metrics.types import Tags
from .errors import classify_error, status_error
from .phases import PHASES, WIRE, PhaseMarks, Wire
from .records import record_request

__all__ = ["HttpResult", "PreparedRequest", "Timings", "perform"]


def _expected_default(status: int) -> bool:
    return 200 <= status <= 399


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A request with everything resolved (URL, headers, body), ready to send many times."""

    method: str
    url: str
    name: str
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None
    timeout: float = 60.0
    is_expected: Callable[[int], bool] = _expected_default
    tags: Tags = ()
    spec: Any = None
    """The scenario's RequestSpec this was prepared from (checks live there)."""
    parsed_url: httpx.URL = field(init=False, repr=False, compare=False)
    """Parsed once: httpx parses a string URL on every request, a measurable share of a request's CPU."""
    timeouts: dict[str, float] = field(init=False, repr=False, compare=False)
    https: bool = field(init=False, repr=False, compare=False)
    _templates: dict[str, tuple[httpx.Request, Wire, int]] = field(init=False, repr=False, compare=False)
    """Per User-Agent: the request httpx builds, what aiohttp is handed, and its size on the wire."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "parsed_url", httpx.URL(self.url))
        object.__setattr__(
            self, "timeouts", dict.fromkeys(("connect", "read", "write", "pool"), self.timeout)
        )
        object.__setattr__(self, "_templates", {})
        object.__setattr__(self, "https", self.parsed_url.scheme == "https")

    def http_request(self, user_agent: str, extensions: dict[str, Any]) -> httpx.Request:
        """This request as an `httpx.Request` with the headers an httpx client would send.

        The first is built by httpx; later ones copy its attributes and share its headers and body (about
        1 µs instead of 45), so a request handed out here must not be mutated. It carries the request's
        `Wire` (extension `dashtui.wire`): dashtui's transport then hands aiohttp what was built once.
        """
        request: httpx.Request = object.__new__(httpx.Request)
        template, wire, _ = self._template(user_agent)
        request.__dict__.update(template.__dict__)
        request.extensions = {**extensions, WIRE: wire}
        return request

    def sent_size(self, user_agent: str) -> int:
        """Bytes of this request on the wire (head and body), as `http_request` builds it."""
        return self._template(user_agent)[2]

    def _template(self, user_agent: str) -> tuple[httpx.Request, Wire, int]:
        found = self._templates.get(user_agent)
        if found is None:
            headers = httpx.Headers({"Accept": "*/*", "Accept-Encoding": "gzip, deflate"})
            headers["User-Agent"] = user_agent
            headers.update(self.headers)
            template = httpx.Request(self.method, self.parsed_url, headers=headers, content=self.content)
            found = (template, Wire(template, self.timeouts), _request_size(self, template))
            self._templates[user_agent] = found
        return found

    @property
    def host(self) -> str:
        return self.parsed_url.netloc.decode("ascii", "replace")


@dataclass(slots=True)
class Timings:
    """k6's phases in milliseconds."""

    blocked: float = 0.0
    connecting: float = 0.0
    tls_handshaking: float = 0.0
    sending: float = 0.0
    waiting: float = 0.0
    receiving: float = 0.0

    @property
    def duration(self) -> float:
        """k6's http_req_duration: sending + waiting + receiving."""
        return self.sending + self.waiting + self.receiving


@dataclass(slots=True)
class HttpResult:
    """What a request gave: enough for checks, metrics and the failures list."""

    request: PreparedRequest
    status: int
    body: bytes
    headers: httpx.Headers
    timings: Timings
    error: str = ""
    error_code: int = 0
    expected: bool = False
    _json: Any = None
    _json_loaded: bool = False

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        if not self._json_loaded:
            self._json_loaded = True
            try:
                self._json = json.loads(self.body) if self.body else None
            except ValueError:
                self._json = None
        return self._json


class _Trace:
    """Collects httpcore trace events (which must be async callbacks for an AsyncClient)."""

    __slots__ = ("clock", "marks")

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.marks: dict[str, float] = {}

    async def __call__(self, event: str, info: dict[str, Any]) -> None:
        self.marks[event] = self.clock.now()


def _span(marks: Mapping[str, float], start: str, end: str) -> float:
    a, b = marks.get(start), marks.get(end)
    return max(0.0, (b - a) * 1000.0) if a is not None and b is not None else 0.0


def _request_size(request: PreparedRequest, sent: httpx.Request | None) -> int:
    headers = sent.headers if sent is not None else httpx.Headers(dict(request.headers))
    size = len(request.method) + len(request.parsed_url.raw_path) + len(" HTTP/1.1\r\n")
    size += sum(len(k) + len(v) + 4 for k, v in headers.raw) + 2
    return size + (len(request.content) if request.content else 0)


def _sent_size(
    request: PreparedRequest, sent: httpx.Request | None, user_agent: str, phases: PhaseMarks | None
) -> int:
    return request.sent_size(user_agent) if phases is not None else _request_size(request, sent)


def _was_sent(status: int, phases: PhaseMarks | None, trace: _Trace | None) -> bool:
    """Whether any byte of the request can have left: k6 counts data_sent from the socket, so a
    request that never got a connection (refused, DNS, dial timeout) sent nothing."""
    if status:
        return True
    if phases is not None:
        return bool(phases.got_conn)
    return trace is not None and any(mark.endswith("send_request_headers.started") for mark in trace.marks)


def _response_size(response: httpx.Response) -> int:
    head = len("HTTP/1.1 000 \r\n") + len(response.reason_phrase)
    head += sum(len(k) + len(v) + 4 for k, v in response.headers.raw) + 2
    return head + response.num_bytes_downloaded


def _ms(start: float, end: float) -> float:
    return max(0.0, (end - start) * 1000.0) if start and end else 0.0


def _phase_timings(marks: PhaseMarks) -> Timings:
    """k6's phases from the fast transport's stamps (k6's blocked includes the DNS lookup)."""
    timings = Timings()
    begun = marks.connect_start if marks.connect_start and not marks.reused else marks.got_conn
    timings.blocked = _ms(marks.start, begun)
    if not marks.reused:
        timings.connecting = _ms(marks.connect_start, marks.connect_end)
        timings.tls_handshaking = _ms(marks.tls_start, marks.tls_end)
    timings.sending = _ms(marks.got_conn, marks.send_end)
    timings.waiting = _ms(marks.send_end, marks.first_byte)
    timings.receiving = _ms(marks.first_byte, marks.body_end)
    return timings


def _trace_timings(marks: Mapping[str, float], start: float, end: float) -> Timings:
    """k6's phases from httpcore's trace (HTTP/1.1 or HTTP/2), or from the response alone (mocks)."""
    timings = Timings()
    prefix = "http11." if "http11.send_request_headers.started" in marks else "http2."
    if prefix + "send_request_headers.started" in marks:
        timings.blocked = max(0.0, (marks[prefix + "send_request_headers.started"] - start) * 1000.0)
        timings.connecting = _span(marks, "connection.connect_tcp.started", "connection.connect_tcp.complete")
        timings.tls_handshaking = _span(
            marks, "connection.start_tls.started", "connection.start_tls.complete"
        )
        body_done = prefix + "send_request_body.complete"
        timings.sending = _span(marks, prefix + "send_request_headers.started", body_done)
        first_byte = marks.get(
            prefix + "receive_response_headers.complete", marks.get("dashtui.headers", end)
        )
        timings.waiting = max(0.0, (first_byte - marks.get(body_done, first_byte)) * 1000.0)
        timings.receiving = max(0.0, (marks.get("dashtui.body", end) - first_byte) * 1000.0)
    else:
        first_byte = marks.get("dashtui.headers", end)
        timings.waiting = max(0.0, (first_byte - start) * 1000.0)
        timings.receiving = max(0.0, (marks.get("dashtui.body", end) - first_byte) * 1000.0)
    return timings


def _proto(response: httpx.Response) -> str:
    """The negotiated protocol as k6 writes it (`HTTP/1.1`, `HTTP/2.0`)."""
    version = response.http_version
    return "HTTP/2.0" if version == "HTTP/2" else version


async def perform(
    client: httpx.AsyncClient | None,
    request: PreparedRequest,
    *,
    clock: Clock,
    tags: Tags,
    sink: SampleSink,
    transport: httpx.AsyncBaseTransport | None = None,
    user_agent: str = "dashtui/0.1",
    queueing: Callable[[float], None] | None = None,
) -> HttpResult:
    """Send `request`, fold one `RequestRecord` (stamped at request end) into `sink`, return the result.

    With `transport` (dashtui's own, engine/transport.py) the request goes straight to it, prebuilt, and
    its phases come from the transport's stamps; `queueing` then gets, in ms, how long the body waited
    between the socket and this coroutine, and `client` may be None. Otherwise it goes through `client` and
    httpcore's trace.
    Network failures do not raise: they become status 0 with k6's error and error_code tags.
    """
    if client is None and transport is None:
        raise ValueError("perform: no transport and no client to send the request through")
    start = clock.now()
    sent: httpx.Request | None = None
    status = 0
    body = b""
    headers: httpx.Headers | None = None
    error = ""
    error_code = 0
    received = 0
    proto = "HTTP/1.1"
    trace: _Trace | None = None
    phases: PhaseMarks | None = None
    try:
        if transport is not None:
            phases = PhaseMarks()
            phases.start = start
            sent = request.http_request(user_agent, {"timeout": request.timeouts, PHASES: phases})
            response = await transport.handle_async_request(sent)
            body = await response.aread()
            phases.resumed = clock.now()
        else:
            assert client is not None
            trace = _Trace(clock)
            sent = client.build_request(
                request.method,
                request.parsed_url,
                headers=request.headers,
                content=request.content,
                timeout=request.timeout,
                extensions={"trace": trace},
            )
            response = await client.send(sent, stream=True)
            try:
                trace.marks.setdefault("dashtui.headers", clock.now())
                body = await response.aread()
            finally:
                await response.aclose()
            trace.marks["dashtui.body"] = clock.now()
        status = response.status_code
        headers = response.headers
        received = phases.received if phases is not None else _response_size(response)
        proto = _proto(response)
        error, error_code = status_error(status, response.reason_phrase)
    except Exception as exc:  # every failure of a request is a measurement, not a crash
        error, error_code = classify_error(exc)
    end = clock.now()
    if phases is not None:
        timings = _phase_timings(phases)
        if queueing is not None and phases.body_end and phases.resumed:
            queueing(_ms(phases.body_end, phases.resumed))
    else:
        timings = _trace_timings(trace.marks if trace is not None else {}, start, end)
    expected = status != 0 and request.is_expected(status)
    record_request(
        sink,
        request,
        vu_tags=tags,
        timings=timings,
        status=status,
        expected=expected,
        error=error,
        error_code=error_code,
        sent_bytes=_sent_size(request, sent, user_agent, phases) if _was_sent(status, phases, trace) else 0,
        received_bytes=received,
        time=end,
        proto=proto,
    )
    return HttpResult(
        request=request,
        status=status,
        body=body,
        headers=headers if headers is not None else httpx.Headers(),
        timings=timings,
        error=error,
        error_code=error_code,
        expected=expected,
    )
