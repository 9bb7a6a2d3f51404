"""Outputs appear whole or not at all: write a temp file beside the target, then rename.

The temp file (`.NAME.XXXX.tmp` in the target's folder) is removed on any exception, including
KeyboardInterrupt and the CLI's SIGTERM; only SIGKILL or a power cut can leave one behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pmrules.errors import InputError


def check_output_path(target: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output path that would overwrite one of the run's own input files."""
    resolved = target.resolve()
    for path in inputs:
        if path.resolve() == resolved:
            raise InputError(
                f"--output {target} would overwrite the input file {path}",
                hint="write the output somewhere else",
            )
    if resolved.is_dir():
        raise InputError(f"--output {target} is a folder", hint="name a file")
    if not resolved.parent.is_dir():
        raise InputError(f"--output {target}: the folder {resolved.parent} does not exist")


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one rename; an interruption leaves the old file or nothing."""
    directory = target.resolve().parent
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), _mode_for(target))
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _mode_for(target: Path) -> int:
    """The replaced file's permissions, or what a plain open() would give (mkstemp's 0600 is not wanted)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
