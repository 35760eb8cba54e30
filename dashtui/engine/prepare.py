"""Turn a scenario's RequestSpec into a PreparedRequest once, with its auth header set and body resolved."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..metrics.types import make_tags
from ..secrets import redact
from .http import PreparedRequest

__all__ = ["AuthError", "auth_header_sets", "prepare_request"]


class AuthError(ValueError):
    """A request asks for a named header set whose key is not configured."""


def auth_header_sets(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Supabase's two header sets: `service` (service-role key) and `anon` (anon key), when set."""
    sets: dict[str, dict[str, str]] = {}
    for name, variable in (("service", "SUPABASE_SERVICE_ROLE_KEY"), ("anon", "SUPABASE_ANON_KEY")):
        key = env.get(variable, "")
        if key:
            sets[name] = {"apikey": key, "Authorization": f"Bearer {key}"}
    return sets


def prepare_request(spec: Any, header_sets: Mapping[str, Mapping[str, str]]) -> PreparedRequest:
    """Resolve one RequestSpec. Raises AuthError when its `auth` set has no key configured."""
    headers: dict[str, str] = {}
    if spec.auth is not None:
        auth = header_sets.get(spec.auth)
        if auth is None:
            variable = "SUPABASE_SERVICE_ROLE_KEY" if spec.auth == "service" else "SUPABASE_ANON_KEY"
            raise AuthError(
                f"request {spec.name or spec.url!r} uses auth={spec.auth!r} but {variable} is not set"
            )
        headers.update(auth)
    headers.update(spec.headers)
    content: bytes | None = None
    if spec.body is not None:
        content = spec.body if isinstance(spec.body, bytes) else json.dumps(spec.body).encode()
        headers.setdefault("Content-Type", "application/json")
    return PreparedRequest(
        method=spec.method.upper(),
        url=spec.url,
        name=spec.name or redact(spec.url),
        headers=headers,
        content=content,
        timeout=spec.timeout,
        is_expected=spec.is_expected,
        tags=make_tags(spec.tags),
        spec=spec,
    )
