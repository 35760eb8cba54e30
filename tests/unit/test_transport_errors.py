"""aiohttp's exceptions (the fast transport's) in k6's words: error text and error_code."""

from __future__ import annotations

import socket
import ssl

import aiohttp
import pytest
from aiohttp.client_reqrep import ConnectionKey

from dashtui.engine.errors import classify_error

KEY = ConnectionKey("127.0.0.1", 80, False, True, None, None, None)


def _cert_error(message: str) -> ssl.SSLCertVerificationError:
    error = ssl.SSLCertVerificationError(1, f"certificate verify failed: {message}")
    error.verify_message = message
    return error


@pytest.mark.parametrize(
    ("exc", "error", "code"),
    [
        (
            aiohttp.ClientConnectorError(KEY, ConnectionRefusedError(111, "refused")),
            "dial: connection refused",
            1212,
        ),
        (
            aiohttp.ClientConnectorDNSError(KEY, socket.gaierror(-2, "Name or service not known")),
            "lookup: no such host",
            1101,
        ),
        (
            aiohttp.ClientConnectorDNSError(KEY, socket.gaierror(-3, "Temporary failure in name resolution")),
            "lookup: temporary failure in name resolution",
            1100,
        ),
        (aiohttp.ConnectionTimeoutError("connect"), "dial: i/o timeout", 1211),
        (aiohttp.SocketTimeoutError("read"), "request timeout", 1050),
        (TimeoutError(), "request timeout", 1050),
        (aiohttp.ServerDisconnectedError(), "EOF", 1000),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), "read: connection reset by peer", 1220),
        (aiohttp.ClientOSError(32, "Broken pipe"), "write: broken pipe", 1201),
        (aiohttp.ClientPayloadError("Response payload is not completed"), "unexpected EOF", 1000),
        (aiohttp.InvalidUrlClientError("http://"), "invalid URL: http://", 1020),
        (
            aiohttp.ClientConnectorCertificateError(
                KEY, _cert_error("unable to get local issuer certificate")
            ),
            "x509: unable to get local issuer certificate",
            1310,
        ),
        (
            aiohttp.ClientConnectorCertificateError(KEY, _cert_error("IP address mismatch, not valid")),
            "x509: IP address mismatch, not valid",
            1311,
        ),
    ],
)
def test_aiohttp_failures_map_to_k6_error_codes(exc: BaseException, error: str, code: int) -> None:
    assert classify_error(exc) == (error, code)
