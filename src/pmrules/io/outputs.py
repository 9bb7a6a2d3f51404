"""The output guard: where `--output` may write, checked before anything is computed or written.

One check for every command. It refuses a target that is one of the run's inputs (the
workspace's `pmrules.yaml`, data files and rule-set files, through links and hard links too), a
folder, and anything that is not a regular file: a device (`/dev/null`), a FIFO, a socket,
`/dev/stdout` or a path under /proc, /sys or /dev, which an atomic rename would replace with a
regular file. `--output -` is stdout.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from pmrules.errors import Location, OutputError
from pmrules.io.inputs import is_special_tree

STDOUT = "-"


def workspace_inputs(root: Path, input_files: Iterable[Path], ruleset_entries: Iterable[str] | None) -> list[Path]:
    """Every file a run of this workspace reads or may read: its inputs and its rule-set files.

    `ruleset_entries` is the manifest's `rulesets:` (None when absent: `rulesets/*.yaml` apply).
    Found without parsing the rule sets, so a command that does not load them still protects them.
    """
    found = list(input_files)
    folder = root / "rulesets"
    if folder.is_dir():
        found.extend(sorted(p for p in folder.iterdir() if p.suffix.lower() in (".yaml", ".yml")))
    for entry in ruleset_entries or ():
        if entry.endswith((".yaml", ".yml")) or "/" in entry:
            found.append(root / entry)
    return found


def check_output_path(target: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse an output that would overwrite an input, a folder or a special file (see the module)."""
    where = Location(str(target))
    resolved = target.resolve()
    try:
        status: os.stat_result | None = os.stat(target)
    except OSError:
        status = None
    for path in inputs:
        if path.resolve() == resolved or (status is not None and _same_file(path, status)):
            raise OutputError(f"--output {target} would overwrite the input file {path}", location=where,
                              hint="write the output somewhere else")
    if status is not None and stat.S_ISDIR(status.st_mode):
        raise OutputError(f"--output {target} is a folder", location=where, hint="name a file")
    lexical = Path(os.path.abspath(target))
    if is_special_tree(lexical) or is_special_tree(resolved) or (status is not None and not stat.S_ISREG(status.st_mode)):
        raise OutputError(f"--output {target} is {_kind(status)}, not a regular file", location=where,
                          hint="name a plain file, or use --output - (or no --output) for stdout")
    if not resolved.parent.is_dir():
        raise OutputError(f"--output {target}: the folder {resolved.parent} does not exist", location=where,
                          hint="create the folder first")


def _same_file(path: Path, status: os.stat_result) -> bool:
    try:
        other = os.stat(path)
    except OSError:
        return False
    return (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino)


def _kind(status: os.stat_result | None) -> str:
    if status is None:
        return "a path under /proc, /sys or /dev"
    mode = status.st_mode
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"
