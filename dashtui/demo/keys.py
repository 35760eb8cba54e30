"""Supabase-style API keys: HS256 JWTs with `role` and `exp` claims, signed with the stand-in's secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_JWT_SECRET", "JwtError", "Keys", "decode_jwt", "make_jwt", "make_keys"]

DEFAULT_JWT_SECRET = "dashtui-stand-in-jwt-secret-with-at-least-32-characters"
"""Not a secret in any real sense: the stand-in is a local demo target, like `supabase start`'s keys."""

_ISSUED_AT = 1_735_689_600  # 2025-01-01T00:00:00Z: fixed, so the keys are the same on every run
_LIFETIME = 10 * 365 * 24 * 3600


class JwtError(Exception):
    """A token that is not a JWT, has a bad signature, or has expired; `code` is PostgREST's."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_jwt(claims: dict[str, Any], secret: str) -> str:
    header = _b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(secret.encode(), signing_input, hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64encode(signature)}"


def decode_jwt(token: str, secret: str, *, now: float) -> dict[str, Any]:
    """Verify an HS256 token at wall-clock time `now`; raise `JwtError` with PostgREST's code otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise JwtError("PGRST301", f"Expected 3 parts in JWT; got {len(parts)}")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
        signature = _b64decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        raise JwtError("PGRST301", "JWT cryptographic operation failed") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        raise JwtError("PGRST301", "Wrong or unsupported encoding algorithm")
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise JwtError("PGRST301", "JWT cryptographic operation failed")
    exp = claims.get("exp")
    if exp is not None:
        if not isinstance(exp, int | float):
            raise JwtError("PGRST303", "The JWT 'exp' claim must be a number")
        if exp <= now:
            raise JwtError("PGRST303", "JWT expired")
    return claims


@dataclass(frozen=True)
class Keys:
    """The project's two API keys and the secret that signs them (and any user token)."""

    anon: str
    service_role: str
    secret: str = DEFAULT_JWT_SECRET

    def role_of(self, apikey: str) -> str | None:
        """The role an `apikey` header grants: the gateway accepts exactly the project's two keys."""
        if hmac.compare_digest(apikey, self.anon):
            return "anon"
        if hmac.compare_digest(apikey, self.service_role):
            return "service_role"
        return None


def make_keys(secret: str = DEFAULT_JWT_SECRET) -> Keys:
    def key(role: str) -> str:
        claims: dict[str, Any] = {"iss": "dashtui-stand-in", "ref": "standin", "role": role}
        claims |= {"iat": _ISSUED_AT, "exp": _ISSUED_AT + _LIFETIME}
        return make_jwt(claims, secret)

    return Keys(anon=key("anon"), service_role=key("service_role"), secret=secret)
