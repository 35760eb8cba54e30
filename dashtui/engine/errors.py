"""Network failures as k6 names them: an `error` message and an `error_code` (k6 `httpext/error_codes.go`)."""

from __future__ import annotations

import errno
import ssl
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import aiohttp

__all__ = ["classify_error", "status_error"]

GENERIC = 1000
INVALID_URL = 1020
TIMEOUT = 1050
DNS = 1100
DNS_NO_IP = 1101
TCP = 1200
BROKEN_PIPE = 1201
DIAL = 1210
DIAL_TIMEOUT = 1211
DIAL_REFUSED = 1212
RESET_BY_PEER = 1220
TLS = 1300
TLS_UNKNOWN_AUTHORITY = 1310
TLS_HOSTNAME = 1311


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _os_error(exc: BaseException) -> tuple[str, int] | None:
    """A socket error by errno, as Go words it."""
    for item in _chain(exc):
        if isinstance(item, ConnectionRefusedError) or getattr(item, "errno", None) == errno.ECONNREFUSED:
            return "dial: connection refused", DIAL_REFUSED
        if isinstance(item, ConnectionResetError) or getattr(item, "errno", None) == errno.ECONNRESET:
            return "read: connection reset by peer", RESET_BY_PEER
        if isinstance(item, BrokenPipeError) or getattr(item, "errno", None) == errno.EPIPE:
            return "write: broken pipe", BROKEN_PIPE
    return None


def _dns(text: str) -> tuple[str, int]:
    lowered = text.lower()
    if "temporary failure" in lowered or "try again" in lowered:
        return "lookup: temporary failure in name resolution", DNS
    if "not known" in lowered or "no address" in lowered or "nodename nor servname" in lowered:
        return "lookup: no such host", DNS_NO_IP
    return f"lookup: {text or 'failed'}", DNS


def _classify_aiohttp(exc: aiohttp.ClientError) -> tuple[str, int]:
    """aiohttp's exceptions (the fast transport) in k6's words."""
    import aiohttp  # already loaded: `exc` is one of its exceptions

    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return classify_error(exc.certificate_error)
    if isinstance(exc, aiohttp.ClientConnectorSSLError):
        return classify_error(exc.os_error)
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return _dns(exc.os_error.strerror or str(exc.os_error))
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return "dial: i/o timeout", DIAL_TIMEOUT
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return "request timeout", TIMEOUT
    if isinstance(exc, aiohttp.ClientConnectorError):
        found = _os_error(exc.os_error)
        return found or (f"dial: {exc.os_error.strerror or exc.os_error}", DIAL)
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError):
        return f"invalid URL: {exc}", INVALID_URL
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "EOF", GENERIC
    if isinstance(exc, aiohttp.TooManyRedirects):
        return f"stopped after {len(exc.history)} redirects", GENERIC
    found = _os_error(exc)
    if found is not None:
        return found
    if isinstance(exc, aiohttp.ClientOSError):
        return f"read: {exc.strerror or exc}", TCP
    if isinstance(exc, aiohttp.ClientPayloadError):
        return "unexpected EOF", GENERIC
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"malformed response: {exc.message}", GENERIC
    return str(exc) or type(exc).__name__, GENERIC


def classify_error(exc: BaseException) -> tuple[str, int]:
    """Map an exception raised while making a request to k6's (error, error_code) pair."""
    if type(exc).__module__.startswith("aiohttp."):
        import aiohttp

        if isinstance(exc, aiohttp.ClientError):
            return _classify_aiohttp(exc)
    chain = _chain(exc)
    for item in chain:
        if isinstance(item, ssl.SSLCertVerificationError):
            message = str(item.verify_message or item)
            if "hostname" in message.lower() or "mismatch" in message.lower():
                return f"x509: {message}", TLS_HOSTNAME
            return f"x509: {message}", TLS_UNKNOWN_AUTHORITY
        if isinstance(item, ssl.SSLError):
            return f"tls: {getattr(item, 'reason', None) or item}", TLS
    if isinstance(exc, httpx.ConnectTimeout):
        return "dial: i/o timeout", DIAL_TIMEOUT
    if isinstance(exc, httpx.TimeoutException):
        return "request timeout", TIMEOUT
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"invalid URL: {exc}", INVALID_URL
    found = _os_error(exc)
    if found is not None:
        return found
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, httpx.ConnectError):
        if "name or service not known" in lowered or "nodename nor servname" in lowered:
            return "lookup: no such host", DNS_NO_IP
        if "temporary failure in name resolution" in lowered:
            return "lookup: temporary failure in name resolution", DNS
        if "refused" in lowered:
            return "dial: connection refused", DIAL_REFUSED
        return f"dial: {text or 'connection failed'}", DIAL
    if "reset" in lowered:
        return "read: connection reset by peer", RESET_BY_PEER
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"malformed response: {text or 'server disconnected'}", GENERIC
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return f"{'read' if isinstance(exc, httpx.ReadError) else 'write'}: {text or 'connection lost'}", TCP
    if isinstance(exc, TimeoutError):
        return "request timeout", TIMEOUT
    return text or type(exc).__name__, GENERIC


def status_error(status: int, reason: str) -> tuple[str, int]:
    """k6 tags HTTP responses of 400 and above with error_code 1000+status."""
    if status >= 400:
        return reason or f"HTTP {status}", 1000 + status
    return "", 0
