"""Small command-line defects: --fps and --url checked up front, a directory as the preset, a preset's
KeyboardInterrupt or sys.exit() at import is its own error (107) while a signal still means 105."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashtui import stopping
from dashtui.cli.options import build_parser
from dashtui.scenario import ScenarioError, ScriptError, load_scenario


@pytest.mark.parametrize("fps", ["0", "-1", "nan", "inf", "100000", "fast"])
def test_fps_outside_0_to_60_is_a_usage_error(fps: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["--fps", fps])
    assert caught.value.code == 2
    assert f"--fps {fps!r}: expected a number of frames per second, 0 < fps <= 60" in capsys.readouterr().err


def test_a_sane_fps_and_url_parse() -> None:
    args = build_parser().parse_args(["--fps", "30", "--url", "https://abc.supabase.co"])
    assert args.fps == 30.0 and args.url == "https://abc.supabase.co"


@pytest.mark.parametrize("url", ["not a url", "ftp://host", "http://", "127.0.0.1:54321"])
def test_a_bad_url_is_one_usage_error(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--url", url])
    err = capsys.readouterr().err
    assert f"--url {url!r}: expected an absolute http(s) URL with a host" in err
    assert "problems" not in err


def test_a_directory_as_the_preset_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "presets.toml"
    folder.mkdir()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder, env={})
    assert caught.value.message == "not a file"
    assert caught.value.found == "a directory"


@pytest.mark.parametrize("body", ["raise KeyboardInterrupt", "import sys\nsys.exit(3)"])
def test_a_preset_that_stops_itself_at_import_is_a_script_error(tmp_path: Path, body: str) -> None:
    preset = tmp_path / "bad.py"
    preset.write_text(body + "\n")
    with pytest.raises(ScriptError) as caught:
        load_scenario(preset, env={})
    assert "importing the scenario failed" in str(caught.value)


def test_a_signal_while_a_preset_imports_is_not_blamed_on_the_preset(tmp_path: Path) -> None:
    preset = tmp_path / "slow.py"
    preset.write_text("from dashtui import stopping\nraise stopping.SignalExit(stopping.EXIT_SIGNAL)\n")
    with pytest.raises(stopping.SignalExit) as caught:
        load_scenario(preset, env={})
    assert caught.value.code == 105
