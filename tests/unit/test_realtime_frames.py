"""Realtime frames (vsn 1.0.0): the WebSocket URL, the join payload, decoding and its errors, timestamps."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from dashtui.engine.phoenix import (
    Frame,
    FrameError,
    change_config,
    commit_time,
    decode,
    encode,
    join_payload,
    reply_status,
    subscribed_status,
    topic_for,
    websocket_url,
)
from dashtui.engine.realtime import uses_realtime
from dashtui.scenario.model import Scenario


class TestWebsocketUrl:
    @pytest.mark.parametrize(
        ("base", "expected"),
        [
            ("http://127.0.0.1:54321", "ws://127.0.0.1:54321/realtime/v1/websocket?apikey=k&vsn=1.0.0"),
            ("https://ab.supabase.co/", "wss://ab.supabase.co/realtime/v1/websocket?apikey=k&vsn=1.0.0"),
            ("https://gw.example/proj", "wss://gw.example/proj/realtime/v1/websocket?apikey=k&vsn=1.0.0"),
            ("wss://ab.supabase.co", "wss://ab.supabase.co/realtime/v1/websocket?apikey=k&vsn=1.0.0"),
        ],
    )
    def test_scheme_and_path(self, base: str, expected: str) -> None:
        assert websocket_url(base, "k") == expected

    def test_key_is_percent_encoded(self) -> None:
        url = websocket_url("http://h", "a+b/c=")
        assert url.endswith("?apikey=a%2Bb%2Fc%3D&vsn=1.0.0")

    @pytest.mark.parametrize("base", ["ftp://h", "127.0.0.1:54321", "http://"])
    def test_not_a_base_url(self, base: str) -> None:
        with pytest.raises(ValueError, match="http\\(s\\) or ws\\(s\\) base URL"):
            websocket_url(base, "secret-key")

    def test_error_does_not_show_the_key(self) -> None:
        with pytest.raises(ValueError) as info:
            websocket_url("ftp://h/x?apikey=secret-key", "secret-key")
        assert "secret-key" not in str(info.value)


class TestJoin:
    def test_join_frame_has_supabase_js_shape(self) -> None:
        changes = [
            change_config("*", "public", "orders", "event_id=eq.42"),
            change_config("INSERT", "public", "scan_logs", None),
        ]
        text = encode(topic_for("dash"), "phx_join", join_payload(changes, "jwt"), "1", "1")
        assert json.loads(text) == {
            "topic": "realtime:dash",
            "event": "phx_join",
            "ref": "1",
            "join_ref": "1",
            "payload": {
                "config": {
                    "broadcast": {"ack": False, "self": False},
                    "presence": {"key": "", "enabled": False},
                    "private": False,
                    "postgres_changes": [
                        {"event": "*", "schema": "public", "table": "orders", "filter": "event_id=eq.42"},
                        {"event": "INSERT", "schema": "public", "table": "scan_logs"},
                    ],
                },
                "access_token": "jwt",
            },
        }

    def test_no_token_no_access_token_key(self) -> None:
        assert "access_token" not in join_payload([], None)


class TestDecode:
    def test_message(self) -> None:
        frame = decode(
            '{"topic":"realtime:d","event":"phx_reply","payload":{"status":"ok"},"ref":3,"join_ref":"1"}'
        )
        assert frame == Frame("realtime:d", "phx_reply", {"status": "ok"}, "3", "1")

    def test_null_payload_and_refs(self) -> None:
        assert decode('{"topic":"t","event":"e","payload":null,"ref":null}') == Frame(
            "t", "e", {}, None, None
        )

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            ("not json", "not JSON"),
            ("[1,2]", "a JSON list"),
            ('{"event":"x"}', "no string topic and event"),
            ('{"topic":"t","event":"e","payload":[1]}', "payload is a JSON list"),
            ('{"topic":"t","event":"e","ref":{"a":1}}', "ref is dict"),
            (b"\x00\x01", "binary frame of 2 bytes"),
        ],
    )
    def test_garbage(self, raw: str | bytes, message: str) -> None:
        with pytest.raises(FrameError, match=message):
            decode(raw)

    def test_reply_status(self) -> None:
        ok = Frame("t", "phx_reply", {"status": "ok", "response": {}})
        error = Frame(
            "t", "phx_reply", {"status": "error", "response": {"reason": "ChannelRateLimitReached"}}
        )
        odd = Frame("t", "phx_reply", {"status": "weird"})
        assert reply_status(ok) == (True, "")
        assert reply_status(error) == (False, "ChannelRateLimitReached")
        assert reply_status(odd) == (False, "status 'weird'")

    def test_subscribed_status(self) -> None:
        def system(status: str, extension: str = "postgres_changes") -> Frame:
            payload = {"extension": extension, "status": status, "message": "Subscribed to PostgreSQL"}
            return Frame("realtime:d", "system", payload)

        assert subscribed_status(system("ok")) is True
        assert subscribed_status(system("error")) is False
        assert subscribed_status(system("ok", extension="broadcast")) is None
        assert subscribed_status(Frame("realtime:d", "phx_reply", {"status": "ok"})) is None


class TestCommitTime:
    @pytest.mark.parametrize(
        "stamp",
        ["2024-05-01T10:00:00.123Z", "2024-05-01T10:00:00.123+00:00", "2024-05-01T12:00:00.123+02:00"],
    )
    def test_iso_forms(self, stamp: str) -> None:
        expected = datetime(2024, 5, 1, 10, 0, 0, 123000, tzinfo=UTC).timestamp()
        assert commit_time({"commit_timestamp": stamp}) == pytest.approx(expected)

    def test_naive_is_utc(self) -> None:
        expected = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC).timestamp()
        assert commit_time({"commit_timestamp": "2024-05-01T10:00:00"}) == pytest.approx(expected)

    @pytest.mark.parametrize("value", [None, 12, "yesterday"])
    def test_missing_or_bad(self, value: object) -> None:
        assert commit_time({"commit_timestamp": value}) is None


def test_uses_realtime_finds_steps_inside_groups() -> None:
    def scenario(steps: list[object]) -> Scenario:
        return Scenario.model_validate(
            {
                "name": "t",
                "scenarios": {"s": {"executor": "constant-vus", "vus": 1, "duration": 1}},
                "flows": {"default": steps},
            }
        )

    realtime = {"realtime": {"changes": [{"table": "orders"}]}}
    assert uses_realtime(scenario([{"group": "g", "steps": [{"sleep": 1}, realtime]}]))
    assert not uses_realtime(scenario([{"sleep": 1}]))
