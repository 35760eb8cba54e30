"""Writing result files safely: atomically at the end of a run, and checked for writability before it starts.

A three-minute run must not end with "permission denied", and a crash or a full disk while writing must not
leave a half-written JSON behind that a CI step then parses: `check_writable` probes the destination before
the run, and `atomic_write_text` writes a temporary file in the same directory, syncs it, and renames it over
the destination in one step.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

__all__ = ["OutputPathError", "atomic_write_text", "check_writable"]

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


def _probe_directory(directory: Path) -> None:
    """Create and remove a file in `directory`: the only test of writability that also holds for root,
    read-only mounts and ACLs."""
    fd, name = tempfile.mkstemp(dir=directory, prefix=".dashtui-probe-", suffix=".tmp")
    os.close(fd)
    os.unlink(name)


def check_writable(path: str | os.PathLike[str], *, option: str | None = None) -> None:
    """Raise `OutputPathError` unless a file can be written at `path`; leaves nothing behind.

    The file itself is replaced by a rename, so what matters is that its directory (or the nearest existing
    ancestor, under which the missing directories will be created) accepts new files.
    Called before the run starts. `option` (e.g. `--out`) prefixes the message, so the user sees which
    flag to fix: `--out results/x.json: directory /srv/results is not writable (Permission denied)`.
    """
    target = Path(path)
    label = f"{option} {path}" if option else str(path)
    if target.is_dir():
        raise OutputPathError(f"{label}: is a directory, expected a file path")
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
