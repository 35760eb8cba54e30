"""Result files: atomic replacement that never leaves a half file, and writability checked before a run."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from dashtui.report import OutputPathError, atomic_write_text, check_writable
from dashtui.report import files as files_module


def test_writes_the_text_creating_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "load-tests" / "results" / "dashboard-load-results.json"
    atomic_write_text(target, '{"a": "µs ✓"}\n')
    assert target.read_text(encoding="utf-8") == '{"a": "µs ✓"}\n'
    assert os.listdir(target.parent) == [target.name]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_replaces_an_existing_file_and_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(0o600)
    atomic_write_text(str(target), "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["out.json"]


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failure_midway_leaves_the_old_file_whole_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "out.json"
    target.write_text('{"complete": true}')
    written: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        written.extend(p.name for p in tmp_path.iterdir() if p.name != "out.json")
        if failing == "fsync":
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    def replace(src: str, dst: object) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(files_module.os, "fsync", fsync)
    if failing == "replace":
        monkeypatch.setattr(files_module.os, "replace", replace)
    with pytest.raises(OSError):
        atomic_write_text(target, '{"complete": false, "padding": "' + "x" * 100_000 + '"}')
    assert written, "the text went to a temporary file first"
    assert target.read_text() == '{"complete": true}'
    assert os.listdir(tmp_path) == ["out.json"]


def test_an_interrupt_while_writing_also_cleans_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def fsync(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files_module.os, "fsync", fsync)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.json"]


def test_writable_destinations_pass_and_leave_nothing_behind(tmp_path: Path) -> None:
    check_writable(tmp_path / "x.json", option="--out")
    check_writable(tmp_path / "deep" / "er" / "x.json", option="--out")
    existing = tmp_path / "existing.json"
    existing.write_text("keep")
    check_writable(existing)
    assert sorted(os.listdir(tmp_path)) == ["existing.json"]
    assert existing.read_text() == "keep"


def test_a_directory_is_not_a_file_path(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError) as caught:
        check_writable(tmp_path, option="--out")
    assert str(caught.value) == f"--out {tmp_path}: is a directory, expected a file path"


def test_a_file_in_the_way_of_the_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "results"
    blocker.write_text("")
    with pytest.raises(OutputPathError) as caught:
        check_writable(blocker / "sub" / "x.json", option="--summary-export")
    assert str(caught.value) == f"--summary-export {blocker / 'sub' / 'x.json'}: {blocker} is not a directory"


def test_an_unwritable_directory_is_reported_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probe is a real file creation; denial is injected because tests may run as root."""

    def denied(**kwargs: object) -> tuple[int, str]:
        assert kwargs["dir"] == results
        raise PermissionError(errno.EACCES, "Permission denied")

    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(files_module.tempfile, "mkstemp", denied)
    with pytest.raises(OutputPathError) as caught:
        check_writable(results / "x.json", option="--out")
    assert str(caught.value) == (
        f"--out {results / 'x.json'}: directory {results.resolve()} is not writable (Permission denied)"
    )


def test_a_missing_directory_is_probed_at_its_nearest_existing_ancestor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    probed: list[object] = []
    real = files_module.tempfile.mkstemp

    def spy(**kwargs: object) -> tuple[int, str]:
        probed.append(kwargs["dir"])
        return real(**kwargs)  # type: ignore[call-overload, no-any-return]

    monkeypatch.setattr(files_module.tempfile, "mkstemp", spy)
    check_writable(tmp_path / "a" / "b" / "x.json")
    assert probed == [tmp_path]


def test_read_only_filesystem_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(**kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(files_module.tempfile, "mkstemp", read_only)
    with pytest.raises(OutputPathError, match=r"is not writable \(Read-only file system\)$"):
        check_writable(tmp_path / "x.json")
