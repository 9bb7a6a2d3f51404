"""Output folders appear whole or not at all: fill a temp folder beside the target, then rename it into place.

For commands that write many files (`pmrules statements --output DIR`). The target must be new, empty,
or a folder this command wrote before (it holds `marker`): an earlier result is replaced in two renames
(old aside, new in place) and then removed; any other folder is refused, so a mistyped `--output .`
cannot replace a workspace. On an exception (Ctrl-C and SIGTERM included) the temp folder is removed and
the target is as it was.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pmrules.errors import Location, OutputError
from pmrules.io.inputs import is_special_tree


def check_output_folder(target: Path, marker: str, inputs: Iterable[Path] = ()) -> None:
    """Refuse a target that is a file, a special path, a folder holding any input, or a foreign non-empty folder."""
    where = Location(str(target))
    resolved = target.resolve()
    if is_special_tree(Path(os.path.abspath(target))) or is_special_tree(resolved):
        raise OutputError(f"--output {target} is under /proc, /sys or /dev", location=where, hint="name a new folder")
    for path in inputs:
        if resolved == path.resolve() or resolved in path.resolve().parents:
            raise OutputError(f"--output {target} holds the input file {path}", location=where,
                              hint="name a new folder for the output")
    if target.exists() or target.is_symlink():
        if not target.is_dir() or target.is_symlink():
            raise OutputError(f"--output {target} exists and is not a folder", location=where,
                              hint="name a new folder")
        if any(target.iterdir()) and not (target / marker).is_file():
            raise OutputError(f"--output {target} is a folder with other files in it", location=where,
                              hint=f"name a new or empty folder (a folder this command wrote, with {marker}, is replaced)")
    if not resolved.parent.is_dir():
        raise OutputError(f"--output {target}: the folder {resolved.parent} does not exist", location=where,
                          hint="create it first")


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a temp folder beside `target`; on success it replaces `target` (check_output_folder first)."""
    parent = target.resolve().parent
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}", location=Location(str(target)),
                          hint="write the output somewhere else") from exc
    try:
        yield temp
        os.chmod(temp, 0o777 & ~_umask())
        old = None
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "previous")
        try:
            os.replace(temp, target)
        except BaseException:
            if old is not None:
                os.replace(old / "previous", target)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}", location=Location(str(target)),
                          hint="free some disk space, or write the output somewhere else") from exc
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
