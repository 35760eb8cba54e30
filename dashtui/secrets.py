"""What is secret, decided in one place, and the redactor every output passes through.

Secret are: the configured keys (`SUPABASE_ANON_KEY`, `SUPABASE_SERVICE_ROLE_KEY`), the value of any variable
whose name says KEY, TOKEN, SECRET or PASSWORD, and any value given as secret. As a second net for keys
nobody declared, anything shaped like a JWT, an `Authorization` header or a bearer token, and any key-like
field or URL parameter (`?apikey=…`, `access_token=…`, `&x-api-key=…`) is redacted too. Text is redacted
before it is cut short, so no prefix of a secret survives; values are also matched URL-encoded.
This module imports nothing from dashtui: every layer may use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar, cast
from urllib.parse import quote, quote_plus

__all__ = [
    "ALWAYS_SECRET",
    "REDACTED",
    "Redactor",
    "is_secret_name",
    "redact",
    "redact_data",
    "secrets_of",
    "shorten",
]

REDACTED = "[redacted]"
ALWAYS_SECRET = ("SUPABASE_SERVICE_ROLE_KEY", "SUPABASE_ANON_KEY")
_MIN_SECRET_LENGTH = 4
"""Shorter values are not replaced: a one-letter "secret" would shred every message it appears in."""

_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
_PARAM = r"[A-Za-z0-9_.\-]*(?:key|token|secret|password)[A-Za-z0-9_.\-]*"
_KEY_NAMES = r"(?:apikey|api_key|api-key|access_token|refresh_token|service_role_key)"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    (
        re.compile(
            r"(?i)(\bauthorization[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer|token|digest)\s+)?)"
            r"(?:\[redacted\]|[^\s\"',;}\[\]]+)"
        ),
        rf"\g<1>{REDACTED}",
    ),
    (re.compile(r"(?i)(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*"), rf"\g<1>{REDACTED}"),
    (re.compile(rf"(?i)([?&;]{_PARAM}=)(?!\[redacted\])[^&\s\"'#<>]+"), rf"\g<1>{REDACTED}"),
    (re.compile(rf"(?i)(\b{_KEY_NAMES}=)(?!\[redacted\])[^&\s\"'#<>]+"), rf"\g<1>{REDACTED}"),
    (
        re.compile(rf"(?i)([\"']?\b{_KEY_NAMES}[\"']?\s*:\s*[\"']?)(?:\[redacted\]|[^\s\"',;}}\[\]]+)"),
        rf"\g<1>{REDACTED}",
    ),
)

T = TypeVar("T")


def is_secret_name(name: str) -> bool:
    """Variables whose name contains KEY, TOKEN, SECRET or PASSWORD hold secrets: never show their values."""
    return bool(_SECRET_NAME.search(name))


def secrets_of(env: Mapping[str, str]) -> frozenset[str]:
    """The values of `env` that are secret by their variable's name."""
    return frozenset(v for k, v in env.items() if v and (k in ALWAYS_SECRET or is_secret_name(k)))


def _forms(secrets: Iterable[str]) -> tuple[str, ...]:
    values: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            continue
        values.update({secret, quote(secret, safe=""), quote_plus(secret), repr(secret)[1:-1]})
    return tuple(sorted(values, key=len, reverse=True))


def _redact(text: str, forms: tuple[str, ...]) -> str:
    for value in forms:
        if value in text:
            text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret value, and every key-looking token, replaced by `[redacted]`."""
    return _redact(text, _forms(secrets))


def shorten(text: str, limit: int, secrets: Iterable[str] = ()) -> str:
    """`text` redacted, then cut to `limit` characters with `…`: never a secret's prefix."""
    text = redact(text, secrets)
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


def redact_data(data: T, secrets: Iterable[str] = ()) -> T:
    """A copy of JSON-like data (dicts, lists, strings) with every key and string value redacted."""
    return Redactor(secrets).data(data)


class Redactor:
    """One run's secrets, applied to text and to JSON-like data; cheap to call on every line."""

    __slots__ = ("_forms", "secrets")

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = frozenset(s for s in secrets if s)
        self._forms = _forms(self.secrets)

    def __call__(self, text: str) -> str:
        return _redact(text, self._forms)

    def text(self, text: str) -> str:
        return _redact(text, self._forms)

    def data(self, data: T) -> T:
        """A copy of JSON-like data, every dict key and every string redacted; other values as they are."""
        return cast(T, self._walk(data))

    def _walk(self, value: object) -> object:
        if isinstance(value, str):
            return _redact(value, self._forms)
        if isinstance(value, Mapping):
            return {
                (_redact(k, self._forms) if isinstance(k, str) else k): self._walk(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            return [self._walk(v) for v in value]
        return value
