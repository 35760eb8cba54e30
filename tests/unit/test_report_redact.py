"""Keys never reach output: configured secrets and anything shaped like a Supabase key are redacted."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from dashtui.report import REDACTED, redact

SERVICE_KEY = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJyb2xlIjoic2VydmljZV9yb2xlIiwiaXNzIjoic3VwYWJhc2UifQ."
    "k3Q9f_x-Zq1bYw8sT0aB7cVv2nM4pL6dE5rU9hG1jKo"
)
PLAIN_SECRET = "sb_secret_Zk93+/x=="


def test_a_configured_secret_is_replaced_wherever_it_appears() -> None:
    text = f"request failed: key {PLAIN_SECRET} rejected; retry with {PLAIN_SECRET}"
    assert redact(text, [PLAIN_SECRET]) == f"request failed: key {REDACTED} rejected; retry with {REDACTED}"


def test_a_configured_secret_is_replaced_url_encoded_too() -> None:
    text = f"GET https://x.supabase.co/rest/v1/events?select=*&key={quote(PLAIN_SECRET, safe='')}"
    out = redact(text, [PLAIN_SECRET])
    assert quote(PLAIN_SECRET, safe="") not in out
    assert out.endswith(f"&key={REDACTED}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {SERVICE_KEY} expired", f"token {REDACTED} expired"),
        (f"Authorization: Bearer {SERVICE_KEY}", f"Authorization: Bearer {REDACTED}"),
        ("Authorization: Bearer opaque-token_123", f"Authorization: Bearer {REDACTED}"),
        ("authorization: Basic dXNlcjpwYXNz", f"authorization: Basic {REDACTED}"),
        ("bearer abc.def/ghi=", f"bearer {REDACTED}"),
        (
            "wss://x.supabase.co/realtime/v1/websocket?apikey=sb_publishable_abc&vsn=1.0.0",
            f"wss://x.supabase.co/realtime/v1/websocket?apikey={REDACTED}&vsn=1.0.0",
        ),
        ("/rest/v1/orders?APIKEY=k1&status=eq.paid", f"/rest/v1/orders?APIKEY={REDACTED}&status=eq.paid"),
        ('{"apikey": "sb_secret_1", "count": 3}', f'{{"apikey": "{REDACTED}", "count": 3}}'),
        ("apikey: sb_secret_1", f"apikey: {REDACTED}"),
        ('{"access_token":"tok123"}', f'{{"access_token":"{REDACTED}"}}'),
        ("headers={'Authorization': 'Bearer tok'}", f"headers={{'Authorization': 'Bearer {REDACTED}'}}"),
    ],
)
def test_key_shaped_values_are_redacted_without_being_configured(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_text_without_keys_is_unchanged() -> None:
    text = "GET /rest/v1/events?select=*&order=date.desc&limit=10 -> 500 Internal Server Error (eyJ is fine)"
    assert redact(text, [PLAIN_SECRET, SERVICE_KEY]) == text


def test_redaction_is_idempotent() -> None:
    text = f'Authorization: Bearer {SERVICE_KEY}\napikey={SERVICE_KEY}\n{{"apikey": "{PLAIN_SECRET}"}}'
    once = redact(text, [PLAIN_SECRET])
    assert redact(once, [PLAIN_SECRET]) == once
    assert SERVICE_KEY not in once and PLAIN_SECRET not in once
    assert "]]" not in once


def test_empty_and_tiny_secrets_do_not_shred_the_text() -> None:
    text = "a status of 500 at /rest/v1/events"
    assert redact(text, ["", "a", "50"]) == text


def test_longer_secrets_win_over_their_prefixes() -> None:
    short, long = "abcd1234", "abcd1234efgh5678"
    assert redact(f"{long} and {short}", [short, long]) == f"{REDACTED} and {REDACTED}"
