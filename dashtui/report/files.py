"""Writing result files safely: atomically at the end of a run, and checked for writability before it starts.

A three-minute run must not end with "permission denied", and a crash or a full disk while writing must not
leave a half-written JSON behind that a CI step then parses: `check_writable` probes the destination before
the run, and `write_report` replaces a regular file atomically (a temporary file beside it, synced, renamed
over it). What is not a regular file is written through, never replaced: a character device such as
/dev/null, a FIFO, and a symbolic link (a link to a regular file has the file it points to replaced, and the
link kept). `write_reports` writes each report on its own and collects the failures as one-line messages.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "OutputPathError",
    "ReportFile",
    "ReportWrites",
    "atomic_write_text",
    "check_distinct",
    "check_writable",
    "write_report",
    "write_reports",
]

_DEFAULT_MODE = 0o644


class OutputPathError(Exception):
    """An output file that cannot be written; the message names the option, the path and the reason."""


def _reason(error: OSError) -> str:
    return error.strerror or (errno.errorcode.get(error.errno or 0) or str(error))


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at `path` with `text` (UTF-8) in one step, creating missing parent directories.

    Readers see either the old file or the whole new one, never a part: the text goes to a temporary file
    beside the destination, is flushed to disk, then renamed over it. On any error the temporary file is
    removed and the old file is left as it was.
    """
    target = Path(path)
    directory = target.parent
    directory.mkdir(parents=True, exist_ok=True)
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = _DEFAULT_MODE
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)


def _write_through(path: str, text: str) -> None:
    """Write `text` into an existing device or FIFO: opened for writing, never created or replaced."""
    data = text.encode("utf-8")
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
    finally:
        os.close(fd)


def _kind(path: str) -> int | None:
    """The `st_mode` of what `path` names after following links, or None when nothing is there."""
    try:
        return os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None


def write_report(path: str | os.PathLike[str], text: str) -> None:
    """Write a report to `path` the way its kind of file asks for.

    A regular file (or nothing yet) is replaced atomically; a symbolic link keeps being a link, and the
    file it points to is replaced atomically (or written through, when it is a device or FIFO); a character
    device, a FIFO or a socket is written through. A directory is an error.
    """
    name = os.fspath(path)
    resolved = os.path.realpath(name)
    mode = _kind(resolved)
    if mode is None or stat.S_ISREG(mode):
        atomic_write_text(resolved if os.path.islink(name) else name, text)
    elif stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), name)
    else:
        _write_through(resolved, text)


@dataclass(frozen=True, slots=True)
class ReportFile:
    """One report to write: the option that named it (for the error line), where, and a way to render it."""

    option: str
    path: Path
    render: Callable[[], str]


@dataclass(frozen=True, slots=True)
class ReportWrites:
    """What `write_reports` did: the paths written, and one line per report that could not be."""

    written: tuple[str, ...] = ()
    failures: tuple[str, ...] = ()


def write_reports(reports: Iterable[ReportFile]) -> ReportWrites:
    """Write every report on its own: one that fails (a full disk, a directory made read-only during the
    run, a rendering error) is recorded as `--out PATH: could not write (REASON)` and the others still go."""
    written: list[str] = []
    failures: list[str] = []
    for report in reports:
        try:
            write_report(report.path, report.render())
        except OSError as error:
            failures.append(f"{report.option} {report.path}: could not write ({_reason(error)})")
        except (ValueError, TypeError) as error:
            failures.append(f"{report.option} {report.path}: could not render ({error})")
        else:
            written.append(str(report.path))
    return ReportWrites(tuple(written), tuple(failures))


def _probe_directory(directory: Path) -> None:
    """Create and remove a file in `directory`: the only test of writability that also holds for root,
    read-only mounts and ACLs."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=".dashtui-probe-", suffix=".tmp")
    os.close(fd)
    os.unlink(name)


def check_writable(path: str | os.PathLike[str], *, option: str | None = None) -> None:
    """Raise `OutputPathError` unless a report can be written at `path`; leaves nothing behind.

    A regular file is replaced by a rename, so what matters is that its directory (or the nearest existing
    ancestor, under which the missing directories will be created) accepts new files; through a symbolic
    link that is the directory of the file it points to. A device or FIFO is written through: it must be
    writable itself. Called before the run starts. `option` (e.g. `--out`) prefixes the message, so the
    user sees which flag to fix: `--out results/x.json: directory /srv/results is not writable (Permission
    denied)`.
    """
    label = f"{option} {path}" if option else str(path)
    name = os.fspath(path)
    resolved = os.path.realpath(name)
    mode = _kind(resolved)
    if mode is not None and stat.S_ISDIR(mode):
        raise OutputPathError(f"{label}: is a directory, expected a file path")
    if mode is not None and not stat.S_ISREG(mode):
        if not os.access(resolved, os.W_OK):
            raise OutputPathError(f"{label}: {resolved} is not writable (Permission denied)")
        return
    target = Path(resolved if os.path.islink(name) else name)
    directory = target.parent
    while not directory.exists():
        if directory.is_symlink():
            raise OutputPathError(f"{label}: {directory} is a broken symbolic link")
        if directory.parent == directory:
            break
        directory = directory.parent
    if not directory.is_dir():
        raise OutputPathError(f"{label}: {directory} is not a directory")
    shown = directory.resolve()
    try:
        _probe_directory(directory)
    except OSError as error:
        raise OutputPathError(f"{label}: directory {shown} is not writable ({_reason(error)})") from None


def check_distinct(paths: Iterable[tuple[str, Path | None]]) -> None:
    """Raise `OutputPathError` when two reports would land in the same file (one would overwrite the other).

    Paths are compared after following links; the null device may take any number of reports.
    """
    seen: dict[str, str] = {}
    for option, path in paths:
        if path is None:
            continue
        resolved = os.path.realpath(path)
        if resolved == os.path.realpath(os.devnull):
            continue
        if resolved in seen:
            raise OutputPathError(
                f"{option} {path}: the same file as {seen[resolved]}; "
                "expected a different path for each report"
            )
        seen[resolved] = f"{option} {path}"
