"""`--execution-segment` and `--execution-segment-sequence`: k6's semantics, one-line errors, exit 104."""

from __future__ import annotations

import pytest

from dashtui.cli import main
from dashtui.cli.options import build_parser, execution_segment
from dashtui.scenario.segments import ExecutionTuple

KEYS = {"SUPABASE_URL": "http://127.0.0.1:1", "SUPABASE_ANON_KEY": "a", "SUPABASE_SERVICE_ROLE_KEY": "s"}


def segment_of(*flags: str) -> ExecutionTuple | None:
    return execution_segment(build_parser().parse_args(["dashboard", *flags]))


def test_no_flags_is_the_whole_run() -> None:
    assert segment_of() is None


def test_a_segment_alone_is_filled_around_as_k6_does() -> None:
    et = segment_of("--execution-segment", "25%:50%")
    assert et is not None
    assert (str(et.segment), str(et.sequence)) == ("1/4:1/2", "0,1/4,1/2,1")


def test_a_segment_within_its_sequence() -> None:
    et = segment_of("--execution-segment", "1/3:2/3", "--execution-segment-sequence", "0,1/3,2/3,1")
    assert et is not None
    assert (et.index, et.scale(20)) == (1, 7)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (
            ["--execution-segment", "55%:50%"],
            "--execution-segment '55%:50%': segment start (11/20) must be less",
        ),
        (["--execution-segment", "1a5"], "'1a5' is not a fraction (1/4), a decimal (0.25)"),
        (["--execution-segment", "125%"], "segment end can't be more than 1, found 5/4"),
        (
            ["--execution-segment-sequence", "0,1/2,1/3"],
            "--execution-segment-sequence '0,1/2,1/3': segment start",
        ),
        (["--execution-segment-sequence", "0.5"], "at least 2 points are needed"),
        (["--execution-segment-sequence", "0,1/2,1"], "--execution-segment 0:1 (the default) is not one of"),
        (
            ["--execution-segment", "0:1/3", "--execution-segment-sequence", "0,1/2,1"],
            "expected one of 0:1/2, 1/2:1",
        ),
    ],
)
def test_a_bad_segment_is_one_line_and_exit_104(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    for argv in (["dashboard", "--headless", *flags], ["validate", "dashboard", *flags]):
        assert main(argv) == 104
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("dashtui: error: ")
        assert message in err
        assert "Traceback" not in err


def test_validate_shows_the_segments_share(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key, value in KEYS.items():
        monkeypatch.setenv(key, value)
    flags = ["--execution-segment", "2/3:1", "--execution-segment-sequence", "0,1/3,2/3,1"]
    assert main(["validate", "dashboard", *flags]) == 0
    out = capsys.readouterr().out
    assert "execution segment 2/3:1 of the sequence 0,1/3,2/3,1 (1/3 of the run, 33.3%)" in out
    assert "this segment: 6 of 20 VUs" in out
    assert main(["validate", "dashboard"]) == 0
    assert "segment" not in capsys.readouterr().out
