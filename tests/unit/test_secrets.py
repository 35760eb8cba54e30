"""The one rule for what is secret: names, values, key-shaped text, redaction before truncation, JSON data."""

from __future__ import annotations

from dashtui.scenario.problems import format_value
from dashtui.secrets import REDACTED, Redactor, is_secret_name, redact, secrets_of, shorten


def test_names_that_say_key_token_secret_or_password_are_secret() -> None:
    for name in ("SUPABASE_ANON_KEY", "api_token", "CLIENT_SECRET", "DB_PASSWORD", "apikey"):
        assert is_secret_name(name), name
    for name in ("BASE_URL", "TEST_EVENT_ID", "HOME"):
        assert not is_secret_name(name), name
    env = {"GITHUB_TOKEN": "ghp_abcdef", "HOME": "/root", "DB_PASSWORD": "hunter22", "EMPTY_KEY": ""}
    assert secrets_of(env) == {"ghp_abcdef", "hunter22"}


def test_key_named_url_parameters_are_redacted_without_being_told() -> None:
    url = "wss://x.supabase.co/realtime/v1/websocket?apikey=opaque123&vsn=1.0.0&x-api-key=k2&token=t3&page=2"
    assert redact(url) == (
        f"wss://x.supabase.co/realtime/v1/websocket?apikey={REDACTED}&vsn=1.0.0"
        f"&x-api-key={REDACTED}&token={REDACTED}&page=2"
    )


def test_a_long_secret_is_redacted_before_it_is_cut_short() -> None:
    secret = "tok_" + "x9" * 100
    text = f"found {secret!r}"
    assert shorten(text, 20, [secret]) == f"found '{REDACTED}'"
    assert secret[:8] not in format_value(secret, 80, Redactor([secret]))
    assert format_value(secret, 80) == repr(secret)[:79] + "…"


def test_json_data_has_its_keys_and_strings_redacted() -> None:
    data = {
        "metrics": {"checks{check:ok s3cret-v4lue}": {"values": {"rate": 1.0}}},
        "names": ["s3cret-v4lue"],
    }
    assert Redactor(["s3cret-v4lue"]).data(data) == {
        "metrics": {f"checks{{check:ok {REDACTED}}}": {"values": {"rate": 1.0}}},
        "names": [REDACTED],
    }
