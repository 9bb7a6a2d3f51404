"""Outputs appear whole or not at all: write a temp file beside the target, then rename.

The temp file (`.NAME.XXXX.tmp` in the target's folder) is removed on any exception, including
KeyboardInterrupt and the CLI's SIGTERM; only SIGKILL or a power cut can leave one behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pmrules.errors import Location, OutputError
from pmrules.io.outputs import check_output_path

__all__ = ["check_output_path", "staged", "write_atomic", "write_atomic_many"]

T = TypeVar("T")


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one rename; an interruption leaves the old file or nothing."""
    write_atomic_many([(target, data)])


def write_atomic_many(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every temp file first, then rename each into place.

    A full disk, a read-only file system or a missing permission fails while writing the temp
    files, before any target is touched: an `OutputError` naming the target, nothing replaced.
    """
    temps: list[tuple[str, Path]] = []
    try:
        for target, data in files:
            temps.append((_write_temp(target, data), target))
        for temp, target in temps:
            _io(target, os.replace, temp, target)
    except BaseException:
        for temp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        raise


@contextlib.contextmanager
def staged(target: Path, data: bytes) -> Iterator[None]:
    """Write `data` to a temp file beside `target`, run the body, then rename; if anything fails, no file changes.

    For an output that must be written before something else is recorded (a payroll file before its run is
    marked paid): the body records, the rename is the last step, and a failing body leaves the old file.
    """
    temp = _write_temp(target, data)
    try:
        yield
        _io(target, os.replace, temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _write_temp(target: Path, data: bytes) -> str:
    fd, temp = _io(target, tempfile.mkstemp, prefix=f".{target.name}.", suffix=".tmp", dir=target.resolve().parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            _io(target, handle.write, data)
            _io(target, handle.flush)
            _io(target, os.fchmod, handle.fileno(), _mode_for(target))
            _io(target, os.fsync, handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return temp


def _io(target: Path, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one file operation; an OSError becomes a one-line OutputError about `target`."""
    try:
        return call(*args, **kwargs)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise OutputError(f"cannot write {target}: {reason}", location=Location(str(target)),
                          hint=_HINTS.get(exc.errno or 0, "write the output somewhere else")) from exc


_HINTS = {
    errno.ENOSPC: "free some disk space, or write the output somewhere else",
    errno.EDQUOT: "the disk quota is used up: free some space, or write somewhere else",
    errno.EROFS: "the file system is read-only: write the output somewhere else",
    errno.EACCES: "no permission to write there: write the output somewhere else",
    errno.EPERM: "no permission to write there: write the output somewhere else",
    errno.EISDIR: "a folder has that name: remove it or write somewhere else",
}


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, or what a plain open() would give (mkstemp's 0600 is not wanted)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
