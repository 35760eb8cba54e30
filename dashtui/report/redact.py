"""Keys out of anything dashtui prints or writes: failure body excerpts, error messages, URLs.

Supabase keys are JWTs (`eyJ….….…`) sent as the `apikey` header, as `Authorization: Bearer …`, and in
Realtime URLs as `?apikey=…`. `redact` removes the configured secret values themselves (also URL-encoded)
and, as a second net for keys it was not told about, anything shaped like a JWT, a bearer token or an
`apikey` / `access_token` parameter or field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

__all__ = ["REDACTED", "redact"]

REDACTED = "[redacted]"
_MIN_SECRET_LENGTH = 4
"""Shorter values are not replaced: a one-letter "secret" would shred every message it appears in."""

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
    (re.compile(rf"(?i)(\b{_KEY_NAMES}=)[^&\s\"'#<>]+"), rf"\g<1>{REDACTED}"),
    (
        re.compile(rf"(?i)([\"']?\b{_KEY_NAMES}[\"']?\s*:\s*[\"']?)(?:\[redacted\]|[^\s\"',;}}\[\]]+)"),
        rf"\g<1>{REDACTED}",
    ),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with every secret value, and every key-looking token, replaced by `[redacted]`."""
    values: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < _MIN_SECRET_LENGTH:
            continue
        values.update({secret, quote(secret, safe=""), quote_plus(secret)})
    for value in sorted(values, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text
