"""Outputs appear whole or not at all: write a temp file beside the target, then rename."""

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
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
