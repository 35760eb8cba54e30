"""Reports written through devices, FIFOs and symbolic links, each report alone, never two in one file."""

from __future__ import annotations

import os
import select
import stat
import threading
from pathlib import Path

import pytest

from dashtui.report import (
    OutputPathError,
    ReportFile,
    check_distinct,
    check_writable,
    write_report,
    write_reports,
)

_NULL = os.makedev(1, 3)
_FULL = os.makedev(1, 7)


def _device(tmp_path: Path, name: str, number: int) -> Path:
    """A character device node in a temporary directory (never under /dev); needs root."""
    node = tmp_path / name
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, number)
    except PermissionError:
        pytest.skip("creating a device node with mknod needs root (CAP_MKNOD)")
    return node


def test_a_character_device_is_written_through_not_replaced(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", _NULL)
    check_writable(null, option="--out")
    write_report(null, '{"metrics": {}}\n')
    after = os.stat(null)
    assert stat.S_ISCHR(after.st_mode)
    assert after.st_rdev == _NULL
    assert sorted(os.listdir(tmp_path)) == ["null"]


def test_a_symlink_to_a_device_keeps_both(tmp_path: Path) -> None:
    null = _device(tmp_path, "null", _NULL)
    link = tmp_path / "stdout"
    link.symlink_to(null)
    write_report(link, "{}")
    assert link.is_symlink() and os.readlink(link) == str(null)
    assert stat.S_ISCHR(os.stat(null).st_mode)


def test_a_full_device_fails_with_the_reason(tmp_path: Path) -> None:
    full = _device(tmp_path, "full", _FULL)
    with pytest.raises(OSError) as caught:
        write_report(full, "{}")
    assert caught.value.strerror == "No space left on device"
    assert stat.S_ISCHR(os.stat(full).st_mode)


def test_a_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    chunks: list[bytes] = []
    done = threading.Event()

    def read() -> None:
        """Drain the FIFO until its writer closes it (or 30 s pass, when it never opened it)."""
        deadline = 3000
        while deadline and not done.is_set():
            ready, _, _ = select.select([fd], [], [], 0.01)
            deadline -= 1
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk and chunks:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    text = '{"padding": "' + "x" * 200_000 + '"}'
    try:
        write_report(fifo, text)
    finally:
        if not stat.S_ISFIFO(os.stat(fifo).st_mode):
            done.set()
        reader.join(timeout=60)
        os.close(fd)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert b"".join(chunks) == text.encode()


def test_a_symlink_to_a_file_keeps_the_link_and_replaces_the_file(tmp_path: Path) -> None:
    real = tmp_path / "runs" / "latest.json"
    real.parent.mkdir()
    real.write_text("old")
    real.chmod(0o600)
    link = tmp_path / "report.json"
    link.symlink_to(Path("runs") / "latest.json")
    check_writable(link, option="--out")
    write_report(link, "new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "latest.json")
    assert real.read_text() == "new"
    assert stat.S_IMODE(real.stat().st_mode) == 0o600
    assert sorted(os.listdir(real.parent)) == ["latest.json"]


def test_a_dangling_symlink_creates_the_file_it_points_to(tmp_path: Path) -> None:
    link = tmp_path / "report.json"
    link.symlink_to(tmp_path / "target.json")
    write_report(link, "new")
    assert link.is_symlink()
    assert (tmp_path / "target.json").read_text() == "new"


def test_a_regular_file_is_still_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    inode = target.stat().st_ino
    write_report(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_ino != inode, "a new file renamed over the old one"


def test_each_report_is_written_even_when_another_fails(tmp_path: Path) -> None:
    blocked = tmp_path / "gone"
    blocked.write_text("a file where a directory was")

    def broken() -> str:
        raise ValueError("Out of range float values are not JSON compliant")

    outcome = write_reports(
        [
            ReportFile("--out", blocked / "x.json", lambda: "{}"),
            ReportFile("--summary-export", tmp_path / "export.json", lambda: '{"ok": 1}'),
            ReportFile("--out", tmp_path / "broken.json", broken),
        ]
    )
    assert outcome.written == (str(tmp_path / "export.json"),)
    assert (tmp_path / "export.json").read_text() == '{"ok": 1}'
    assert outcome.failures == (
        f"--out {blocked / 'x.json'}: could not write (File exists)",
        f"--out {tmp_path / 'broken.json'}: could not render "
        "(Out of range float values are not JSON compliant)",
    )


def test_the_same_file_for_two_reports_is_refused(tmp_path: Path) -> None:
    same = tmp_path / "r.json"
    with pytest.raises(OutputPathError) as caught:
        check_distinct((("--out", same), ("--summary-export", tmp_path / "." / "r.json")))
    assert str(caught.value) == (
        f"--summary-export {tmp_path / '.' / 'r.json'}: the same file as --out {same}; "
        "expected a different path for each report"
    )
    link = tmp_path / "link.json"
    link.symlink_to(same)
    with pytest.raises(OutputPathError):
        check_distinct((("--out", same), ("--summary-export", link)))
    check_distinct((("--out", same), ("--summary-export", tmp_path / "other.json")))
    check_distinct((("--out", Path(os.devnull)), ("--summary-export", Path(os.devnull))))
    check_distinct((("--out", None), ("--summary-export", same)))
